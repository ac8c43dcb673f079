import { deleteKeysUnder } from '@app/queues';
import type { SmtpSink } from '../helpers/smtp-sink';
import type { SuiteStack } from '../helpers/suite-stack';
import { copiesPerReader, issueRow, startCrashSuiteStack, startIssueFor, waitForIssueSent } from './digest-fixtures';

const SEND_CONCURRENCY = 4;

/**
 * Real worker processes (apps/worker/src/main.ts) sending to the SMTP sink while Redis
 * loses its keys, or while one of them is asked to stop.
 */
describe('exactly-once delivery through a flushed Redis and a SIGTERM', () => {
  let stack: SuiteStack<SmtpSink>;

  beforeAll(async () => {
    stack = await startCrashSuiteStack('digest_flush', SEND_CONCURRENCY);
  }, 120000);
  afterAll(() => stack?.close());
  beforeEach(() => {
    stack.mail.messages.length = 0;
  });

  const copiesOf = (newsletterId: string) => copiesPerReader(stack.db, newsletterId, stack.mail.messages);

  it('a Redis that loses every key mid-send is rebuilt from Postgres: nobody missing, nobody twice', async () => {
    const { issueId, newsletterId } = await startIssueFor(stack, 'flushed', 900);
    await stack.mail.waitForCount(200, 20000);
    // Only this suite's keys: the Redis is shared with other test runs.
    await deleteKeysUnder(stack.env.redisUrl, stack.env.queuePrefix);
    expect(stack.mail.messages.length).toBeLessThan(900);

    await waitForIssueSent(stack.db, issueId, 60000);
    const copies = await copiesOf(newsletterId);
    expect(copies).toHaveLength(900);
    expect(copies.every((n) => n === 1)).toBe(true);
    expect(await issueRow(stack.db, issueId)).toMatchObject({ recipients: 900, sent: 900 });
  });

  it('SIGTERM: a worker finishes what it holds and exits 0; the other carries on, nobody gets two', async () => {
    const { issueId, newsletterId } = await startIssueFor(stack, 'drained', 600);
    await stack.mail.waitForCount(100, 20000);
    expect(await stack.workerProcesses[1].stop('SIGTERM')).toEqual({ code: 0, signal: null });

    await waitForIssueSent(stack.db, issueId, 40000);
    const copies = await copiesOf(newsletterId);
    expect(copies).toHaveLength(600);
    expect(copies.every((n) => n === 1)).toBe(true);
  });
});
