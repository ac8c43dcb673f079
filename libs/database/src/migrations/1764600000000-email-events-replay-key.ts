import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Providers replay webhooks (retries, redeliveries): the same event must be stored
 * once, so it counts once towards the soft-bounce threshold.
 */
export class EmailEventsReplayKey1764600000000 implements MigrationInterface {
  name = 'EmailEventsReplayKey1764600000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNIQUE INDEX email_events_replay_key ON email_events (type, email_hash, (coalesce(message_id, '')), at)`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS email_events_replay_key`);
  }
}
