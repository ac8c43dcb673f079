import { maskEmail } from '@app/common';

/**
 * Anything shaped like an address inside free text (SMTP replies, provider diagnostics).
 * Quotes and apostrophes count as address characters (o'brien@example.ie is common).
 */
const ADDRESS_IN_TEXT = /[^\s<>()[\],;:@]+@[^\s<>()[\],;:@]+/gu;

/**
 * Free text from mail servers often quotes the recipient ("550 5.1.1 <jane@x.org>: unknown user").
 * Masks every address in it so logs, events and erased records keep no address.
 */
export function scrubAddresses(text: string | null | undefined, maxLength = 1000): string | null {
  if (text === null || text === undefined) return null;
  return text.replace(ADDRESS_IN_TEXT, (address) => maskEmail(address)).slice(0, maxLength);
}
