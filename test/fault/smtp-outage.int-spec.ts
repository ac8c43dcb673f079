import { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { IssueService } from '@app/digests';
import { SuiteStack } from '../helpers/suite-stack';
import { waitFor } from '../helpers/test-env';
import {
  deliveryCounts,
  issueRow,
  readerAddresses,
  seedIssueAudience,
  waitForIssueSent,
} from '../digests/digest-fixtures';
import { FaultySmtpServer } from './faulty-smtp';

const READERS = 30;

/**
 * The mail server refuses connections, then answers 421, then accepts. Every reader
 * gets exactly one copy, and the worker backs off rather than hammering the server:
 * at most one connection attempt per message per retry round.
 */
describe('fault: SMTP server down, then busy (421), then back', () => {
  let stack: SuiteStack<FaultySmtpServer>;
  let smtp: FaultySmtpServer;
  let worker: INestApplicationContext;
  let db: Pool;

  beforeAll(async () => {
    stack = await SuiteStack.start('fault_smtp', {
      mail: () => new FaultySmtpServer().start(),
      env: { SEND_CONCURRENCY: '4' },
      worker: 'in-process',
    });
    ({ mail: smtp, worker, db } = stack);
  });
  afterAll(() => stack?.close());

  const minAttempts = async (issueId: string) =>
    (await db.query(`SELECT min(attempts)::int AS n FROM deliveries WHERE issue_id = $1`, [issueId])).rows[0].n ?? 0;

  it('delivers every message exactly once, with bounded retries', async () => {
    const newsletterId = await seedIssueAudience(db, 'outage', READERS);
    smtp.mode = 'refuse';
    const issueId = await worker.get(IssueService).createNow('outage');

    // Round 1 fails on refused connections; round 2 (after the job's backoff) on 421 greetings.
    await waitFor(async () => (await minAttempts(issueId)) >= 1, 30000, 'a first, refused round');
    smtp.mode = 'busy';
    await waitFor(async () => (await minAttempts(issueId)) >= 2, 30000, 'a second round answered 421');
    smtp.mode = 'accept';
    await waitForIssueSent(db, issueId);

    // Exactly once per reader, by the sink's count and by the database's.
    const copies = smtp.copiesPerRecipient();
    expect([...copies.keys()].sort()).toEqual(await readerAddresses(db, newsletterId));
    expect([...copies.values()].every((c) => c.length === 1)).toBe(true);
    expect(smtp.delivered).toHaveLength(READERS);
    expect(await deliveryCounts(db, issueId)).toEqual({ sent: READERS });
    expect(await issueRow(db, issueId)).toMatchObject({
      status: 'sent',
      recipients: READERS,
      sent: READERS,
      failed: 0,
    });

    // No tight loop: while the server was failing, at most one connection per message per round.
    expect(smtp.attempts.refuse).toBeGreaterThan(0);
    expect(smtp.attempts.busy).toBeGreaterThan(0);
    expect(smtp.attempts.refuse).toBeLessThanOrEqual(READERS);
    expect(smtp.attempts.busy).toBeLessThanOrEqual(READERS);
    const { rows } = await db.query(`SELECT max(attempts)::int AS n FROM deliveries WHERE issue_id = $1`, [issueId]);
    expect(rows[0].n).toBeLessThanOrEqual(3);
  });
});
