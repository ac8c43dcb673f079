import { createHash } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { ALL_NEWSLETTERS, TokenService } from '@app/subscriptions';
import { CliModule } from '../../apps/cli/src/cli.module';
import { subscribersEraseCommand } from '../../apps/cli/src/commands/subscribers-erase.command';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { postWebhook, Seeder, tableText } from './trust-helpers';

const SECRET = 'test-webhook-secret-0123456789';
const JANE = 'jane.doe@example.com';

describe('privacy rights: export, erasure, consent proof', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: DataSource;
  let seed: Seeder;
  let tokens: TokenService;
  let jane: string;
  let issueId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    env = await createTestEnv('trust_privacy');
    api = await startApi();
    db = api.app.get(DataSource);
    tokens = api.app.get(TokenService);
    seed = new Seeder(db);
    ids.morning = await seed.newsletter('morning', 'Morning Briefing');
    ids.sport = await seed.newsletter('sport', 'Sport Weekly');
    jane = await seed.subscriber(JANE, 'Jane Doe');
    await seed.subscription(jane, ids.morning);
    await seed.subscription(jane, ids.sport);
    await seed.consent(jane, 'subscribe', ['morning', 'sport'], {
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (Jane’s phone)',
      source: 'page',
      version: '2026-11-01',
      sha: 'a'.repeat(64),
      at: new Date('2026-01-05T09:00:00Z'),
    });
    const [signUp] = await db.query(`SELECT id FROM consent_events WHERE subscriber_id = $1`, [jane]);
    await db.query(
      `INSERT INTO consent_events (subscriber_id, action, newsletters, consent_version, consent_text_sha256, ip, user_agent, source, details, at)
       VALUES ($1, 'confirm', '{morning,sport}', '2026-11-01', $2, '198.51.100.2', 'MailApp/1.0', 'confirm-page', $3, '2026-01-05T09:05:00Z')`,
      [jane, 'a'.repeat(64), JSON.stringify({ confirms: signUp.id })],
    );
    issueId = await seed.issue(ids.morning, 'Tuesday: the news');
    await seed.delivery(issueId, jane, {
      messageId: '<tuesday.jane@dispatch.test>',
      status: 'failed',
      error: `452 4.2.2 <${JANE}>: mailbox full`,
    });
    await db.query(`UPDATE issues SET recipients = 1, failed = 1 WHERE id = $1`, [issueId]);
    const res = await postWebhook(
      api.baseUrl,
      { type: 'soft_bounce', email: JANE, messageId: 'tuesday.jane@dispatch.test', at: '2026-01-06T07:00:00Z' },
      SECRET,
    );
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const admin = { authorization: `Bearer test-admin-token-0123456789` };
  const get = (path: string, headers: Record<string, string> = admin) => fetch(`${api.baseUrl}${path}`, { headers });

  it('admin export: everything held about the reader, consent ledger included; 401/404 otherwise', async () => {
    expect((await get(`/admin/subscribers/${jane}/export`, {})).status).toBe(401);
    expect((await get(`/admin/subscribers/00000000-0000-4000-8000-000000000000/export`)).status).toBe(404);
    expect((await get(`/admin/subscribers/not-a-uuid/export`)).status).toBe(404);

    const res = await get(`/admin/subscribers/${jane}/export`);
    expect(res.status).toBe(200);
    const data = await res.json();
    expect(data.subscriber).toMatchObject({ id: jane, email: JANE, name: 'Jane Doe', status: 'active' });
    expect(data.subscriptions.map((s: { newsletter: string; status: string }) => [s.newsletter, s.status])).toEqual([
      ['morning', 'active'],
      ['sport', 'active'],
    ]);
    expect(data.consentEvents.map((e: { action: string }) => e.action)).toEqual(['subscribe', 'confirm']);
    expect(data.consentEvents[0]).toMatchObject({ ip: '203.0.113.7', source: 'page', consentVersion: '2026-11-01' });
    expect(data.deliveries).toEqual([
      expect.objectContaining({
        issueId,
        newsletter: 'morning',
        subject: 'Tuesday: the news',
        status: 'failed',
        lastEvent: 'soft_bounce',
      }),
    ]);
    expect(data.suppression).toEqual({ suppressed: false });
    expect(data.providerEvents).toEqual([
      expect.objectContaining({ type: 'soft_bounce', at: '2026-01-06T07:00:00.000Z' }),
    ]);
  });

  it('consent proof: when, where, which consent text, and how it was confirmed, per active subscription', async () => {
    expect((await get(`/admin/subscribers/${jane}/consent`, {})).status).toBe(401);
    const res = await get(`/admin/subscribers/${jane}/consent`);
    expect(res.status).toBe(200);
    const { proofs } = await res.json();
    expect(proofs).toHaveLength(2);
    for (const proof of proofs) {
      expect(proof.consent).toMatchObject({
        action: 'subscribe',
        at: '2026-01-05T09:00:00.000Z',
        source: 'page',
        consentVersion: '2026-11-01',
        consentTextSha256: 'a'.repeat(64),
        ip: '203.0.113.7',
      });
      expect(proof.confirmation).toMatchObject({
        method: 'double-opt-in',
        event: { action: 'confirm', at: '2026-01-05T09:05:00.000Z', ip: '198.51.100.2', userAgent: 'MailApp/1.0' },
      });
    }
  });

  it('consent proof from the real flow: API sign-up and confirmation, with the exact consent wording', async () => {
    const post = (path: string, body: unknown, ua: string) =>
      fetch(`${api.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': ua },
        body: JSON.stringify(body),
      });
    const signUp = await post(
      '/subscriptions',
      { email: 'proof@example.com', newsletters: ['sport'], consent: true, source: 'article-footer' },
      'SignupBrowser/1.0',
    );
    expect(signUp.status).toBe(202);
    const [{ id }] = await db.query(`SELECT id FROM subscribers WHERE email = 'proof@example.com'`);
    const confirmToken = tokens.sign({ subscriberId: id, newsletterId: ALL_NEWSLETTERS, purpose: 'confirm' });
    expect((await post('/confirm', { token: confirmToken }, 'ConfirmBrowser/2.0')).status).toBe(200);

    const { proofs } = await (await get(`/admin/subscribers/${id}/consent`)).json();
    expect(proofs).toHaveLength(1);
    const [proof] = proofs;
    expect(proof).toMatchObject({
      newsletter: 'sport',
      status: 'active',
      consent: { action: 'subscribe', source: 'article-footer', ip: '127.0.0.1', userAgent: 'SignupBrowser/1.0' },
      confirmation: { method: 'double-opt-in', event: { action: 'confirm', userAgent: 'ConfirmBrowser/2.0' } },
    });
    expect(proof.consentText).toContain('Sport Weekly');
    expect(createHash('sha256').update(proof.consentText).digest('hex')).toBe(proof.consent.consentTextSha256);
    expect(Date.parse(proof.confirmation.event.at)).toBeGreaterThanOrEqual(Date.parse(proof.consent.at));
  });

  it("a reader's own export: the preferences page asks, a mailed link downloads; other tokens are refused", async () => {
    const transactional = api.app.get<Queue>(getQueueToken('transactional'));
    const preferences = tokens.sign({ subscriberId: jane, newsletterId: ALL_NEWSLETTERS, purpose: 'preferences' });
    const unsubscribe = tokens.sign({ subscriberId: jane, newsletterId: ids.morning, purpose: 'unsubscribe' });
    const post = (body: string, accept = 'application/json') =>
      fetch(`${api.baseUrl}/preferences/export`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body,
      });

    expect((await post(JSON.stringify({ token: unsubscribe }))).status).toBe(400);
    expect((await post(JSON.stringify({ token: 'garbage' }))).status).toBe(400);
    const exportJobs = async () =>
      (await transactional.getJobs(['waiting', 'delayed', 'active', 'completed'])).filter(
        (j) => j.name === 'send-data-export',
      );
    expect(await exportJobs()).toEqual([]);

    expect((await post(JSON.stringify({ token: preferences }))).status).toBe(202);
    // The form post (what the preferences page sends) gets a page, and repeats queue no second mail.
    const form = await fetch(`${api.baseUrl}/preferences/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ token: preferences }).toString(),
    });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Check your inbox');
    expect((await exportJobs()).map((j) => j.data)).toEqual([{ subscriberId: jane }]);

    const exportToken = tokens.sign({ subscriberId: jane, newsletterId: ALL_NEWSLETTERS, purpose: 'export' });
    const download = await fetch(`${api.baseUrl}/preferences/export?token=${encodeURIComponent(exportToken)}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="dispatch-data-/);
    expect(download.headers.get('cache-control')).toBe('no-store');
    const data = await download.json();
    expect(data.subscriber.email).toBe(JANE);
    expect(data.consentEvents).toHaveLength(2);
    // The preferences token itself does not open the download: only the mailed link does.
    for (const wrong of [preferences, unsubscribe, exportToken.slice(0, -2), '']) {
      const res = await fetch(`${api.baseUrl}/preferences/export?token=${encodeURIComponent(wrong)}`, {
        headers: { accept: 'text/html' },
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
  });

  it('erasure removes personal data everywhere, keeps a hash on the suppression list and anonymous counts', async () => {
    expect((await fetch(`${api.baseUrl}/admin/subscribers/${jane}`, { method: 'DELETE' })).status).toBe(401);
    const res = await fetch(`${api.baseUrl}/admin/subscribers/${jane}`, { method: 'DELETE', headers: admin });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ subscriberId: jane, alreadyErased: false, unsubscribed: 2 });

    const [subscriber] = await db.query(`SELECT * FROM subscribers WHERE id = $1`, [jane]);
    expect(subscriber).toMatchObject({ email: null, name: null, status: 'erased' });
    expect(subscriber.erased_at).not.toBeNull();
    const subs = await db.query(`SELECT status FROM subscriptions WHERE subscriber_id = $1`, [jane]);
    expect(subs.map((s: { status: string }) => s.status)).toEqual(['unsubscribed', 'unsubscribed']);
    const ledger = await db.query(
      `SELECT action, ip, user_agent FROM consent_events WHERE subscriber_id = $1 ORDER BY id`,
      [jane],
    );
    expect(ledger.map((e: { action: string }) => e.action)).toEqual(['subscribe', 'confirm', 'erase']);
    expect(ledger.every((e: { ip: string | null; user_agent: string | null }) => !e.ip && !e.user_agent)).toBe(true);
    const [delivery] = await db.query(`SELECT status, error FROM deliveries WHERE subscriber_id = $1`, [jane]);
    expect(delivery.status).toBe('failed');
    expect(delivery.error).toContain('mailbox full');
    const [issue] = await db.query(`SELECT recipients, failed FROM issues WHERE id = $1`, [issueId]);
    expect(issue).toEqual({ recipients: 1, failed: 1 });
    const [suppression] = await db.query(`SELECT reason FROM suppressions`);
    expect(suppression.reason).toBe('erased');

    // Nothing that identifies Jane is left in any table.
    const tables: Array<{ table_name: string }> = await db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    for (const { table_name } of tables) {
      const text = (await tableText(db, table_name)).toLowerCase();
      for (const personal of [JANE, 'jane doe', '203.0.113.7', '198.51.100.2', 'mailapp', 'jane’s phone']) {
        expect({ table: table_name, found: text.includes(personal) }).toEqual({ table: table_name, found: false });
      }
    }

    // Repeating is harmless; the export now shows an erased record.
    const again = await fetch(`${api.baseUrl}/admin/subscribers/${jane}`, { method: 'DELETE', headers: admin });
    expect(await again.json()).toMatchObject({ alreadyErased: true });
    const exported = await (await get(`/admin/subscribers/${jane}/export`)).json();
    expect(exported.subscriber).toMatchObject({ email: null, name: null, status: 'erased' });
    // The reader's own mailed export link no longer hands out anything.
    const exportToken = tokens.sign({ subscriberId: jane, newsletterId: ALL_NEWSLETTERS, purpose: 'export' });
    expect((await fetch(`${api.baseUrl}/preferences/export?token=${encodeURIComponent(exportToken)}`)).status).toBe(
      404,
    );
  });

  describe('CLI twin: npm run cli -- subscribers:erase <email>', () => {
    let cli: INestApplicationContext;
    beforeAll(async () => {
      cli = await NestFactory.createApplicationContext(CliModule, { logger: false });
    });
    afterAll(async () => {
      await cli?.close();
    });

    it('erases by address (any case), refuses unknown addresses and bad usage', async () => {
      const bob = await seed.subscriber('bob@example.org', 'Bob');
      await seed.subscription(bob, ids.sport);
      const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const quietErr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await subscribersEraseCommand.run(cli, [])).toBe(2);
        expect(await subscribersEraseCommand.run(cli, ['nobody@example.org'])).toBe(1);
        expect(await subscribersEraseCommand.run(cli, ['BOB@Example.org'])).toBe(0);
        // Jane was erased above: her address is only a hash now, so it cannot be found again.
        expect(await subscribersEraseCommand.run(cli, [JANE])).toBe(1);
        expect(quietErr.mock.calls.join('')).toContain('suppression list: erased');
      } finally {
        quiet.mockRestore();
        quietErr.mockRestore();
      }
      const [row] = await db.query(`SELECT email, name, status FROM subscribers WHERE id = $1`, [bob]);
      expect(row).toEqual({ email: null, name: null, status: 'erased' });
      const reasons = await db.query(
        `SELECT source FROM consent_events WHERE subscriber_id = $1 AND action = 'erase'`,
        [bob],
      );
      expect(reasons).toEqual([{ source: 'cli' }]);
    });
  });
});
