import { escapeHtml } from '@app/common';

/**
 * Per-reader values are written in templates as `%%name%%` (letters, digits, `_`):
 * Handlebars and MJML leave the syntax alone and html-to-text keeps it verbatim,
 * so one compiled mail carries the same placeholders in its subject, HTML and text.
 */
export const PLACEHOLDER_PATTERN = /%%([A-Za-z][A-Za-z0-9_]*)%%/g;

/** Writes the placeholder for `name`, e.g. for building a template string in code. */
export function placeholder(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad placeholder name "${name}"`);
  return `%%${name}%%`;
}

/** A mail ready to send to one reader. */
export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** The storable form of a compiled mail (e.g. the issue row keeps subject, html and text). */
export type CompiledMailParts = RenderedMail;

export class MissingPlaceholderValueError extends Error {
  constructor(readonly placeholders: string[]) {
    super(`no value for placeholder(s): ${placeholders.join(', ')}`);
  }
}

/** The values for one reader, each already made safe for the part it goes into. */
export interface PartValues {
  subject: Record<string, string>;
  html: Record<string, string>;
  text: Record<string, string>;
}

/**
 * A template split once at its placeholders, so filling it in for a reader is a
 * few string concatenations: `literals[0] + value(keys[0]) + literals[1] + ...`.
 * `literals` always has one more entry than `keys`.
 */
export class SplitTemplate {
  readonly literals: string[] = [];
  readonly keys: string[] = [];

  constructor(source: string) {
    let last = 0;
    for (const match of source.matchAll(PLACEHOLDER_PATTERN)) {
      this.literals.push(source.slice(last, match.index));
      this.keys.push(match[1]);
      last = match.index + match[0].length;
    }
    this.literals.push(source.slice(last));
  }

  fill(values: Record<string, string>): string {
    let out = this.literals[0];
    for (let i = 0; i < this.keys.length; i++) out += values[this.keys[i]] + this.literals[i + 1];
    return out;
  }
}

/**
 * A mail compiled once (MJML already run) with `%%placeholders%%` left for the
 * per-reader values. `personalise` fills them in: escaped in the HTML part, raw in
 * the text part, control characters removed from the subject.
 */
export class CompiledMail implements CompiledMailParts {
  readonly subjectParts: SplitTemplate;
  readonly htmlParts: SplitTemplate;
  readonly textParts: SplitTemplate;
  /** Every placeholder name used in any part. */
  readonly placeholders: string[];

  constructor(
    readonly subject: string,
    readonly html: string,
    readonly text: string,
  ) {
    this.subjectParts = new SplitTemplate(subject);
    this.htmlParts = new SplitTemplate(html);
    this.textParts = new SplitTemplate(text);
    this.placeholders = [...new Set([...this.subjectParts.keys, ...this.htmlParts.keys, ...this.textParts.keys])];
  }

  /** Rebuilds a compiled mail from its stored parts (no MJML run). */
  static fromParts(parts: CompiledMailParts): CompiledMail {
    return new CompiledMail(parts.subject, parts.html, parts.text);
  }

  toParts(): CompiledMailParts {
    return { subject: this.subject, html: this.html, text: this.text };
  }

  /**
   * Fills every placeholder for one reader. `values` are plain text: HTML-escaped in
   * the HTML part, used as they are in the text part. `trustedHtml` is the opt-in for
   * fragments the caller built from escaped parts (e.g. a recommendations block):
   * they go into the HTML part verbatim, while the text part and subject still take
   * `values[key]`, the fragment's plain-text version. Throws when a placeholder has no value.
   */
  personalise(values: Record<string, string>, trustedHtml: Record<string, string> = {}): RenderedMail {
    const safe = this.partValues(values, trustedHtml);
    return {
      subject: this.subjectParts.fill(safe.subject),
      html: this.htmlParts.fill(safe.html),
      text: this.textParts.fill(safe.text),
    };
  }

  /**
   * The per-part values `personalise` fills in (see there): the one place deciding how a
   * reader's value is made safe, shared by every way of building the reader's message.
   */
  partValues(values: Record<string, string>, trustedHtml: Record<string, string> = {}): PartValues {
    const missing = this.placeholders.filter((key) => typeof values[key] !== 'string');
    if (missing.length > 0) throw new MissingPlaceholderValueError(missing);
    const html: Record<string, string> = {};
    const subject: Record<string, string> = {};
    for (const key of this.placeholders) {
      const trusted = trustedHtml[key];
      html[key] = typeof trusted === 'string' ? trusted : escapeHtml(values[key]);
      // A header value must stay on one line.
      subject[key] = values[key].replace(/\p{Cc}+/gu, ' ');
    }
    return { subject, html, text: values };
  }
}
