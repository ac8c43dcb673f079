import { IssueService } from '@app/digests';
import { SmtpSink } from '../helpers/smtp-sink';
import { SuiteStack } from '../helpers/suite-stack';
import { waitFor } from '../helpers/test-env';
import { issueRow, readersOf, seedIssueAudience, tokenService, waitForIssueSent } from './digest-fixtures';

const RATE = 30;

describe('an unsubscribe during a send stops that reader’s copy', () => {
  let stack: SuiteStack<SmtpSink>;

  beforeAll(async () => {
    stack = await SuiteStack.start('digest_unsub', {
      mail: () => new SmtpSink().start(),
      // A slow send (RATE messages a second, batches of RATE) leaves time to act during it.
      env: { SEND_RATE_PER_SECOND: String(RATE) },
      api: true,
      worker: 'in-process',
    });
  });
  afterAll(() => stack?.close());

  /** Readers of one batch whose delivery is still queued, in sending order, last ones first. */
  async function queuedReaders(issueId: string, batch: number): Promise<string[]> {
    const { rows } = await stack.db.query<{ subscriberId: string }>(
      `SELECT subscriber_id AS "subscriberId" FROM deliveries
        WHERE issue_id = $1 AND batch = $2 AND status = 'queued' ORDER BY id DESC`,
      [issueId, batch],
    );
    return rows.map((r) => r.subscriberId);
  }

  async function oneClickUnsubscribe(subscriberId: string, newsletterId: string): Promise<number> {
    const token = tokenService(stack.env.appSecret).sign({ subscriberId, newsletterId, purpose: 'unsubscribe' });
    const res = await fetch(`${stack.api.baseUrl}/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    return res.status;
  }

  it('readers who unsubscribe (200) while the issue is going out never get it; everyone else gets one', async () => {
    const newsletterId = await seedIssueAudience(stack.db, 'unsub', RATE * 5);
    const issueId = await stack.worker.get(IssueService).createNow('unsub');

    // Wait until batch 1 is being sent: its first messages are out, its last ones still queued.
    await waitFor(
      async () =>
        (
          await stack.db.query(`SELECT 1 FROM deliveries WHERE issue_id = $1 AND batch = 1 AND status = 'sent'`, [
            issueId,
          ])
        ).rowCount,
      20000,
      'batch 1 to start',
    );
    // The tail of the batch in progress (already loaded by its job) and readers of the last batch.
    const leavers = [
      ...(await queuedReaders(issueId, 1)).slice(0, 5),
      ...(await queuedReaders(issueId, 4)).slice(0, 5),
    ];
    expect(leavers).toHaveLength(10);
    const statuses = await Promise.all(leavers.map((id) => oneClickUnsubscribe(id, newsletterId)));
    expect(statuses.every((s) => s === 200)).toBe(true);

    await waitForIssueSent(stack.db, issueId, 30000);

    const emailOf = new Map([...(await readersOf(stack.db, newsletterId))].map(([email, id]) => [id, email]));
    const leaverEmails = new Set(leavers.map((id) => emailOf.get(id)!));
    // Leavers do get the "you have been unsubscribed" confirmation; what matters is the issue.
    const received = stack.mail.messages
      .filter((m) => m.parsed.subject === 'The unsub letter: News for unsub')
      .map((m) => m.envelopeTo[0].toLowerCase());
    expect(received.filter((email) => leaverEmails.has(email))).toEqual([]);
    expect(received).toHaveLength(RATE * 5 - 10);
    expect(new Set(received).size).toBe(received.length);
    expect(await issueRow(stack.db, issueId)).toMatchObject({ recipients: RATE * 5, sent: RATE * 5 - 10, skipped: 10 });
    const { rows } = await stack.db.query(
      `SELECT DISTINCT status, error FROM deliveries WHERE issue_id = $1 AND subscriber_id = ANY($2::uuid[])`,
      [issueId, leavers],
    );
    expect(rows).toEqual([{ status: 'skipped', error: 'no longer subscribed at send time' }]);
  });
});
