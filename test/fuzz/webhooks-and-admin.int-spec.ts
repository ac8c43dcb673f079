import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { postWebhook, signBody } from '../trust/trust-helpers';
import { brokenJson, emailLike, fieldValue, hostileString, wrongType } from './arbitraries';

const SECRET = 'test-webhook-secret-0123456789';

describe('fuzz: webhooks, privacy and admin endpoints never answer 5xx', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: DataSource;
  const admin = { authorization: 'Bearer test-admin-token-0123456789' };

  beforeAll(async () => {
    env = await createTestEnv('fuzz_webhooks', { MAILGUN_WEBHOOK_SIGNING_KEY: 'key-mailgun-fuzz-0123456789' });
    api = await startApi();
    db = api.app.get(DataSource);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('signed webhook bodies of any shape: 200 or 400, never 5xx', async () => {
    const event = fc.record(
      {
        type: fc.oneof(fc.constantFrom('hard_bounce', 'soft_bounce', 'complaint', 'delivered'), fieldValue),
        email: fc.oneof(emailLike, wrongType),
        messageId: fc.oneof(hostileString, wrongType),
        at: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fieldValue,
        ),
        reason: fc.oneof(hostileString, wrongType),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      event.map((e) => JSON.stringify(e)),
      fc.array(event, { maxLength: 5 }).map((e) => JSON.stringify(e)),
      brokenJson,
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async (text, type) => {
          const res = await postWebhook(api.baseUrl, text, SECRET, { contentType: type });
          expect([200, 400, 413]).toContain(res.status);
          const json = await res.json();
          if (res.status === 400) expect(Array.isArray(json.errors)).toBe(true);
        },
      ),
      { numRuns: 250 },
    );
  });

  it('unsigned or forged requests are always 401, whatever the body', async () => {
    await fc.assert(
      fc.asyncProperty(brokenJson, fc.option(hostileString, { nil: null }), async (text, signature) => {
        // Header values are bytes: keep what a client can actually send.
        const forged = signature === null ? null : signature.replace(/[^\x20-\x7e]/g, '');
        fc.pre(forged !== signBody(text, SECRET));
        const res = await postWebhook(api.baseUrl, text, SECRET, { signature: forged });
        // 431: a header too large for Node's HTTP parser is refused before the app sees it.
        expect([401, 431]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
  });

  it('accepted events never store the address, even when the reason quotes it', async () => {
    await fc.assert(
      // Masks are "x***@domain": an address whose local part is only asterisks ("*@b.cd") reads the
      // same as its own mask, so the text would "contain" it however it was masked.
      fc.asyncProperty(
        fc.emailAddress().filter((e) => !/^\*+@/.test(e)),
        hostileString,
        async (email, noise) => {
          const reason = `550 5.1.1 <${email}> ${noise.slice(0, 500)}`;
          const res = await postWebhook(
            api.baseUrl,
            { type: 'hard_bounce', email, at: new Date().toISOString(), reason },
            SECRET,
          );
          expect(res.status).toBe(200);
          const rows = await db.query(`SELECT reason FROM email_events UNION ALL SELECT detail FROM suppressions`);
          const stored = rows
            .map((r: { reason: string | null }) => r.reason ?? '')
            .join('\n')
            .toLowerCase();
          expect(stored).not.toContain(email.toLowerCase());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('Mailgun webhook bodies of any shape (signed or not): 200, 400 or 401, never 5xx', async () => {
    const eventData = fc.record(
      {
        event: fc.oneof(fc.constantFrom('failed', 'complained', 'delivered', 'opened'), fieldValue),
        severity: fc.oneof(fc.constantFrom('permanent', 'temporary'), fieldValue),
        recipient: fc.oneof(emailLike, wrongType),
        timestamp: fc.oneof(fc.constant(Date.now() / 1000), fc.double(), fieldValue),
        message: fc.oneof(
          fc.record({ headers: fc.record({ 'message-id': fc.oneof(hostileString, wrongType) }) }),
          wrongType,
        ),
        'delivery-status': fc.oneof(
          fc.record({ code: fc.oneof(fc.integer(), hostileString), description: hostileString }),
          wrongType,
        ),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.tuple(eventData, fc.string({ maxLength: 20 })).map(([data, token]) => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', 'key-mailgun-fuzz-0123456789')
          .update(timestamp + token)
          .digest('hex');
        return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': data });
      }),
      brokenJson,
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const res = await fetch(`${api.baseUrl}/webhooks/mailgun`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: text,
        });
        expect([200, 400, 401, 413]).toContain(res.status);
      }),
      { numRuns: 200 },
    );
  });

  it('admin privacy routes with arbitrary ids and addresses: 4xx or success, never 5xx', async () => {
    const segment = fc.oneof(hostileString, fc.uuid(), emailLike).map((s) => encodeURIComponent(s.slice(0, 2000)));
    await fc.assert(
      fc.asyncProperty(segment, fc.constantFrom('export', 'consent', 'erase', 'lift'), async (id, route) => {
        const [method, path] =
          route === 'erase'
            ? ['DELETE', `/admin/subscribers/${id}`]
            : route === 'lift'
              ? ['DELETE', `/admin/suppressions/${id}`]
              : ['GET', `/admin/subscribers/${id}/${route}`];
        const res = await fetch(`${api.baseUrl}${path}`, { method, headers: admin });
        expect(res.status).toBeLessThan(500);
        expect([200, 204, 400, 404]).toContain(res.status);
      }),
      { numRuns: 200 },
    );
  });

  it("the reader's export routes refuse any forged token with a 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, fc.boolean(), async (token, asForm) => {
        const get = await fetch(`${api.baseUrl}/preferences/export?token=${encodeURIComponent(token.slice(0, 4000))}`);
        expect(get.status).toBe(400);
        const post = await fetch(`${api.baseUrl}/preferences/export`, {
          method: 'POST',
          headers: { 'content-type': asForm ? 'application/x-www-form-urlencoded' : 'application/json' },
          body: asForm ? new URLSearchParams({ token }).toString() : JSON.stringify({ token }),
        });
        expect([400, 413]).toContain(post.status);
      }),
      { numRuns: 150 },
    );
  });
});
