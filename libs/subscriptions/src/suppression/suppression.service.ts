import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { emailHash } from '@app/common';
import { Suppression, SuppressionReason } from '@app/database';
import { scrubAddresses } from '../privacy/scrub';

export type SuppressionStatus = { suppressed: false } | { suppressed: true; reason: SuppressionReason; since: Date };

/**
 * The do-not-mail list. Addresses are stored only as keyed hashes; a hash is
 * computed under every configured secret so rotating APP_SECRET keeps old entries.
 */
@Injectable()
export class SuppressionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'appSecrets'>,
    @InjectRepository(Suppression) private readonly suppressions: Repository<Suppression>,
  ) {}

  /** The hash new entries are stored under (current secret). */
  hashOf(email: string): string {
    return emailHash(email, this.config.appSecrets[0]);
  }

  /** Every hash this address may be stored under (current and previous secrets). */
  hashesOf(email: string): string[] {
    return this.config.appSecrets.map((secret) => emailHash(email, secret));
  }

  async isSuppressed(email: string): Promise<boolean> {
    return (await this.suppressions.count({ where: { emailHash: In(this.hashesOf(email)) } })) > 0;
  }

  /** What the suppression list says about one address (privacy exports, operator look-ups). */
  async statusOf(email: string): Promise<SuppressionStatus> {
    const found = await this.suppressions.findOne({
      where: { emailHash: In(this.hashesOf(email)) },
      order: { createdAt: 'ASC' },
    });
    return found ? { suppressed: true, reason: found.reason, since: found.createdAt } : { suppressed: false };
  }

  /** The subset of `emails` that must not be mailed, in one query (batch sends). */
  async suppressedAmong(emails: string[]): Promise<Set<string>> {
    if (emails.length === 0) return new Set();
    const byHash = new Map<string, string>();
    for (const email of emails) for (const hash of this.hashesOf(email)) byHash.set(hash, email);
    const rows = await this.suppressions.find({
      select: { emailHash: true },
      where: { emailHash: In([...byHash.keys()]) },
    });
    return new Set(rows.map((r) => byHash.get(r.emailHash)!));
  }

  /** Idempotent: a second suppression of the same address keeps the first reason. */
  async suppress(email: string, reason: SuppressionReason, detail: string | null = null): Promise<void> {
    if (await this.isSuppressed(email)) return;
    await this.suppressions
      .createQueryBuilder()
      .insert()
      // Detail is free text (often an SMTP reply quoting the address): never store the address itself.
      .values({ emailHash: this.hashOf(email), reason, detail: scrubAddresses(detail) })
      .orIgnore()
      .execute();
  }

  /** Returns whether a suppression was lifted. */
  async lift(email: string): Promise<boolean> {
    const result = await this.suppressions.delete({ emailHash: In(this.hashesOf(email)) });
    return (result.affected ?? 0) > 0;
  }
}
