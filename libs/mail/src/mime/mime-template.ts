import { randomBytes } from 'node:crypto';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import {
  assertHeaderValue,
  HeaderInjectionError,
  isValidMessageId,
  MailAddress,
  MailHeaderMap,
  recipient,
} from '../headers/mail-headers';
import { CompiledMail, PartValues, SplitTemplate } from '../render/compiled-mail';

/** One reader's message as finished MIME: MailTransport.send hands it to the server as it is. */
export interface PreparedMail {
  to: MailAddress;
  /** The Message-ID written in `raw`. */
  messageId: string;
  raw: Buffer;
}

/** What changes from one reader to the next. */
export interface MimeReader {
  to: MailAddress;
  /** `<id@domain>`, stable per logical message (see MailHeaders.messageId). */
  messageId: string;
  /** Placeholder values, plain text (see CompiledMail.personalise). */
  values: Record<string, string>;
  /** Placeholder values for the HTML part that the caller built from escaped parts. */
  trustedHtml?: Record<string, string>;
  /** Extra headers, e.g. MailHeaders.forSubscriber(...). Single-line ASCII values only. */
  headers?: MailHeaderMap;
  /** Defaults to now. */
  date?: Date;
}

export interface MimeTemplateOptions {
  /** The From header, e.g. MAIL_FROM ("The Daily Example <news@example.com>"). */
  from: string;
}

/** Headers this template writes itself: a caller's header must not add a second one. */
const OWN_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);
/** Values kept encoded for the whole issue (see MimeTemplate.encodedValue). */
const MAX_REPEATED_VALUES = 64;
/** Every QP piece ends with a soft line break ("="), so its lines keep one column for it. */
const QP_PIECE_LINE = 75;
/** Nodemailer's own header encoding (punycode, RFC 2047 encoded-words, quoting), so both send paths agree. */
const headerEncoder = new MimeNode(false);

type PartName = keyof PartValues;

/** A slot in the message filled per reader: the placeholder `key` of `part`. */
interface Slot {
  part: PartName;
  key: string;
}

/**
 * A compiled mail turned into MIME once, so that a message per reader costs only its
 * own values. The body is multipart/alternative (text/plain, then text/html), UTF-8,
 * quoted-printable. Quoted-printable is line-local, so each static stretch between two
 * placeholders is encoded once here, as a piece that starts at the beginning of a line
 * and ends with a line break (a soft one, "=" CRLF, unless the text itself ends one):
 * pieces then join into valid quoted-printable with lines of at most 76 characters, and
 * per reader only the placeholder values are encoded. The soft breaks add nothing to
 * the decoded text.
 *
 * Values are made safe exactly as CompiledMail.personalise does it (HTML-escaped in the
 * HTML part unless trusted, raw in the text part, one line in the subject); headers are
 * encoded with nodemailer's own header encoder, and the recipient goes through
 * `recipient()` (no CR/LF injection). The boundary starts with "=_", which
 * quoted-printable content can never contain, so no value can end a part early.
 */
export class MimeTemplate {
  readonly boundary: string;
  private readonly fromHeader: string;
  /** The Subject header line when the subject has no placeholders. */
  private readonly fixedSubject?: string;
  private readonly subject: SplitTemplate;
  /** Everything after the per-reader headers: static buffers and the slots between them. */
  private readonly body: Array<Buffer | Slot> = [];
  /** Values that repeat from reader to reader (a recommendations block), encoded once: see encodedValue. */
  private readonly repeatedValues = new Map<string, Buffer>();
  /** The previous message's encoded values: a value seen again in the next message is a repeat. */
  private previousValues = new Map<string, Buffer>();

  constructor(
    private readonly compiled: CompiledMail,
    options: MimeTemplateOptions,
  ) {
    this.boundary = `=_dispatch_${randomBytes(12).toString('hex')}`;
    this.fromHeader = headerLine('From', headerEncoder.encodeHeaderValue('From', options.from));
    this.subject = compiled.subjectParts;
    if (this.subject.keys.length === 0) this.fixedSubject = subjectLine(this.subject.literals[0]);
    this.buildBody();
  }

  /** The message for one reader. Throws (HeaderInjectionError, MissingPlaceholderValueError) rather than send something wrong. */
  prepare(reader: MimeReader): PreparedMail {
    if (!isValidMessageId(reader.messageId)) throw new HeaderInjectionError(`bad Message-ID ${reader.messageId}`);
    const to = recipient(reader.to.address, reader.to.name);
    const values = this.compiled.partValues(reader.values, reader.trustedHtml);
    const head =
      this.fromHeader +
      headerLine('To', headerEncoder.encodeHeaderValue('To', to)) +
      (this.fixedSubject ?? subjectLine(this.subject.fill(values.subject))) +
      `Date: ${(reader.date ?? new Date()).toUTCString().replace('GMT', '+0000')}\r\n` +
      `Message-ID: ${reader.messageId}\r\n` +
      extraHeaders(reader.headers);
    const chunks: Buffer[] = [Buffer.from(head, 'utf8')];
    const encoded = new Map<string, Buffer>();
    let length = chunks[0].length;
    for (const segment of this.body) {
      const chunk = Buffer.isBuffer(segment) ? segment : this.encodedValue(values[segment.part][segment.key], encoded);
      chunks.push(chunk);
      length += chunk.length;
    }
    this.previousValues = encoded;
    return { to, messageId: reader.messageId, raw: Buffer.concat(chunks, length) };
  }

  /**
   * A reader's value as quoted-printable, `encoded` holding this message's values so far.
   * Encoding took a third of the time per message; but a link or a greeting appears in both
   * parts, and a recommendations block is often the same for the next reader, so each is
   * encoded once: per message, and per issue once seen in two messages in a row (a bounded
   * number, so values unique to a reader never pile up).
   */
  private encodedValue(value: string, encoded: Map<string, Buffer>): Buffer {
    let buffer = encoded.get(value) ?? this.repeatedValues.get(value);
    if (buffer === undefined) {
      buffer = this.previousValues.get(value);
      if (buffer !== undefined && this.repeatedValues.size < MAX_REPEATED_VALUES)
        this.repeatedValues.set(value, buffer);
    }
    buffer ??= Buffer.from(qpPiece(value), 'latin1');
    encoded.set(value, buffer);
    return buffer;
  }

  private buildBody(): void {
    const parts: Array<{ name: PartName; contentType: string; template: SplitTemplate }> = [
      { name: 'text' as const, contentType: 'text/plain', template: this.compiled.textParts },
      { name: 'html' as const, contentType: 'text/html', template: this.compiled.htmlParts },
    ].filter((p) => p.template.keys.length > 0 || p.template.literals[0] !== '');
    if (parts.length === 0) throw new Error('a mail needs a text or an HTML part');
    const partHead = (contentType: string) =>
      `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;
    let pending = 'MIME-Version: 1.0\r\n';
    if (parts.length > 1) pending += `Content-Type: multipart/alternative;\r\n boundary="${this.boundary}"\r\n\r\n`;
    for (const part of parts) {
      if (parts.length > 1) pending += `--${this.boundary}\r\n`;
      pending += partHead(part.contentType);
      const { literals, keys } = part.template;
      for (let i = 0; i < keys.length; i++) {
        this.body.push(Buffer.from(pending + qpPiece(literals[i]), 'utf8'));
        this.body.push({ part: part.name, key: keys[i] });
        pending = '';
      }
      // The part's own last line needs no break: the CRLF ahead of a boundary belongs to the boundary.
      pending += qpPiece(literals[keys.length]).replace(/=\r\n$/, '');
      if (parts.length > 1) pending += '\r\n';
    }
    if (parts.length > 1) pending += `--${this.boundary}--\r\n`;
    this.body.push(Buffer.from(pending, 'utf8'));
  }
}

/**
 * Quoted-printable for a stretch of text that starts a line: CRLF line breaks, lines of
 * at most 76 characters with the closing soft break, and trailing white space encoded.
 */
export function qpPiece(text: string): string {
  if (text === '') return '';
  // Line breaks normalised to LF before wrapping (wrap only ever breaks a line after an LF,
  // never between CR and LF); CRLF on the wire afterwards. Soft breaks are already CRLF.
  const encoded = qpWrap(qpEncode(text.replace(/\r\n?/g, '\n')), QP_PIECE_LINE).replace(/\r?\n/g, '\r\n');
  return encoded.endsWith('\r\n') ? encoded : `${encoded}=\r\n`;
}

function headerLine(name: string, encodedValue: string): string {
  return `${foldLines(`${name}: ${encodedValue}`, 76)}\r\n`;
}

function subjectLine(subject: string): string {
  return headerLine('Subject', headerEncoder.encodeHeaderValue('Subject', subject.replace(/\p{Cc}+/gu, ' ')));
}

/** Written exactly as given, never folded, so signed URLs stay intact (like the composed path's prepared headers). */
function extraHeaders(headers: MailHeaderMap | undefined): string {
  let out = '';
  for (const [name, value] of Object.entries(headers ?? {})) {
    assertHeaderValue(name, value);
    if (!/^[\x20-\x7e]*$/.test(value)) throw new HeaderInjectionError(`header ${name} must be ASCII`);
    if (OWN_HEADERS.has(name.toLowerCase()))
      throw new HeaderInjectionError(`header ${name} is written by the template`);
    out += `${headerName(name)}: ${value}\r\n`;
  }
  return out;
}

const headerNames = new Map<string, string>();

/** "list-id" -> "List-ID", as nodemailer writes header names (the same few names every message: kept). */
function headerName(name: string): string {
  let written = headerNames.get(name);
  if (written === undefined) {
    written = name
      .toLowerCase()
      .replace(/(^|-)[a-z]/g, (c) => c.toUpperCase())
      .replace(/-(Id|Spf|Fbl|Md5)$/, (c) => c.toUpperCase());
    if (headerNames.size < 100) headerNames.set(name, written);
  }
  return written;
}
