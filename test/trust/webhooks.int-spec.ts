import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { postWebhook, Seeder, signBody, tableText } from './trust-helpers';

const SECRET = 'test-webhook-secret-0123456789';
const DAY = 24 * 3600 * 1000;
const MAILGUN_KEY = 'key-mailgun-signing-0123456789';

/** A Mailgun webhook body as Mailgun signs it: hex HMAC-SHA256(signing key, timestamp + token). */
function mailgunBody(eventData: Record<string, unknown>, options: { key?: string; ageSeconds?: number } = {}) {
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
  const token = `tok${Math.random().toString(36).slice(2)}`;
  const signature = createHmac('sha256', options.key ?? MAILGUN_KEY)
    .update(timestamp + token)
    .digest('hex');
  return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData });
}

describe('POST /webhooks/events: bounces, complaints, suppression', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: DataSource;
  let seed: Seeder;
  let issueId: string;

  beforeAll(async () => {
    env = await createTestEnv('trust_webhooks', { MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY });
    api = await startApi();
    db = api.app.get(DataSource);
    seed = new Seeder(db);
    const newsletter = await seed.newsletter('morning');
    issueId = await seed.issue(newsletter);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const admin = () => ({ authorization: `Bearer ${env.adminToken}` });
  const suppressionCount = async () => (await db.query(`SELECT count(*)::int AS n FROM suppressions`))[0].n;
  const eventCount = async () => (await db.query(`SELECT count(*)::int AS n FROM email_events`))[0].n;

  it('refuses unsigned, forged and re-signed-with-another-secret requests (401) and stores nothing', async () => {
    const event = { type: 'hard_bounce', email: 'victim@example.com', at: new Date().toISOString() };
    const body = JSON.stringify(event);
    const forgeries: Array<string | null> = [
      null,
      '',
      'sha256=',
      signBody(body, 'some-other-secret-0123456789'),
      signBody(body, SECRET).replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      signBody(body, SECRET).slice(0, 40),
      signBody(body, SECRET).replace('sha256=', 'sha1='),
      `${signBody(body, SECRET)}00`,
    ];
    for (const signature of forgeries) {
      const res = await postWebhook(api.baseUrl, body, SECRET, { signature });
      expect(res.status).toBe(401);
    }
    // The signature covers the exact bytes: a signed body with one changed byte is refused.
    const tampered = body.replace('victim', 'victiM');
    expect((await postWebhook(api.baseUrl, tampered, SECRET, { signature: signBody(body, SECRET) })).status).toBe(401);
    expect(await eventCount()).toBe(0);
    expect(await suppressionCount()).toBe(0);
  });

  it('a hard bounce suppresses the address, marks the delivery, and stores only a hash of the address', async () => {
    const subscriber = await seed.subscriber('Bounced.Reader@Example.com');
    const deliveryId = await seed.delivery(issueId, subscriber, { messageId: '<issue-1.reader-1@dispatch.test>' });
    const res = await postWebhook(
      api.baseUrl,
      {
        type: 'hard_bounce',
        email: 'bounced.reader@example.com',
        messageId: 'issue-1.reader-1@dispatch.test',
        at: '2026-01-10T08:00:00Z',
        reason: '550 5.1.1 <bounced.reader@example.com>: mailbox unknown',
      },
      SECRET,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 1, recorded: 1, duplicates: 0, suppressed: 1 });

    const [delivery] = await db.query(`SELECT last_event FROM deliveries WHERE id = $1`, [deliveryId]);
    expect(delivery.last_event).toBe('hard_bounce');
    const [event] = await db.query(`SELECT * FROM email_events`);
    expect(event).toMatchObject({ type: 'hard_bounce', delivery_id: deliveryId });
    expect(event.reason).toContain('mailbox unknown');
    const [suppression] = await db.query(`SELECT * FROM suppressions`);
    expect(suppression.reason).toBe('hard_bounce');
    for (const table of ['email_events', 'suppressions']) {
      expect((await tableText(db, table)).toLowerCase()).not.toContain('bounced.reader@example.com');
    }
  });

  it('a replayed event is stored once and changes nothing (idempotent)', async () => {
    const body = [
      { type: 'soft_bounce', email: 'replayed@example.com', at: '2026-01-11T08:00:00Z', messageId: '<m-9@x>' },
    ];
    const before = await eventCount();
    const first = await (await postWebhook(api.baseUrl, body, SECRET)).json();
    const second = await (await postWebhook(api.baseUrl, body, SECRET)).json();
    // Same message id written without angle brackets: still the same event.
    const third = await (await postWebhook(api.baseUrl, [{ ...body[0], messageId: 'm-9@x' }], SECRET)).json();
    expect(first).toMatchObject({ recorded: 1, duplicates: 0 });
    expect(second).toMatchObject({ recorded: 0, duplicates: 1, suppressed: 0 });
    expect(third).toMatchObject({ recorded: 0, duplicates: 1 });
    expect(await eventCount()).toBe(before + 1);
  });

  it('a complaint suppresses at once; a delivered event does not; a batch is processed as a whole', async () => {
    const res = await postWebhook(
      api.baseUrl,
      [
        { type: 'delivered', email: 'happy@example.com', at: '2026-01-12T08:00:00Z' },
        { type: 'complaint', email: 'angry@example.com', at: '2026-01-12T08:01:00Z' },
      ],
      SECRET,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 2, recorded: 2, duplicates: 0, suppressed: 1 });
    const reasons = await db.query(`SELECT reason FROM suppressions ORDER BY created_at`);
    expect(reasons.map((r: { reason: string }) => r.reason)).toEqual(['hard_bounce', 'complaint']);
  });

  it('three soft bounces within 14 days suppress; three spread over longer do not', async () => {
    const t0 = Date.parse('2026-02-01T00:00:00Z');
    const spread = [0, 10, 20].map((d) => ({
      type: 'soft_bounce',
      email: 'slow@example.com',
      at: new Date(t0 + d * DAY).toISOString(),
      reason: '452 mailbox full',
    }));
    expect(await (await postWebhook(api.baseUrl, spread, SECRET)).json()).toMatchObject({ recorded: 3, suppressed: 0 });

    const close = (d: number) => ({
      type: 'soft_bounce',
      email: 'full@example.com',
      at: new Date(t0 + d * DAY).toISOString(),
    });
    // Delivered out of order, two at first: not yet.
    expect(await (await postWebhook(api.baseUrl, [close(13), close(0)], SECRET)).json()).toMatchObject({
      suppressed: 0,
    });
    const res = await (await postWebhook(api.baseUrl, close(6), SECRET)).json();
    expect(res).toMatchObject({ recorded: 1, suppressed: 1 });
    const [row] = await db.query(`SELECT count(*)::int AS n FROM suppressions WHERE reason = 'soft_bounces'`);
    expect(row.n).toBe(1);
  });

  it('answers 400 naming the bad field, for single events and batches', async () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'exploded', email: 'a@example.com', at: '2026-01-01T00:00:00Z' }, 'type'],
      [{ type: 'hard_bounce', email: 'not an address', at: '2026-01-01T00:00:00Z' }, 'email'],
      [{ type: 'hard_bounce', email: 'a@example.com\r\nBcc: x@y.z', at: '2026-01-01T00:00:00Z' }, 'email'],
      [{ type: 'hard_bounce', email: 'a@example.com', at: 'yesterday-ish' }, 'at'],
      [{ type: 'hard_bounce', email: 'a@example.com' }, 'at'],
      [
        [
          { type: 'delivered', email: 'a@example.com', at: 1 },
          { type: 'delivered', email: 42, at: 1 },
        ],
        '[1].email',
      ],
      [[], 'body'],
      ['"just a string"', 'body'],
      [42, 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await postWebhook(api.baseUrl, typeof body === 'string' ? body : JSON.stringify(body), SECRET);
      expect(res.status).toBe(400);
      const json = await res.json();
      expect(json.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Signed but malformed JSON: the body parser answers 400 before anything else.
    const malformed = await postWebhook(api.baseUrl, '{"type": "hard_bounce",', SECRET);
    expect(malformed.status).toBe(400);
  });

  it('accepts JSON posted as text/plain (as Amazon SNS does), signature over the same bytes', async () => {
    const body = JSON.stringify({ type: 'delivered', email: 'plain@example.com', at: '2026-01-13T08:00:00Z' });
    const res = await postWebhook(api.baseUrl, body, SECRET, { contentType: 'text/plain; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ recorded: 1 });
  });

  it('DELETE /admin/suppressions/:email lifts a suppression (204), then 404; 401 without credentials', async () => {
    const url = `${api.baseUrl}/admin/suppressions/${encodeURIComponent('ANGRY@example.com')}`;
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(url, { method: 'DELETE', headers: admin() })).status).toBe(204);
    expect((await fetch(url, { method: 'DELETE', headers: admin() })).status).toBe(404);
    const left = await db.query(`SELECT reason FROM suppressions ORDER BY reason`);
    expect(left.map((r: { reason: string }) => r.reason)).toEqual(['hard_bounce', 'soft_bounces']);
  });

  describe('Mailgun payloads (POST /webhooks/mailgun, documented mapping)', () => {
    const post = (body: string) =>
      fetch(`${api.baseUrl}/webhooks/mailgun`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const failed = (recipient: string, severity: string) => ({
      event: 'failed',
      severity,
      recipient,
      timestamp: Date.now() / 1000,
      message: { headers: { 'message-id': '20260101.abc@mg.example.com' } },
      'delivery-status': { code: 550, description: `5.1.1 <${recipient}> does not exist` },
    });

    it('maps permanent failures to hard bounces, temporary ones to soft bounces, complaints to complaints', async () => {
      const hard = await post(mailgunBody(failed('mg.gone@example.com', 'permanent')));
      expect(hard.status).toBe(200);
      expect(await hard.json()).toMatchObject({ recorded: 1, suppressed: 1, ignored: 0 });
      const soft = await post(mailgunBody(failed('mg.full@example.com', 'temporary')));
      expect(await soft.json()).toMatchObject({ recorded: 1, suppressed: 0 });
      const complaint = await post(
        mailgunBody({ event: 'complained', recipient: 'mg.angry@example.com', timestamp: Date.now() / 1000 }),
      );
      expect(await complaint.json()).toMatchObject({ recorded: 1, suppressed: 1 });
      const opened = await post(
        mailgunBody({ event: 'opened', recipient: 'mg.reader@example.com', timestamp: Date.now() / 1000 }),
      );
      expect(await opened.json()).toMatchObject({ recorded: 0, ignored: 1 });
      const rows = await db.query(
        `SELECT type, message_id, reason FROM email_events WHERE message_id = '20260101.abc@mg.example.com' ORDER BY id`,
      );
      expect(rows.map((r: { type: string }) => r.type)).toEqual(['hard_bounce', 'soft_bounce']);
      expect(rows[0].reason).toContain('550 5.1.1');
      expect(rows[0].reason).not.toContain('mg.gone@example.com');
    });

    it('refuses a wrong key and a stale (replayed) request; a malformed one is a 400', async () => {
      const before = await eventCount();
      expect(
        (await post(mailgunBody(failed('x@example.com', 'permanent'), { key: 'another-key-0123456789' }))).status,
      ).toBe(401);
      const stale = mailgunBody(failed('x@example.com', 'permanent'), { ageSeconds: 3600 });
      expect((await post(stale)).status).toBe(401);
      expect((await post('{"signature": 1}')).status).toBe(400);
      expect(await eventCount()).toBe(before);
    });
  });
});
