import type { SmtpSink } from '../helpers/smtp-sink';
import type { SuiteStack } from '../helpers/suite-stack';
import { WorkerProcess } from '../helpers/worker-process';
import {
  copiesPerReader,
  deliveryCounts,
  issueRow,
  startCrashSuiteStack,
  startIssueFor,
  waitForIssueSent,
} from './digest-fixtures';

const SEND_CONCURRENCY = 4;

/** Real worker processes (apps/worker/src/main.ts) sending to the SMTP sink together, and killed mid-send. */
describe('exactly-once delivery across worker processes and crashes (SIGKILL)', () => {
  let stack: SuiteStack<SmtpSink>;

  beforeAll(async () => {
    stack = await startCrashSuiteStack('digest_kill', SEND_CONCURRENCY);
  }, 120000);
  afterAll(() => stack?.close());
  beforeEach(() => {
    stack.mail.messages.length = 0;
  });

  const copiesOf = (newsletterId: string) => copiesPerReader(stack.db, newsletterId, stack.mail.messages);

  it('two worker processes together send each message once', async () => {
    const { issueId, newsletterId } = await startIssueFor(stack, 'pair', 600);
    await waitForIssueSent(stack.db, issueId, 40000);
    const copies = await copiesOf(newsletterId);
    expect(copies).toHaveLength(600);
    expect(copies.every((n) => n === 1)).toBe(true);
    expect(await issueRow(stack.db, issueId)).toMatchObject({ recipients: 600, sent: 600 });
  });

  it('workers killed with SIGKILL mid-send and restarted leave nobody missing; duplicates bounded by concurrency', async () => {
    const { issueId, newsletterId } = await startIssueFor(stack, 'killed', 900);
    await stack.mail.waitForCount(200, 20000);
    // The whole fleet dies at once: whatever either process had in flight is cut off.
    const workers = stack.workerProcesses;
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    const atKill = stack.mail.messages.length;
    expect(atKill).toBeLessThan(900);

    workers.splice(0, workers.length, ...(await Promise.all([WorkerProcess.start(), WorkerProcess.start()])));
    await waitForIssueSent(stack.db, issueId, 60000);

    const copies = await copiesOf(newsletterId);
    expect(copies).toHaveLength(900);
    expect(copies.filter((n) => n === 0)).toHaveLength(0);
    // Only messages in flight at the kill can arrive twice: at most two per SMTP
    // connection (SEND_CONCURRENCY) per killed process.
    const duplicates = copies.reduce((sum, n) => sum + (n - 1), 0);
    expect(duplicates).toBeLessThanOrEqual(2 * SEND_CONCURRENCY * 2);
    expect(await deliveryCounts(stack.db, issueId)).toEqual({ sent: 900 });
    expect(await issueRow(stack.db, issueId)).toMatchObject({ recipients: 900, sent: 900, failed: 0 });
  });
});
