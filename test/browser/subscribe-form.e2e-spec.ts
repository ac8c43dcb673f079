/// <reference lib="dom" />
import { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { RunningApi, startApi } from '../helpers/api-app';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { createNewsletter } from '../e2e/subscriptions-helpers';
import { launchChromium } from '../helpers/browser';

/** The hosted subscribe page in headless Chromium, filled in and submitted as a reader does. */
describe('subscribe page in a browser', () => {
  let env: TestEnv;
  let api: RunningApi;
  let browser: Browser;
  let db: DataSource;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    env = await createTestEnv('subscribe_form_browser');
    api = await startApi();
    db = api.app.get(DataSource);
    await createNewsletter(api, env, {
      slug: 'morning-briefing',
      name: 'Morning Briefing',
      description: 'Before breakfast',
      topics: [],
    });
    await createNewsletter(api, env, { slug: 'world-affairs', name: 'World Affairs', topics: [] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.cleanup();
  });

  async function openPage(width = 375): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.goto(`${api.baseUrl}/`);
    return page;
  }

  it('subscribes: tick a newsletter, fill the fields, agree, submit, land on check-your-inbox', async () => {
    const page = await openPage();
    try {
      await page.getByLabel('World Affairs').check();
      await page.getByLabel('Email address').fill('browser.reader@example.com');
      await page.getByLabel('Name').fill('Bea Browser');
      await page.getByLabel(/I agree to receive/).check();
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.waitForURL(`${api.baseUrl}/check-your-inbox`);
      await expect(page.getByRole('heading', { name: 'Check your inbox' }).isVisible()).resolves.toBe(true);
      const rows = await db.query(
        `SELECT s.name, n.slug, x.status FROM subscribers s JOIN subscriptions x ON x.subscriber_id = s.id
         JOIN newsletters n ON n.id = x.newsletter_id WHERE s.email = 'browser.reader@example.com'`,
      );
      expect(rows).toEqual([{ name: 'Bea Browser', slug: 'world-affairs', status: 'pending' }]);
    } finally {
      await page.close();
    }
  });

  it('shows the error when consent is not given, keeping what was typed', async () => {
    const page = await openPage();
    try {
      await page.getByLabel('Morning Briefing').check();
      await page.getByLabel('Email address').fill('undecided@example.com');
      await page.getByRole('button', { name: 'Subscribe' }).click();
      const error = page.locator('.errors li[data-field="consent"]');
      await error.waitFor();
      expect(await error.textContent()).toMatch(/tick the box to agree/);
      expect(await page.getByLabel('Email address').inputValue()).toBe('undecided@example.com');
      expect(await page.getByLabel('Morning Briefing').isChecked()).toBe(true);
      expect(await page.getByLabel(/I agree to receive/).isChecked()).toBe(false);
      expect(await db.query(`SELECT 1 FROM subscribers WHERE email = 'undecided@example.com'`)).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a phone screen, hides the honeypot, and breaks no content security rule', async () => {
    const page = await openPage(375);
    try {
      const layout = await page.evaluate(() => {
        const trap = document.querySelector<HTMLInputElement>('input[name="website"]')!.getBoundingClientRect();
        return { scrollWidth: document.documentElement.scrollWidth, trapRight: trap.right };
      });
      expect(layout.scrollWidth).toBeLessThanOrEqual(375);
      // Placed off-screen by the stylesheet: people never see or fill it.
      expect(layout.trapRight).toBeLessThan(0);
      expect(cspViolations).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
