import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { emailHash } from '@app/common';
import { Suppression, SuppressionReason } from '@app/database';

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

  /** Idempotent: a second suppression of the same address keeps the first reason. */
  async suppress(email: string, reason: SuppressionReason, detail: string | null = null): Promise<void> {
    if (await this.isSuppressed(email)) return;
    await this.suppressions
      .createQueryBuilder()
      .insert()
      .values({ emailHash: this.hashOf(email), reason, detail })
      .orIgnore()
      .execute();
  }

  /** Returns whether a suppression was lifted. */
  async lift(email: string): Promise<boolean> {
    const result = await this.suppressions.delete({ emailHash: In(this.hashesOf(email)) });
    return (result.affected ?? 0) > 0;
  }
}
