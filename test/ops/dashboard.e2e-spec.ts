import { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { RunningApi, startApi } from '../helpers/api-app';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { launchChromium } from '../helpers/browser';

/**
 * The operator dashboard in headless Chromium, on a phone-sized screen, with the
 * production CSP: rows are inserted straight into the test database, then the
 * counts change underneath the open page, which must redraw them by itself.
 */
describe('operator dashboard (headless Chromium)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let browser: Browser;
  let db: DataSource;
  let issueId: string;

  beforeAll(async () => {
    env = await createTestEnv('ops_dashboard');
    api = await startApi();
    db = api.app.get(DataSource);
    browser = await launchChromium();
    const [newsletter] = await db.query(
      `INSERT INTO newsletters (slug, name, schedule, timezone) VALUES ('morning-briefing', 'Morning Briefing', '0 7 * * *', 'Europe/London') RETURNING id`,
    );
    const subscribers: Array<{ id: string }> = await db.query(
      `INSERT INTO subscribers (email) SELECT 'reader' || n || '@example.com' FROM generate_series(1, 4) n RETURNING id`,
    );
    await db.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at)
       SELECT unnest($1::uuid[]), $2, 'active', now()`,
      [subscribers.map((s) => s.id), newsletter.id],
    );
    [{ id: issueId }] = await db.query(
      `INSERT INTO issues (newsletter_id, status, subject, recipients, sent, failed, skipped, started_at)
       VALUES ($1, 'sending', 'Tuesday briefing', 4, 1, 0, 0, now()) RETURNING id`,
      [newsletter.id],
    );
    await db.query(
      `INSERT INTO deliveries (issue_id, subscriber_id, batch, status) SELECT $1, unnest($2::uuid[]), 0, 'queued'`,
      [issueId, subscribers.map((s) => s.id)],
    );
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.cleanup();
  });

  it('asks for credentials', async () => {
    for (const path of ['/admin', '/admin/dashboard.json']) {
      const res = await fetch(`${api.baseUrl}${path}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
  });

  it('shows newsletters, subscribers and the live issue, and redraws the counts as the send progresses', async () => {
    const context = await browser.newContext({
      httpCredentials: { username: 'admin', password: env.adminToken },
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      // A failed load is reported below with its URL; everything else (CSP violations included) counts.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });

    const res = await page.goto(`${api.baseUrl}/admin?refresh=1`);
    expect(res?.status()).toBe(200);

    const issueRow = page.locator(`tr[data-row-id="${issueId}"]`);
    const cells = async () => (await issueRow.locator('td').allInnerTexts()).map((t) => t.trim());
    expect(await cells()).toEqual([
      'morning-briefing',
      'Tuesday briefing',
      'sending',
      '4',
      '1',
      '0',
      '0',
      '25%',
      expect.stringContaining('UTC'),
    ]);
    const newsletterRow = page.locator('table[data-live="newsletters"] tbody tr').first();
    expect(await newsletterRow.innerText()).toMatch(
      /morning-briefing\s+0 7 \* \* \*\s+Europe\/London\s+\w{3} \d+ \w{3}, 07:00 Europe\/London\s+4/,
    );
    expect(await page.locator('[data-live-text="subscribers.activeSubscriptions"]').innerText()).toBe('4');

    // The page must update in place (no reload): a marker set now survives the refresh.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await db.query(
      `UPDATE deliveries SET status = 'failed', error = '550 5.1.1 <reader4@example.com>: mailbox unavailable', updated_at = now()
        WHERE issue_id = $1 AND subscriber_id = (SELECT id FROM subscribers WHERE email = 'reader4@example.com')`,
      [issueId],
    );
    await db.query(`UPDATE issues SET sent = 3, failed = 1, status = 'sent', finished_at = now() WHERE id = $1`, [
      issueId,
    ]);

    await page.waitForFunction(
      (id) => document.querySelector(`tr[data-row-id="${id}"] td:nth-child(5)`)?.textContent === '3',
      issueId,
      { timeout: 10_000 },
    );
    expect(await cells()).toEqual(expect.arrayContaining(['sent', '4', '3', '1', '0', '100%']));
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

    const failures = page.locator('table[data-live="failures"] tbody');
    await failures.getByText('mailbox unavailable').waitFor({ timeout: 10_000 });
    const failureText = await failures.innerText();
    expect(failureText).toContain('r***@example.com');
    expect(failureText).not.toContain('reader4@example.com');

    // Readable on a phone: wide tables scroll inside their box, the page itself does not.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });
});
