import { INestApplicationContext } from '@nestjs/common';
import { Browser } from 'playwright-core';
import { DataSource } from 'typeorm';
import { ALL_NEWSLETTERS, TokenService } from '@app/subscriptions';
import { SmtpSink } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { startWorker } from '../helpers/worker-app';
import { Seeder } from './trust-helpers';
import { launchChromium } from '../helpers/browser';

/**
 * A reader asks for their data from the preference centre, in a browser under the
 * production CSP; the link arrives by mail (to the address on file only) and downloads
 * everything held about them.
 */
describe("a reader's own data export, end to end", () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let browser: Browser;
  let db: DataSource;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    env = await createTestEnv('trust_reader_export', { SMTP_URL: sink.url });
    api = await startApi();
    worker = await startWorker();
    db = api.app.get(DataSource);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await api?.close();
    await sink?.stop();
    await env?.cleanup();
  });

  it('preferences page → "Email me my data" → mailed link → JSON download', async () => {
    const seed = new Seeder(db);
    const newsletter = await seed.newsletter('morning', 'Morning Briefing');
    const reader = await seed.subscriber('nora@example.com', 'Nora');
    await seed.subscription(reader, newsletter);
    await seed.consent(reader, 'subscribe', ['morning'], { ip: '192.0.2.5', source: 'page', version: '2026-11-01' });
    const token = api.app
      .get(TokenService)
      .sign({ subscriberId: reader, newsletterId: ALL_NEWSLETTERS, purpose: 'preferences' });

    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${api.baseUrl}/preferences?token=${encodeURIComponent(token)}`);
    await Promise.all([page.waitForURL(/\/preferences\/export$/), page.click('text=Email me my data')]);
    expect(await page.textContent('h1')).toMatch(/check your inbox/i);
    expect(violations).toEqual([]);
    await page.close();

    const [mail] = await sink.waitForMailTo('nora@example.com');
    expect(mail.parsed.subject).toMatch(/data/i);
    const link = /https?:\/\/[^\s"<>\]]+\/preferences\/export\?token=[^\s"<>\]]+/.exec(mail.parsed.text ?? '')![0];
    const exportToken = new URL(link).searchParams.get('token')!;
    const download = await fetch(`${api.baseUrl}/preferences/export?token=${encodeURIComponent(exportToken)}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/attachment/);
    const data = await download.json();
    expect(data.subscriber).toMatchObject({ id: reader, email: 'nora@example.com', name: 'Nora' });
    expect(data.subscriptions).toEqual([expect.objectContaining({ newsletter: 'morning', status: 'active' })]);
    expect(data.consentEvents).toEqual([expect.objectContaining({ action: 'subscribe', ip: '192.0.2.5' })]);
    expect(data.suppression).toEqual({ suppressed: false });
  });
});
