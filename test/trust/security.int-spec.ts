import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ALL_NEWSLETTERS, TokenService } from '@app/subscriptions';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { Seeder } from './trust-helpers';
import { launchChromium } from '../helpers/browser';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const OLD_SECRET = 'old-app-secret-0123456789abcdef';

/** A page on another origin that frames our sign-up box, as a publisher's article page would. */
async function publisherSite(apiBase: () => string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>Article</title><iframe id="box" src="${apiBase()}/forms/morning"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** Every route the API registered, from the Express router (Nest mounts them there). */
function registeredRoutes(app: INestApplication): Array<{ method: string; path: string }> {
  const instance = app.getHttpAdapter().getInstance() as {
    router?: { stack: RouterLayer[] };
    _router?: { stack: RouterLayer[] };
  };
  const stack = (instance.router ?? instance._router)?.stack ?? [];
  return stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((m) => m !== '_all')
        .map((method) => ({ method: method.toUpperCase(), path: layer.route!.path })),
    );
}
interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

describe('security checks', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: DataSource;
  let tokens: TokenService;
  let browser: Browser;
  let allowedSite: Server;
  let otherSite: Server;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    let base = '';
    allowedSite = await publisherSite(() => base);
    otherSite = await publisherSite(() => base);
    env = await createTestEnv('trust_security', {
      ALLOWED_ORIGINS: originOf(allowedSite),
      APP_SECRET_PREVIOUS: OLD_SECRET,
    });
    api = await startApi();
    base = api.baseUrl;
    db = api.app.get(DataSource);
    tokens = api.app.get(TokenService);
    const seed = new Seeder(db);
    ids.morning = await seed.newsletter('morning', 'Morning Briefing');
    ids.sport = await seed.newsletter('sport', 'Sport Weekly');
    ids.alice = await seed.subscriber('alice@example.com');
    ids.bob = await seed.subscriber('bob@example.com');
    ids.carol = await seed.subscriber('carol@example.com');
    for (const reader of [ids.alice, ids.bob]) {
      await seed.subscription(reader, ids.morning);
      await seed.subscription(reader, ids.sport);
    }
    await seed.subscription(ids.carol, ids.morning, 'pending');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    for (const s of [allowedSite, otherSite]) if (s?.listening) await new Promise((r) => s.close(r));
    await env?.cleanup();
  });

  const statusOf = async (reader: string, newsletter: string) =>
    (
      await db.query(`SELECT status FROM subscriptions WHERE subscriber_id = $1 AND newsletter_id = $2`, [
        reader,
        newsletter,
      ])
    )[0]?.status;
  const unsubscribeToken = (reader: string, newsletter: string | null) =>
    tokens.sign({ subscriberId: reader, newsletterId: newsletter ?? ALL_NEWSLETTERS, purpose: 'unsubscribe' });
  const oneClick = (token: string) =>
    fetch(`${api.baseUrl}/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });

  describe('headers', () => {
    it('every kind of response carries the security headers and the strict CSP', async () => {
      const requests: Array<[string, RequestInit?]> = [
        ['/'],
        ['/privacy'],
        ['/assets/site.css'],
        ['/health/live'],
        ['/no-such-page'],
        ['/confirm', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
        ['/webhooks/events', { method: 'POST', body: '{}' }],
        ['/admin/newsletters'],
        [`/unsubscribe?token=${encodeURIComponent(unsubscribeToken(ids.alice, ids.morning))}`],
      ];
      for (const [path, init] of requests) {
        const res = await fetch(`${api.baseUrl}${path}`, init);
        const csp = res.headers.get('content-security-policy') ?? '';
        const context = `${init?.method ?? 'GET'} ${path} (${res.status})`;
        expect({ context, csp }).toEqual({ context, csp: expect.stringContaining("default-src 'self'") });
        for (const directive of [
          "script-src 'self';",
          "frame-ancestors 'none'",
          "form-action 'self'",
          "object-src 'none'",
        ]) {
          expect({ context, csp }).toEqual({ context, csp: expect.stringContaining(directive) });
        }
        expect({ context, unsafe: csp.includes('unsafe-') }).toEqual({ context, unsafe: false });
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('referrer-policy')).toBe('same-origin');
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('the embeddable box may be framed by ALLOWED_ORIGINS only, and works inside the frame', async () => {
      const res = await fetch(`${api.baseUrl}/forms/morning`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${originOf(allowedSite)}`);
      expect(res.headers.get('x-frame-options')).toBeNull();
      // The box's post (an error re-renders the box) answers inside the frame too.
      const post = await fetch(`${api.baseUrl}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(post.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${originOf(allowedSite)}`);

      const framedBy = async (site: Server): Promise<Page> => {
        const page = await browser.newPage();
        await page.goto(originOf(site));
        await page.waitForLoadState('load');
        return page;
      };
      const allowed = await framedBy(allowedSite);
      const frame = allowed.frames().find((f) => f.url().includes('/forms/morning'))!;
      expect(frame).toBeDefined();
      await frame.waitForSelector('input[name="email"]');
      await frame.fill('input[name="email"]', 'framed.reader@example.com');
      await frame.check('input[name="consent"]');
      await Promise.all([frame.waitForURL(/check-your-inbox/), frame.click('button[type="submit"]')]);
      expect(await frame.textContent('body')).toMatch(/inbox/i);
      const framed = await db.query(`SELECT 1 FROM subscribers WHERE email = 'framed.reader@example.com'`);
      expect(framed).toHaveLength(1);
      await allowed.close();

      // Another site's frame is blocked by the browser: the box never renders there.
      const other = await framedBy(otherSite);
      const blocked = other.frames().find((f) => f !== other.mainFrame())!;
      expect(await blocked.$('input[name="email"]').catch(() => null)).toBeNull();
      await other.close();
    });

    it('Bull Board and Swagger UI get a relaxed style policy (inline styles), never inline scripts', async () => {
      const basic = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;
      for (const path of ['/admin/queues', '/admin/queues/api/queues', '/docs']) {
        const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: basic } });
        expect(res.status).toBe(200);
        // The board is an express app of its own: it must not announce the framework either.
        expect([path, res.headers.get('x-powered-by')]).toEqual([path, null]);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp).toContain("style-src 'self' 'unsafe-inline'");
        expect(csp).toMatch(/script-src 'self';/);
      }
      const page = await browser.newPage({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text()) && !/fonts\.g/.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${api.baseUrl}/admin/queues`);
      await page.waitForSelector('text=transactional', { timeout: 15000 });
      await page.goto(`${api.baseUrl}/docs`);
      await page.waitForSelector('.swagger-ui .info', { timeout: 15000 });
      expect(violations).toEqual([]);
      await page.close();
    });

    it('limits request bodies: 100kb by default, 1mb for webhooks', async () => {
      const big = JSON.stringify({ email: 'a@example.com', name: 'x'.repeat(150 * 1024) });
      const res = await fetch(`${api.baseUrl}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ errors: [{ field: 'body' }] });
      const hook = await fetch(`${api.baseUrl}/webhooks/events`, { method: 'POST', body: 'x'.repeat(1100 * 1024) });
      expect(hook.status).toBe(413);
    });
  });

  describe('operator routes', () => {
    it('every /admin route (and the board and dashboard) answers 401 without valid credentials', async () => {
      const adminRoutes = registeredRoutes(api.app).filter((r) => r.path.startsWith('/admin'));
      const paths = new Set(adminRoutes.map((r) => `${r.method} ${r.path}`));
      // The contract's operator routes must all be there (and so be checked below).
      for (const expected of [
        'GET /admin',
        'GET /admin/newsletters',
        'POST /admin/newsletters',
        'GET /admin/subscribers',
        'GET /admin/subscribers/:id/export',
        'GET /admin/subscribers/:id/consent',
        'DELETE /admin/subscribers/:id',
        'DELETE /admin/suppressions/:email',
      ]) {
        expect(paths).toContain(expected);
      }
      const probes = [
        ...adminRoutes.map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)/g, (_m, name) => `${name}-x`) })),
        { method: 'GET', path: '/admin/queues' },
        { method: 'GET', path: '/admin/queues/api/queues' },
        { method: 'POST', path: '/admin/subscribers/import' },
      ];
      const wrong: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer wrong-token-0123456789' },
        { authorization: `Bearer ${ADMIN_TOKEN}x` },
        { authorization: `Basic ${Buffer.from(`root:${ADMIN_TOKEN}`).toString('base64')}` },
        { authorization: ADMIN_TOKEN },
      ];
      for (const probe of probes) {
        for (const headers of wrong) {
          const res = await fetch(`${api.baseUrl}${probe.path}`, { method: probe.method, headers });
          expect({ ...probe, status: res.status }).toEqual({ ...probe, status: 401 });
        }
      }
    });
  });

  describe('tokens over HTTP', () => {
    it("a forwarded mail's one-click link unsubscribes only that reader from that newsletter", async () => {
      expect((await oneClick(unsubscribeToken(ids.alice, ids.morning))).status).toBe(200);
      expect(await statusOf(ids.alice, ids.morning)).toBe('unsubscribed');
      expect(await statusOf(ids.alice, ids.sport)).toBe('active');
      expect(await statusOf(ids.bob, ids.morning)).toBe('active');
      // "Everything" only on the reader's explicit choice on the page.
      const all = await fetch(
        `${api.baseUrl}/unsubscribe?token=${encodeURIComponent(unsubscribeToken(ids.alice, ids.morning))}`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'all' }) },
      );
      expect(all.status).toBe(200);
      expect(await statusOf(ids.alice, ids.sport)).toBe('unsubscribed');
      expect(await statusOf(ids.bob, ids.sport)).toBe('active');
    });

    it("a token for one reader cannot act on another reader's subscriptions or data", async () => {
      const [payload, signature] = unsubscribeToken(ids.alice, ids.morning).split('.');
      const swapped = Buffer.from(Buffer.from(payload, 'base64url').toString().replace(ids.alice, ids.bob)).toString(
        'base64url',
      );
      expect((await oneClick(`${swapped}.${signature}`)).status).toBe(400);
      expect(await statusOf(ids.bob, ids.morning)).toBe('active');
      // Preferences and export of Bob with Alice's material: refused.
      const alicePrefs = tokens.sign({
        subscriberId: ids.alice,
        newsletterId: ALL_NEWSLETTERS,
        purpose: 'preferences',
      });
      const [prefsPayload, prefsSig] = alicePrefs.split('.');
      const bobPrefs = Buffer.from(
        Buffer.from(prefsPayload, 'base64url').toString().replace(ids.alice, ids.bob),
      ).toString('base64url');
      expect((await fetch(`${api.baseUrl}/preferences?token=${bobPrefs}.${prefsSig}`)).status).toBe(400);
      expect((await fetch(`${api.baseUrl}/preferences/export?token=${bobPrefs}.${prefsSig}`)).status).toBe(400);
    });

    it('an unsubscribe (or preferences) token cannot confirm; a confirm token cannot open preferences', async () => {
      const confirm = (token: string) =>
        fetch(`${api.baseUrl}/confirm`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token }),
        });
      expect((await confirm(unsubscribeToken(ids.carol, null))).status).toBe(400);
      expect(
        (await confirm(tokens.sign({ subscriberId: ids.carol, newsletterId: ALL_NEWSLETTERS, purpose: 'preferences' })))
          .status,
      ).toBe(400);
      expect(await statusOf(ids.carol, ids.morning)).toBe('pending');
      const confirmToken = tokens.sign({ subscriberId: ids.carol, newsletterId: ALL_NEWSLETTERS, purpose: 'confirm' });
      expect((await fetch(`${api.baseUrl}/preferences?token=${encodeURIComponent(confirmToken)}`)).status).toBe(400);
      expect((await oneClick(confirmToken)).status).toBe(400);
      expect((await confirm(confirmToken)).status).toBe(200);
      expect(await statusOf(ids.carol, ids.morning)).toBe('active');
    });

    it('rotating APP_SECRET keeps links signed with a previous secret working', async () => {
      const oldLink = new TokenService({ appSecrets: [OLD_SECRET] }).sign({
        subscriberId: ids.bob,
        newsletterId: ids.sport,
        purpose: 'unsubscribe',
      });
      const forgotten = new TokenService({ appSecrets: ['never-configured-secret-0123'] }).sign({
        subscriberId: ids.bob,
        newsletterId: ids.morning,
        purpose: 'unsubscribe',
      });
      expect((await oneClick(forgotten)).status).toBe(400);
      expect(await statusOf(ids.bob, ids.morning)).toBe('active');
      expect((await oneClick(oldLink)).status).toBe(200);
      expect(await statusOf(ids.bob, ids.sport)).toBe('unsubscribed');
      expect(await statusOf(ids.bob, ids.morning)).toBe('active');
    });
  });
});
