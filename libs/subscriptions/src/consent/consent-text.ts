import { sha256Hex } from '@app/common';

/**
 * The consent statement readers tick, versioned. A consent event stores the
 * version and the sha256 of the exact text shown, so the text a reader agreed
 * to can be proven later. Never edit a published version: add a new one and
 * point CURRENT_CONSENT_VERSION at it.
 */
type ConsentTemplate = (newsletterNames: string[] | null) => string;

const CONSENT_TEMPLATES: Record<string, ConsentTemplate> = {
  '2026-11-01': (names) =>
    `I agree to receive ${names && names.length > 0 ? listOf(names) : 'the newsletters I have ticked'} by email, ` +
    'together with occasional recommendations for other related newsletters. ' +
    'I can unsubscribe at any time with the link in every email. ' +
    'My details are used only to send these emails, as the privacy notice explains.',
};

export const CURRENT_CONSENT_VERSION = '2026-11-01';

/** The consent text as shown to a reader: its version, exact wording and fingerprint. */
export interface ShownConsent {
  version: string;
  text: string;
  sha256: string;
}

/**
 * The consent text for a form. `newsletterNames` null: the hosted page, where the
 * reader ticks newsletters above the statement; otherwise the text names them.
 */
export function consentText(newsletterNames: string[] | null, version = CURRENT_CONSENT_VERSION): ShownConsent {
  const key = JSON.stringify([version, newsletterNames]);
  let shown = recentlyShown.get(key);
  if (!shown) {
    const template = CONSENT_TEMPLATES[version];
    if (!template) throw new Error(`unknown consent text version ${version}`);
    const text = template(newsletterNames);
    shown = Object.freeze({ version, text, sha256: sha256Hex(text) });
    if (recentlyShown.size >= MAX_REMEMBERED_TEXTS) recentlyShown.clear();
    recentlyShown.set(key, shown);
  }
  return shown;
}

/**
 * Every API sign-up hashes the text naming its newsletters; the same few sets come up again
 * and again, so their texts are kept (a bounded map: any set of names can be posted).
 */
const recentlyShown = new Map<string, ShownConsent>();
const MAX_REMEMBERED_TEXTS = 256;

export function isKnownConsentVersion(version: string): boolean {
  return Object.prototype.hasOwnProperty.call(CONSENT_TEMPLATES, version);
}

/** "A", "A and B", "A, B and C". */
function listOf(names: string[]): string {
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
