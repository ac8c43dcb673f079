import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { solveProofOfWork, stampDate } from '../../apps/api/src/security';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { Seeder } from './trust-helpers';
import { launchChromium } from '../helpers/browser';

/** Boots an extra API replica with some env changed for its boot only (config is read at boot). */
async function startApiWith(env: Record<string, string>): Promise<RunningApi> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await startApi();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function subscribe(api: RunningApi, email: string, extra: Record<string, unknown> = {}, headers = {}) {
  return fetch(`${api.baseUrl}/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, newsletters: ['morning'], consent: true, ...extra }),
  });
}

describe('abuse protection on POST /subscriptions', () => {
  let env: TestEnv;
  let replicaA: RunningApi;
  let replicaB: RunningApi;
  let db: DataSource;
  const extra: RunningApi[] = [];

  beforeAll(async () => {
    env = await createTestEnv('trust_abuse', { SUBSCRIBE_RATE_LIMIT: '3' });
    replicaA = await startApi();
    replicaB = await startApi();
    db = replicaA.app.get(DataSource);
    await new Seeder(db).newsletter('morning', 'Morning Briefing');
  });
  afterAll(async () => {
    for (const api of [...extra, replicaA, replicaB]) await api?.close();
    await env?.cleanup();
  });

  const subscriberCount = async () => (await db.query(`SELECT count(*)::int AS n FROM subscribers`))[0].n;

  it('limits sign-ups per client IP across API replicas: 429 with Retry-After past the limit', async () => {
    expect((await subscribe(replicaA, 'one@example.com')).status).toBe(202);
    expect((await subscribe(replicaB, 'two@example.com')).status).toBe(202);
    expect((await subscribe(replicaA, 'three@example.com')).status).toBe(202);
    const refused = await subscribe(replicaB, 'four@example.com');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ statusCode: 429, errors: [{ field: 'ip' }] });
    expect(await subscriberCount()).toBe(3);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is on, so the header cannot dodge the limit', async () => {
    const spoofed = await subscribe(replicaA, 'five@example.com', {}, { 'x-forwarded-for': '198.51.100.77' });
    expect(spoofed.status).toBe(429);

    const behindProxy = await startApiWith({ TRUST_PROXY: 'true' });
    extra.push(behindProxy);
    // Each client the proxy reports has its own budget...
    for (let i = 0; i < 3; i++) {
      const res = await subscribe(behindProxy, `proxied${i}@example.com`, {}, { 'x-forwarded-for': '203.0.113.10' });
      expect(res.status).toBe(202);
    }
    expect(
      (await subscribe(behindProxy, 'proxied9@example.com', {}, { 'x-forwarded-for': '203.0.113.10' })).status,
    ).toBe(429);
    expect((await subscribe(behindProxy, 'other@example.com', {}, { 'x-forwarded-for': '203.0.113.11' })).status).toBe(
      202,
    );
    // Only the proxy's own entry (the right-most) is believed: what the client writes to the
    // left of it cannot dodge the limit.
    for (let i = 0; i < 3; i++) {
      const spoofing = await subscribe(
        behindProxy,
        `spoof${i}@example.com`,
        {},
        { 'x-forwarded-for': `10.9.9.${i}, 203.0.113.10` },
      );
      expect(spoofing.status).toBe(429);
    }
    // ...and the consent ledger records the reader's address, not the proxy's.
    const [event] = await db.query(
      `SELECT ip FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = 'other@example.com'`,
    );
    expect(event.ip).toBe('203.0.113.11');
  });

  it('SUBSCRIBE_RATE_LIMIT=0 turns the limit off (load tests)', async () => {
    const unlimited = await startApiWith({ SUBSCRIBE_RATE_LIMIT: '0' });
    extra.push(unlimited);
    for (let i = 0; i < 8; i++) expect((await subscribe(unlimited, `load${i}@example.com`)).status).toBe(202);
  });

  describe('proof of work (SUBSCRIBE_POW_BITS)', () => {
    let pow: RunningApi;
    beforeAll(async () => {
      pow = await startApiWith({ SUBSCRIBE_POW_BITS: '10', SUBSCRIBE_RATE_LIMIT: '0' });
      extra.push(pow);
    });

    it('refuses sign-ups without a valid stamp for that very address, accepts a solved one', async () => {
      const email = 'Worker@Example.com';
      const refusals: Array<Record<string, unknown>> = [
        {},
        { pow: '' },
        { pow: 'garbage' },
        { pow: solveProofOfWork('someone-else@example.com', 10) },
        { pow: solveProofOfWork(email, 4) },
        { pow: solveProofOfWork(email, 10, new Date(Date.now() - 3 * 3600 * 1000)) },
        { pow: solveProofOfWork(email, 10).replace(/:[^:]*$/, ':zzzzzz') },
      ];
      for (const body of refusals) {
        const res = await subscribe(pow, email, body);
        expect(res.status).toBe(400);
        expect((await res.json()).errors).toEqual([expect.objectContaining({ field: 'pow' })]);
      }
      expect(await db.query(`SELECT 1 FROM subscribers WHERE lower(email) = 'worker@example.com'`)).toHaveLength(0);
      const accepted = await subscribe(pow, email, { pow: solveProofOfWork(email, 10) });
      expect(accepted.status).toBe(202);
      expect(await db.query(`SELECT 1 FROM subscribers WHERE lower(email) = 'worker@example.com'`)).toHaveLength(1);
      expect(stampDate(new Date('2026-03-04T05:06:07Z'))).toBe('260304050607');
    });

    it('the hosted form solves it in the browser with its external script, under the strict CSP', async () => {
      const browser: Browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const violations: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
        });
        await page.goto(`${pow.baseUrl}/`);
        await page.fill('input[name="email"]', 'browser.reader@example.com');
        await page.check('input[name="newsletters"][value="morning"]');
        await page.check('input[name="consent"]');
        await Promise.all([page.waitForURL(/check-your-inbox/), page.click('button[type="submit"]')]);
        expect(violations).toEqual([]);
        const rows = await db.query(
          `SELECT e.ip FROM subscribers s JOIN consent_events e ON e.subscriber_id = s.id
           WHERE s.email = 'browser.reader@example.com'`,
        );
        expect(rows).toHaveLength(1);
      } finally {
        await browser.close();
      }
    });
  });

  describe('CAPTCHA (CAPTCHA_VERIFY_URL + CAPTCHA_SECRET), against a siteverify-style HTTP provider', () => {
    let provider: Server;
    let captcha: RunningApi;
    const calls: URLSearchParams[] = [];

    beforeAll(async () => {
      provider = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          calls.push(form);
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({ success: form.get('secret') === 'provider-secret' && form.get('response') === 'human' }),
          );
        });
      });
      await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
      const { port } = provider.address() as AddressInfo;
      captcha = await startApiWith({
        CAPTCHA_VERIFY_URL: `http://127.0.0.1:${port}/siteverify`,
        CAPTCHA_SECRET: 'provider-secret',
        SUBSCRIBE_RATE_LIMIT: '0',
      });
      extra.push(captcha);
    });
    afterAll(async () => {
      if (provider.listening) await new Promise((resolve) => provider.close(resolve));
    });

    it('passes the widget answer to the provider and follows its verdict; 503 when it is unreachable', async () => {
      const refused = await subscribe(captcha, 'bot@example.com', { 'h-captcha-response': 'robot' });
      expect(refused.status).toBe(400);
      expect((await refused.json()).errors).toEqual([expect.objectContaining({ field: 'captcha' })]);
      expect((await subscribe(captcha, 'bot@example.com')).status).toBe(400);

      const accepted = await subscribe(captcha, 'human@example.com', { 'cf-turnstile-response': 'human' });
      expect(accepted.status).toBe(202);
      expect(calls.at(-1)?.get('remoteip')).toBe('127.0.0.1');

      await new Promise((resolve) => provider.close(resolve));
      const down = await subscribe(captcha, 'later@example.com', { captcha: 'human' });
      expect(down.status).toBe(503);
      expect(
        await db.query(`SELECT 1 FROM subscribers WHERE email IN ('bot@example.com', 'later@example.com')`),
      ).toEqual([]);
    });
  });
});
