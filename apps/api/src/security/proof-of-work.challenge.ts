import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { CLOCK, Clock, normaliseEmail } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { SubscribeChallenge } from './subscribe-challenge';

/**
 * Hashcash-style proof of work (http://hashcash.org, version 1 stamp format, SHA-256):
 *   1:<bits>:<YYMMDDhhmmss UTC>:<email>::<random>:<counter>
 * The stamp is valid when SHA-256(stamp) starts with <bits> zero bits. It is bound to
 * the address being signed up, so each address an attacker wants to bomb costs fresh
 * work, while a reader's browser pays it once (templates/pages/assets/subscribe-pow.js).
 * Stateless: any API replica can check it.
 */
export const POW_FIELD = 'pow';
/** Stamps older than this are refused (they could have been precomputed in bulk). */
const MAX_AGE_MS = 2 * 3600 * 1000;
/** Clock skew tolerated for stamps "from the future". */
const MAX_SKEW_MS = 10 * 60 * 1000;

export interface ParsedStamp {
  bits: number;
  date: Date;
  resource: string;
}

export function parseStamp(stamp: string): ParsedStamp | null {
  if (stamp.length > 512) return null;
  const parts = stamp.split(':');
  if (parts.length < 7 || parts[0] !== '1') return null;
  const bits = Number(parts[1]);
  const date = parseStampDate(parts[2]);
  // The resource (an address) may itself contain ':' in a quoted local part: take the middle.
  const resource = parts.slice(3, parts.length - 3).join(':');
  if (!Number.isInteger(bits) || bits < 0 || bits > 64 || !date || !resource) return null;
  return { bits, date, resource };
}

export function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

export function stampDate(now: Date): string {
  const iso = now.toISOString(); // 2026-01-31T12:34:56.789Z
  return (
    iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19)
  );
}

/** Mints a valid stamp (what the browser script does); used by tests and scripted clients. */
export function solveProofOfWork(email: string, bits: number, now = new Date()): string {
  const prefix = `1:${bits}:${stampDate(now)}:${normaliseEmail(email)}::${Math.random().toString(36).slice(2, 10)}:`;
  for (let counter = 0; ; counter++) {
    const stamp = prefix + counter.toString(36);
    if (leadingZeroBits(createHash('sha256').update(stamp).digest()) >= bits) return stamp;
  }
}

@Injectable()
export class ProofOfWorkChallenge implements SubscribeChallenge {
  readonly field = POW_FIELD;
  readonly failureMessage = 'the anti-spam check did not pass: please submit the form again';

  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'subscribeChallenge'>,
    @Optional() @Inject(CLOCK) private readonly now: Clock = Date.now,
  ) {}

  async verify(_req: Request, body: Record<string, unknown>): Promise<boolean> {
    const required = this.config.subscribeChallenge.powBits;
    const stamp = body[POW_FIELD];
    if (typeof stamp !== 'string' || typeof body.email !== 'string') return false;
    const parsed = parseStamp(stamp);
    if (!parsed || parsed.bits < required || parsed.resource !== normaliseEmail(body.email)) return false;
    const age = this.now() - parsed.date.getTime();
    if (age > MAX_AGE_MS || age < -MAX_SKEW_MS) return false;
    return leadingZeroBits(createHash('sha256').update(stamp).digest()) >= required;
  }
}

function parseStampDate(text: string | undefined): Date | null {
  if (!text || !/^\d{6}(\d{4}(\d{2})?)?$/.test(text)) return null;
  const [yy, mm, dd, hh = '00', mi = '00', ss = '00'] = text.match(/\d{2}/g)!;
  const date = new Date(`20${yy}-${mm}-${dd}T${hh}:${mi}:${ss}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}
