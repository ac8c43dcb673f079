/// <reference lib="dom" />
import { XMLParser } from 'fast-xml-parser';
import { Pool } from 'pg';
import type { RunningApi } from '../helpers/api-app';
import { SmtpSink } from '../helpers/smtp-sink';
import { SuiteStack } from '../helpers/suite-stack';
import { TestEnv, waitFor } from '../helpers/test-env';
import { seedArticles, seedNewsletter, seedSubscribers } from './digest-fixtures';
import { launchChromium } from '../helpers/browser';

describe('issues over HTTP: admin routes, web version, archive and feed', () => {
  let stack: SuiteStack<SmtpSink>;
  let env: TestEnv;
  let sink: SmtpSink;
  let api: RunningApi;
  let db: Pool;
  let admin: Record<string, string>;

  beforeAll(async () => {
    stack = await SuiteStack.start('digest_http', {
      mail: () => new SmtpSink().start(),
      api: true,
      worker: 'in-process',
    });
    ({ env, mail: sink, api, db } = stack);
    admin = { authorization: `Bearer ${env.adminToken}`, 'content-type': 'application/json' };
    const markets = await seedNewsletter(db, {
      slug: 'markets-daily',
      name: 'Markets Daily',
      description: 'Money, briefly',
      topics: ['markets', 'economy'],
    });
    await seedNewsletter(db, { slug: 'economy-weekly', name: 'Economy Weekly', topics: ['economy'] });
    await seedSubscribers(db, markets, 3, 'h');
    await seedArticles(db, [
      {
        title: 'Rates on hold <again>',
        topics: ['markets'],
        hoursAgo: 0.5,
        summary: 'The bank kept rates & said why.',
      },
      { title: 'Shares rally', topics: ['markets'] },
    ]);
  });
  afterAll(() => stack?.close());

  const post = (path: string, body: unknown, headers = admin) =>
    fetch(`${api.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const get = (path: string, headers: Record<string, string> = admin) =>
    fetch(`${api.baseUrl}${path}`, { headers, redirect: 'manual' });
  const issueStatus = async (id: string) =>
    (await (await get(`/admin/issues/${id}`)).json()) as Record<string, unknown>;

  it('guards the admin routes and answers bad requests with 4xx naming the problem', async () => {
    expect(
      (await post('/admin/newsletters/markets-daily/issues', {}, { 'content-type': 'application/json' })).status,
    ).toBe(401);
    expect((await get('/admin/issues/00000000-0000-0000-0000-000000000000', {})).status).toBe(401);
    expect((await post('/admin/newsletters/nope/issues', {})).status).toBe(404);
    const bad = await post('/admin/newsletters/markets-daily/issues', { dryRun: 'yes' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [{ field: 'dryRun' }] });
    expect((await get('/admin/issues/not-a-uuid')).status).toBe(400);
    expect((await get('/admin/issues/00000000-0000-0000-0000-000000000000')).status).toBe(404);
  });

  it('answers slugs and ids that cannot exist with 404 from validation, never with a database error', async () => {
    // '%00' is what reached PostgreSQL before (refused there: a 400 by luck of the database).
    const garbage = ['%00', 'markets%00daily', 'Markets-Daily', '..%2Fmarkets-daily', '%E2%80%AE', 'x'.repeat(300)];
    for (const g of garbage) {
      for (const path of [`/forms/${g}`, `/archive/${g}`, `/archive/${g}/feed.xml`, `/issues/${g}/${g}`]) {
        const page = await get(path, {});
        expect([path, page.status, page.headers.get('content-type')]).toEqual([
          path,
          404,
          expect.stringMatching(/^text\/html/),
        ]);
      }
      const patch = await fetch(`${api.baseUrl}/admin/newsletters/${g}`, {
        method: 'PATCH',
        headers: admin,
        body: JSON.stringify({ name: 'Renamed' }),
      });
      expect([g, patch.status]).toEqual([g, 404]);
      const build = await post(`/admin/newsletters/${g}/issues`, {});
      expect([g, build.status]).toEqual([g, 404]);
    }
    expect(await db.query(`SELECT name FROM newsletters ORDER BY slug`)).toMatchObject({
      rows: [{ name: 'Economy Weekly' }, { name: 'Markets Daily' }],
    });
    expect((await db.query(`SELECT 1 FROM issues`)).rowCount).toBe(0);
  });

  it('builds a dry run: rendered, previewable with a sample reader, nothing sent', async () => {
    const res = await post('/admin/newsletters/markets-daily/issues', { dryRun: true });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => (await issueStatus(id)).status === 'skipped', 15000, 'the dry run');
    expect(await issueStatus(id)).toMatchObject({
      id,
      newsletter: 'markets-daily',
      dryRun: true,
      recipients: 0,
      sent: 0,
      webVersionPath: null,
    });

    const preview = await get(`/admin/issues/${id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toMatch(/text\/html/);
    const html = await preview.text();
    expect(html).toContain('Hi Sam Reader,');
    expect(html).toContain('Rates on hold &lt;again&gt;');
    expect(html).toContain('href="#unsubscribe"');
    expect(html).not.toContain('token=');
    // A reader of Markets Daily (markets, economy) is pointed at Economy Weekly.
    expect(html).toContain('Economy Weekly');
    expect(sink.messages).toHaveLength(0);
  });

  it('sends an issue and publishes its web version, archive entry and feed item', async () => {
    const res = await post('/admin/newsletters/markets-daily/issues', {});
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await waitFor(async () => (await issueStatus(id)).status === 'sent', 20000, 'the issue to be sent');
    const status = await issueStatus(id);
    expect(status).toMatchObject({ recipients: 3, sent: 3, failed: 0, skipped: 0 });
    expect(typeof status.startedAt).toBe('string');
    expect(typeof status.finishedAt).toBe('string');
    await sink.waitForCount(3);

    // The email's "View in browser" link is the public web version.
    const webPath = status.webVersionPath as string;
    expect(webPath).toMatch(new RegExp(`^/issues/${id}/rates-on-hold-again$`));
    expect(sink.messages[0].parsed.html).toContain(`href="http://localhost:3000${webPath}"`);

    const web = await get(webPath, {});
    expect(web.status).toBe(200);
    const page = await web.text();
    expect(page).toContain('Rates on hold &lt;again&gt;');
    expect(page).toContain('The bank kept rates &amp; said why.');
    expect(page).not.toContain('token=');
    expect(page).not.toContain('/unsubscribe');
    expect(page).not.toMatch(/Reader \d/);

    const moved = await get(`/issues/${id}/old-headline`, {});
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe(webPath);
    // Another id of the same shape (its last digit changed: an id ending in 0 ends in 1).
    const otherId = id.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
    expect((await get(`/issues/${otherId}/x`, {})).status).toBe(404);

    const archive = await get('/archive/markets-daily', {});
    expect(archive.status).toBe(200);
    const archiveHtml = await archive.text();
    expect(archiveHtml).toContain(`href='${webPath}'`);
    expect(archiveHtml).toContain('Markets Daily: Rates on hold &lt;again&gt;');
    expect((await get('/archive/nope', {})).status).toBe(404);

    const feed = await get('/archive/markets-daily/feed.xml', {});
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toMatch(/application\/rss\+xml/);
    const rss = new XMLParser().parse(await feed.text());
    const items = [rss.rss.channel.item].flat();
    // Only sent issues: the dry run is not in the feed.
    expect(items).toHaveLength(1);
    expect(items[0].title).toBe('Markets Daily: Rates on hold <again>');
    expect(items[0].link).toBe(`http://localhost:3000${webPath}`);
  });

  it('shows the web version and the archive readably on a 375 px phone screen', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
      const violations: string[] = [];
      page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
      });
      await page.goto(`${api.baseUrl}/archive/markets-daily`);
      await page.getByRole('link', { name: 'Markets Daily: Rates on hold <again>' }).click();
      await page.waitForURL(/\/issues\/[0-9a-f-]+\/rates-on-hold-again$/);
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Markets Daily: Rates on hold <again>');
      expect(await page.getByRole('heading', { level: 2, name: 'Shares rally' }).isVisible()).toBe(true);
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      expect(fits).toBe(true);
      // The stylesheet applied (strict CSP allows our own files only).
      const styled = await page.evaluate(() => getComputedStyle(document.querySelector('.card')!).borderRadius);
      expect(styled).toBe('8px');
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
