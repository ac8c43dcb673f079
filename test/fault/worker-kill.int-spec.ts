import { Pool } from 'pg';
import { SuiteStack } from '../helpers/suite-stack';
import { waitFor } from '../helpers/test-env';
import { WorkerProcess } from '../helpers/worker-process';
import { deliveryCounts, issueRow, readerAddresses, startIssueFor, waitForIssueSent } from '../digests/digest-fixtures';
import { FaultySmtpServer } from './faulty-smtp';

const READERS = 240;
const SEND_CONCURRENCY = 4;

/**
 * A real worker process is SIGKILLed at several points of one send, and started again
 * each time: while messages are in the middle of their SMTP conversation, mid-batch
 * after many were accepted, and again while the next process is resuming. At the end
 * nobody is missing; the only possible second copies are messages the server had
 * accepted when a process died before recording them (same Message-ID, at most the
 * sends in flight per kill).
 */
describe('fault: worker SIGKILLed at several points of a send', () => {
  let stack: SuiteStack<FaultySmtpServer>;
  let smtp: FaultySmtpServer;
  let db: Pool;
  let worker: WorkerProcess | null = null;

  beforeAll(async () => {
    stack = await SuiteStack.start('fault_kill', {
      mail: () => new FaultySmtpServer().start(),
      env: {
        SEND_CONCURRENCY: String(SEND_CONCURRENCY),
        SEND_RATE_PER_SECOND: '60',
        RECONCILE_INTERVAL_SECONDS: '1',
      },
      api: true,
    });
    ({ mail: smtp, db } = stack);
  });
  afterAll(async () => {
    await worker?.ensureStopped();
    await stack?.close();
  });

  const kill = async () => {
    const ended = await worker!.stop('SIGKILL');
    expect(ended.signal).toBe('SIGKILL');
    worker = null;
  };

  it('leaves every reader with their copy', async () => {
    const { issueId, newsletterId } = await startIssueFor(stack, 'killed', READERS);

    // 1. Killed while its first messages are mid-conversation (the server has not answered).
    smtp.mode = 'hold';
    worker = await WorkerProcess.start();
    await waitFor(() => smtp.heldCount > 0, 30000, 'messages in an SMTP conversation');
    await kill();
    smtp.release();
    smtp.mode = 'accept';
    expect(smtp.delivered).toHaveLength(0);

    // 2. Killed mid-batch, with a good part of the issue accepted.
    worker = await WorkerProcess.start();
    await smtp.waitForDelivered(60, 60000);
    await kill();
    const afterSecondKill = smtp.delivered.length;
    expect(afterSecondKill).toBeLessThan(READERS);

    // 3. Killed again while the next process is resuming the send.
    worker = await WorkerProcess.start();
    await smtp.waitForDelivered(afterSecondKill + 20, 60000);
    await kill();
    expect(smtp.delivered.length).toBeLessThan(READERS);

    worker = await WorkerProcess.start();
    await waitForIssueSent(db, issueId, 90000);

    const copies = smtp.copiesPerRecipient();
    expect([...copies.keys()].sort()).toEqual(await readerAddresses(db, newsletterId));
    const twice = [...copies.values()].filter((c) => c.length > 1);
    // Kills 2 and 3 can each cut off the sends in flight: two per SMTP connection.
    expect(twice.length).toBeLessThanOrEqual(2 * 2 * SEND_CONCURRENCY);
    for (const c of twice) {
      expect(c).toHaveLength(2);
      expect(new Set(c.map((d) => d.messageId)).size).toBe(1);
    }
    expect(await deliveryCounts(db, issueId)).toEqual({ sent: READERS });
    expect(await issueRow(db, issueId)).toMatchObject({
      status: 'sent',
      recipients: READERS,
      sent: READERS,
      failed: 0,
    });
  }, 240000);
});
