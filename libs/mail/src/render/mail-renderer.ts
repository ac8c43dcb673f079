import { Inject, Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { convert, HtmlToTextOptions } from 'html-to-text';
import mjml2html from 'mjml';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CompiledMail } from './compiled-mail';

export const MAIL_TEMPLATES_DIR = join(process.cwd(), 'templates');

export interface CompileOptions {
  /** Handlebars template for the subject, same data; may contain %%placeholders%%. Not HTML-escaped. */
  subject: string;
}

/** Values every template gets; a template's own data may override brandName and preview. */
export interface MailGlobals {
  brandName: string;
  postalAddress: string;
  publicBaseUrl: string;
}

const TEXT_OPTIONS: HtmlToTextOptions = {
  wordwrap: 78,
  selectors: [
    // MJML's hidden preview text (mj-preview) is for inbox lists, not for the text part.
    { selector: 'div[style*="display:none"]', format: 'skip' },
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    // Upper-casing headings would also upper-case the %%placeholders%% in them.
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', format: 'block' },
    // Each mj-text or mj-button sits in its own cell: a blank line between them reads like paragraphs.
    { selector: 'td', format: 'paragraph' },
  ],
};

const CACHE_LIMIT = 200;

/**
 * Compiles email templates once: Handlebars (escaping every value, shared partials
 * from templates/partials) then MJML at validation level strict, plus a text/plain
 * part. The result keeps `%%placeholders%%` for per-reader values (see CompiledMail).
 * Identical compile calls share one result, so a process compiles each variant once.
 */
@Injectable()
export class MailRenderer {
  private readonly hbs = Handlebars.create();
  private readonly templates = new Map<string, Handlebars.TemplateDelegate>();
  private readonly compiled = new Map<string, Promise<CompiledMail>>();
  private readonly globals: MailGlobals;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'mailFrom' | 'postalAddress' | 'publicBaseUrl'>) {
    this.globals = {
      brandName: displayNameOf(config.mailFrom) || 'Dispatch',
      postalAddress: config.postalAddress,
      publicBaseUrl: config.publicBaseUrl,
    };
    this.registerPartials(join(MAIL_TEMPLATES_DIR, 'partials'));
  }

  /** Compiles templates/<template>.mjml with `data` (cached per identical input: for mails sent again and again). */
  compile(template: string, data: Record<string, unknown>, options: CompileOptions): Promise<CompiledMail> {
    const key = JSON.stringify([template, options.subject, data]);
    let result = this.compiled.get(key);
    if (!result) {
      result = this.compileSource(this.templateSource(template), data, options);
      result.catch(() => this.compiled.delete(key));
      if (this.compiled.size >= CACHE_LIMIT) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(key, result);
    }
    return result;
  }

  /**
   * Compiles templates/<template>.mjml for a mail made once, such as an issue: not kept, since
   * its data (the articles) never comes again, and each kept issue held about 1 MB.
   */
  compileOnce(template: string, data: Record<string, unknown>, options: CompileOptions): Promise<CompiledMail> {
    return this.compileSource(this.templateSource(template), data, options);
  }

  /** Compiles MJML+Handlebars source directly (no cache); throws on any Handlebars or MJML error. */
  async compileSource(source: string, data: Record<string, unknown>, options: CompileOptions): Promise<CompiledMail> {
    const safeData = defusePlaceholders(data) as Record<string, unknown>;
    const subject = this.hbs
      .compile(options.subject, { strict: true, noEscape: true })(safeData)
      .replace(/[\p{Cc}\s]+/gu, ' ')
      .trim();
    const context = { brandName: this.globals.brandName, preview: '', ...safeData, ...this.fixedGlobals(), subject };
    const mjml = this.hbs.compile(source, { strict: true })(context);
    // Minified (whitespace collapsed, CSS compacted; Outlook's conditional comments kept): a
    // 20-article digest shrinks by about a quarter, under Gmail's 102 KB clipping limit, and
    // every byte less is CPU less on the send path (nodemailer's SMTP stream works byte by byte).
    const { html } = await mjml2html(mjml, { validationLevel: 'strict', keepComments: false, minify: true });
    return new CompiledMail(subject, html, convert(html, TEXT_OPTIONS));
  }

  private fixedGlobals(): Omit<MailGlobals, 'brandName'> {
    return { postalAddress: this.globals.postalAddress, publicBaseUrl: this.globals.publicBaseUrl };
  }

  private templateSource(template: string): string {
    if (!/^[a-z0-9-]+$/.test(template)) throw new Error(`bad template name "${template}"`);
    return readFileSync(join(MAIL_TEMPLATES_DIR, `${template}.mjml`), 'utf8');
  }

  private registerPartials(dir: string): void {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.mjml'))) {
      this.hbs.registerPartial(basename(file, '.mjml'), readFileSync(join(dir, file), 'utf8'));
    }
  }
}

/**
 * Data must never be able to create a placeholder (an article titled "%%unsubscribeUrl%%"
 * would otherwise be filled with the reader's link): a zero-width space splits any `%%`.
 */
function defusePlaceholders(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/%(?=%)/g, '%\u200b');
  if (value instanceof Handlebars.SafeString)
    return new Handlebars.SafeString(defusePlaceholders(value.toString()) as string);
  if (Array.isArray(value)) return value.map(defusePlaceholders);
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, defusePlaceholders(v)]));
  }
  return value;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** "Dispatch <news@example.com>" -> "Dispatch". */
function displayNameOf(from: string): string {
  const match = /^\s*"?([^"<]*?)"?\s*</.exec(from);
  return match ? match[1].trim() : '';
}
