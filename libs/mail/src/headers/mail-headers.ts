import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import { APP_CONFIG, AppConfig } from '@app/config';

/** A recipient as nodemailer's address object: the name is never spliced into a header string by us. */
export interface MailAddress {
  name?: string;
  address: string;
}

/** The list a message belongs to; null means "every newsletter" (e.g. a confirmation for several). */
export interface MailingList {
  slug: string;
  name: string;
}

export type MailHeaderMap = Record<string, string>;

export class HeaderInjectionError extends Error {}

const CONTROL_CHARS = /\p{Cc}/u;
const MESSAGE_ID = /^<[^\s<>@]+@[^\s<>@]+>$/;
const ALL_LISTS: MailingList = { slug: 'all', name: 'All newsletters' };

/**
 * A reader's address as a nodemailer address object. Control characters in the name
 * (CR/LF header injection) are replaced by spaces; an address carrying control
 * characters, whitespace or address syntax is refused rather than repaired.
 */
export function recipient(address: string, name?: string | null): MailAddress {
  if (!/^[^\s<>(),;:"\\[\]@\p{Cc}]+@[^\s<>(),;:"\\[\]@\p{Cc}]+$/u.test(address)) {
    throw new HeaderInjectionError('refusing a recipient address with control characters or address syntax in it');
  }
  const cleanName = (name ?? '').replace(/\p{Cc}+/gu, ' ').trim();
  return cleanName ? { name: cleanName, address } : { address };
}

/** Whether `id` has the `<local@domain>` shape of a Message-ID (nothing that could end or fold the header). */
export function isValidMessageId(id: string): boolean {
  return MESSAGE_ID.test(id);
}

/** Throws unless `value` can go into a header as it is (single line, printable). */
export function assertHeaderValue(name: string, value: string): void {
  if (!/^[A-Za-z0-9-]+$/.test(name)) throw new HeaderInjectionError(`bad header name "${name}"`);
  if (CONTROL_CHARS.test(value)) throw new HeaderInjectionError(`control characters in header ${name}`);
}

/** `"Morning Briefing" <morning-briefing.news.example.com>` (RFC 2919); the phrase is quoted or encoded. */
export function listIdHeader(list: MailingList | null, publicBaseUrl: string): string {
  const { slug, name } = list ?? ALL_LISTS;
  const id = `${slug.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}.${new URL(publicBaseUrl).hostname}`;
  return `${phrase(name)} <${id}>`;
}

/** The headers every message to a subscriber carries (RFC 2369, 2919 and 8058 one-click). */
export function subscriberHeaders(
  unsubscribeUrl: string,
  list: MailingList | null,
  publicBaseUrl: string,
): MailHeaderMap {
  if (!/^https?:\/\/[^\s<>]+$/.test(unsubscribeUrl)) throw new HeaderInjectionError('bad unsubscribe URL');
  return {
    'List-Unsubscribe': `<${unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': listIdHeader(list, publicBaseUrl),
  };
}

/**
 * A Message-ID derived only from ids (e.g. ['issue', issueId, subscriberId]), so a
 * retried send of the same message carries the same Message-ID.
 */
export function stableMessageId(parts: string[], domain: string): string {
  if (parts.length === 0) throw new Error('a Message-ID needs at least one id');
  const kind = parts[0].toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
  return `<${kind}.${hash}@${domain}>`;
}

function phrase(text: string): string {
  const clean = text.replace(/\p{Cc}+/gu, ' ').trim();
  if (/^[\x20-\x7e]*$/.test(clean)) return `"${clean.replace(/["\\]/g, '\\$&')}"`;
  return encodeWord(clean, 'Q', 52);
}

/**
 * Config-bound headers: List-Id under PUBLIC_BASE_URL's host, Message-IDs under the
 * MAIL_FROM domain.
 */
@Injectable()
export class MailHeaders {
  readonly messageIdDomain: string;

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicBaseUrl' | 'mailFrom'>) {
    this.messageIdDomain = domainOf(config.mailFrom) ?? new URL(config.publicBaseUrl).hostname;
  }

  forSubscriber(unsubscribeUrl: string, list: MailingList | null): MailHeaderMap {
    return subscriberHeaders(unsubscribeUrl, list, this.config.publicBaseUrl);
  }

  messageId(...parts: string[]): string {
    return stableMessageId(parts, this.messageIdDomain);
  }
}

function domainOf(mailFrom: string): string | undefined {
  const [first] = addressparser(mailFrom, { flatten: true });
  const at = first?.address?.lastIndexOf('@') ?? -1;
  return at > 0 ? first!.address.slice(at + 1) : undefined;
}
