import { DataSource } from 'typeorm';
import { schedulerIdFor } from '@app/digests';
import { JobQueue, QueueName } from '@app/queues';
import { consentText, ReaderLinks } from '@app/subscriptions';
import { RunningApi, startApi } from '../helpers/api-app';
import { ReceivedMail, SmtpSink } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { startWorker } from '../helpers/worker-app';
import { admin, createNewsletter, field, local, postForm, PUBLIC_BASE, rawHeader } from './subscriptions-helpers';
import type { INestApplicationContext } from '@nestjs/common';

/**
 * A reader's whole journey over HTTP, with the real API, worker, PostgreSQL,
 * Redis and an SMTP sink: subscribe, confirm from the mail, get the welcome
 * mail, and leave in one click exactly as a mail client does (RFC 8058).
 */
describe('subscriptions end to end (API + worker + SMTP sink)', () => {
  let sink: SmtpSink;
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: DataSource;
  let morning: { id: string; slug: string };
  let world: { id: string; slug: string };

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    env = await createTestEnv('subscriptions_e2e', { SMTP_URL: sink.url, PUBLIC_BASE_URL: PUBLIC_BASE });
    api = await startApi();
    worker = await startWorker();
    db = api.app.get(DataSource);
    morning = await createNewsletter(api, env, {
      slug: 'morning-briefing',
      name: 'Morning Briefing',
      description: 'The news before breakfast',
      topics: ['World', 'politics'],
      schedule: '0 7 * * *',
      timezone: 'Europe/London',
    });
    world = await createNewsletter(api, env, { slug: 'world-affairs', name: 'World Affairs', topics: ['world'] });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sink?.stop();
    await env?.cleanup();
  });

  const subscriptionsOf = (email: string) =>
    db.query(
      `SELECT n.slug, s.status, s.confirmed_at, s.unsubscribed_at FROM subscriptions s
       JOIN subscribers r ON r.id = s.subscriber_id JOIN newsletters n ON n.id = s.newsletter_id
       WHERE lower(r.email) = lower($1) ORDER BY n.slug`,
      [email],
    ) as Promise<Array<{ slug: string; status: string; confirmed_at: Date | null; unsubscribed_at: Date | null }>>;
  const ledgerOf = (email: string) =>
    db.query(
      `SELECT e.action, e.newsletters, e.consent_version, e.consent_text_sha256, e.ip, e.user_agent, e.source
       FROM consent_events e JOIN subscribers r ON r.id = e.subscriber_id
       WHERE lower(r.email) = lower($1) ORDER BY e.id`,
      [email],
    ) as Promise<Array<Record<string, unknown>>>;

  function linkIn(mail: ReceivedMail, path: string): string {
    const match = new RegExp(`${PUBLIC_BASE}${path}\\?token=[^\\s\\]"<>]+`).exec(mail.parsed.text ?? '');
    if (!match) throw new Error(`no ${path} link in the mail`);
    return match[0];
  }

  it('subscribes, confirms from the mail, welcomes, and unsubscribes in one click (RFC 8058)', async () => {
    const email = 'jane.reader@example.com';

    // 1. Sign-up from a publisher's script: JSON, answered 202 whatever the address.
    const signUp = await fetch(`${api.baseUrl}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'e2e-browser/1.0' },
      body: JSON.stringify({ email, name: 'Jane <em>Reader</em>', newsletters: 'morning-briefing', consent: true }),
    });
    expect(signUp.status).toBe(202);
    expect(await signUp.json()).toEqual({ status: 'pending_confirmation' });
    expect(await subscriptionsOf(email)).toMatchObject([
      { slug: 'morning-briefing', status: 'pending', confirmed_at: null },
    ]);
    const [subscribe] = await ledgerOf(email);
    expect(subscribe).toMatchObject({
      action: 'subscribe',
      newsletters: ['morning-briefing'],
      consent_version: consentText(['Morning Briefing']).version,
      consent_text_sha256: consentText(['Morning Briefing']).sha256,
      user_agent: 'e2e-browser/1.0',
      source: 'api',
    });
    expect(subscribe.ip).toMatch(/127\.0\.0\.1/);

    // 2. The confirmation mail: carries the link, and nothing the reader typed.
    const [confirmation] = await sink.waitForMailTo(email);
    expect(confirmation.parsed.subject).toMatch(/confirm/i);
    expect(confirmation.raw.toString('utf8')).not.toMatch(/Jane/);
    const confirmLink = linkIn(confirmation, '/confirm');

    // 3. Following the link shows a button and changes nothing (mail scanners fetch links).
    const page = await fetch(local(api, confirmLink));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<button type=["']submit["']>Confirm subscription<\/button>/);
    expect(html).toContain('Morning Briefing');
    expect(await subscriptionsOf(email)).toMatchObject([{ status: 'pending' }]);
    expect(await ledgerOf(email)).toHaveLength(1);

    // 4. Pressing the button confirms.
    const confirmed = await postForm(
      `${api.baseUrl}/confirm`,
      { token: field(html, 'token'), formToken: field(html, 'formToken') },
      { origin: api.baseUrl },
    );
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You’re subscribed');
    const [active] = await subscriptionsOf(email);
    expect(active).toMatchObject({ status: 'active' });
    expect(active.confirmed_at).toBeInstanceOf(Date);

    // 5. The welcome mail carries the one-click unsubscribe headers.
    const [, welcome] = await sink.waitForMailTo(email, 2);
    expect(welcome.parsed.subject).toMatch(/welcome/i);
    const unsubscribeHeader = rawHeader(welcome, 'List-Unsubscribe');
    expect(rawHeader(welcome, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const unsubscribeUrl = /<([^>]+)>/.exec(unsubscribeHeader ?? '')?.[1];
    expect(unsubscribeUrl).toMatch(new RegExp(`^${PUBLIC_BASE}/unsubscribe\\?token=`));

    // 6. What a mail client does: POST the List-Unsubscribe-Post body to the URL, no cookie, no redirect.
    const oneClick = await fetch(local(api, unsubscribeUrl!), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'GoogleOneClick/1.0' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(oneClick.status).toBe(200);
    expect(oneClick.headers.get('location')).toBeNull();
    // Effective at once in PostgreSQL.
    const [ended] = await subscriptionsOf(email);
    expect(ended).toMatchObject({ status: 'unsubscribed' });
    expect(ended.unsubscribed_at).toBeInstanceOf(Date);
    expect((await ledgerOf(email)).map((e) => e.action)).toEqual(['subscribe', 'confirm', 'unsubscribe']);
    expect((await ledgerOf(email))[2]).toMatchObject({ newsletters: ['morning-briefing'], source: 'one-click' });

    // 7. The reader is told; a second click changes nothing and is still answered 200.
    const [, , goodbye] = await sink.waitForMailTo(email, 3);
    expect(goodbye.parsed.subject).toMatch(/unsubscribed/i);
    const again = await fetch(local(api, unsubscribeUrl!), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(again.status).toBe(200);
    expect(await ledgerOf(email)).toHaveLength(3);
  });

  it('takes a one-click post sent as multipart/form-data, as RFC 8058 recommends', async () => {
    const email = 'multipart.reader@example.com';
    const links = api.app.get(ReaderLinks);
    const subscriberId = await activeReader(email, [morning.id, world.id]);
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    const res = await fetch(local(api, links.unsubscribeUrl(subscriberId, world.id)), { method: 'POST', body: form });
    expect(res.status).toBe(200);
    // Only the newsletter the link was for.
    expect((await subscriptionsOf(email)).map((s) => [s.slug, s.status])).toEqual([
      ['morning-briefing', 'active'],
      ['world-affairs', 'unsubscribed'],
    ]);
  });

  it('never downgrades an active reader and answers known and unknown addresses alike', async () => {
    const email = 'loyal.reader@example.com';
    await activeReader(email, [morning.id]);
    const post = (address: string) =>
      fetch(`${api.baseUrl}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: address, newsletters: ['morning-briefing', 'world-affairs'], consent: true }),
      });
    const known = await post(email);
    const unknown = await post('someone.new@example.com');
    expect([known.status, await known.text()]).toEqual([unknown.status, await unknown.text()]);
    expect((await subscriptionsOf(email)).map((s) => [s.slug, s.status])).toEqual([
      ['morning-briefing', 'active'],
      ['world-affairs', 'pending'],
    ]);
    // The confirmation covers only the new, pending newsletter.
    const [mail] = await sink.waitForMailTo(email);
    expect(mail.parsed.text).toContain('World Affairs');
    expect(mail.parsed.text).not.toContain('Morning Briefing');
  });

  it('follows newsletter changes made behind its back: a renamed newsletter is named in the consent, a closed one refused', async () => {
    const post = (email: string) =>
      fetch(`${api.baseUrl}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, newsletters: ['world-affairs'], consent: true }),
      });
    expect((await post('before.rename@example.com')).status).toBe(202);
    // Changed straight in the database, as another API instance or an operator's SQL would.
    await db.query(`UPDATE newsletters SET name = 'Global Affairs' WHERE id = $1`, [world.id]);
    try {
      expect((await post('after.rename@example.com')).status).toBe(202);
      expect(await ledgerOf('after.rename@example.com')).toMatchObject([
        { action: 'subscribe', consent_text_sha256: consentText(['Global Affairs']).sha256 },
      ]);
      await db.query(`UPDATE newsletters SET active = false WHERE id = $1`, [world.id]);
      const closed = await post('after.close@example.com');
      expect(closed.status).toBe(400);
      expect(await closed.json()).toMatchObject({ errors: [{ field: 'newsletters' }] });
      expect(await subscriptionsOf('after.close@example.com')).toEqual([]);
    } finally {
      await db.query(`UPDATE newsletters SET name = 'World Affairs', active = true WHERE id = $1`, [world.id]);
    }
    expect(await ledgerOf('before.rename@example.com')).toMatchObject([
      { consent_text_sha256: consentText(['World Affairs']).sha256 },
    ]);
  });

  it('lets an unsubscribed reader sign up again (pending until confirmed)', async () => {
    const email = 'returning.reader@example.com';
    const subscriberId = await activeReader(email, [morning.id]);
    await db.query(
      `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = now() WHERE subscriber_id = $1`,
      [subscriberId],
    );
    const res = await fetch(`${api.baseUrl}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: email.toUpperCase(), newsletters: ['morning-briefing'], consent: true }),
    });
    expect(res.status).toBe(202);
    expect(await subscriptionsOf(email)).toMatchObject([
      { slug: 'morning-briefing', status: 'pending', unsubscribed_at: null },
    ]);
    expect(await db.query(`SELECT count(*)::int AS n FROM subscribers WHERE lower(email) = $1`, [email])).toEqual([
      { n: 1 },
    ]);
  });

  it('offers "this newsletter" or "everything" on the unsubscribe page, changing nothing until asked', async () => {
    const email = 'page.reader@example.com';
    const subscriberId = await activeReader(email, [morning.id, world.id]);
    const link = local(api, api.app.get(ReaderLinks).unsubscribeUrl(subscriberId, morning.id));
    const page = await fetch(link);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Unsubscribe from Morning Briefing');
    expect(html).toContain('Unsubscribe from everything');
    expect((await subscriptionsOf(email)).every((s) => s.status === 'active')).toBe(true);

    const res = await postForm(link, { scope: 'all', formToken: field(html, 'formToken') }, { origin: api.baseUrl });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You will not receive any more of our newsletters');
    expect((await subscriptionsOf(email)).map((s) => s.status)).toEqual(['unsubscribed', 'unsubscribed']);
    const [event] = (await ledgerOf(email)).filter((e) => e.action === 'unsubscribe');
    expect(event).toMatchObject({ newsletters: ['morning-briefing', 'world-affairs'], source: 'unsubscribe-page' });
  });

  it('changes newsletters from the preference centre and records it', async () => {
    const email = 'prefs.reader@example.com';
    const subscriberId = await activeReader(email, [morning.id], '<img src=x onerror=alert(1)>');
    const link = local(api, api.app.get(ReaderLinks).preferencesUrl(subscriberId));
    const page = await (await fetch(link)).text();
    // The reader's name is shown as text, never as markup.
    expect(page).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(page).not.toContain('<img src=x');

    const res = await postForm(
      `${api.baseUrl}/preferences`,
      [
        ['token', field(page, 'token')],
        ['formToken', field(page, 'formToken')],
        ['newsletters', 'world-affairs'],
      ],
      { origin: api.baseUrl },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Your choices are saved');
    expect((await subscriptionsOf(email)).map((s) => [s.slug, s.status])).toEqual([
      ['morning-briefing', 'unsubscribed'],
      ['world-affairs', 'active'],
    ]);
    const [event] = (await ledgerOf(email)).filter((e) => e.action === 'preferences');
    expect(event).toMatchObject({ newsletters: ['world-affairs'], consent_text_sha256: consentText(null).sha256 });
  });

  it('shows operators a reader, their subscriptions and consent history', async () => {
    const email = 'jane.reader@example.com';
    const res = await fetch(`${api.baseUrl}/admin/subscribers?email=${encodeURIComponent('JANE.Reader@example.com')}`, {
      headers: admin(env),
    });
    expect(res.status).toBe(200);
    const record = await res.json();
    expect(record).toMatchObject({
      email,
      name: 'Jane <em>Reader</em>',
      status: 'active',
      subscriptions: [{ newsletter: 'morning-briefing', status: 'unsubscribed' }],
    });
    expect(record.subscriptions[0].confirmedAt).toBeTruthy();
    expect(record.consentEvents.map((e: { action: string }) => e.action)).toEqual([
      'subscribe',
      'confirm',
      'unsubscribe',
    ]);
    expect(record.consentEvents[0]).toMatchObject({
      newsletters: ['morning-briefing'],
      consentVersion: consentText(null).version,
      consentTextSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      userAgent: 'e2e-browser/1.0',
      source: 'api',
    });
    expect(Object.keys(record.consentEvents[0])).toEqual(
      expect.arrayContaining([
        'action',
        'newsletters',
        'consentVersion',
        'consentTextSha256',
        'ip',
        'userAgent',
        'source',
        'at',
      ]),
    );

    const unknown = await fetch(`${api.baseUrl}/admin/subscribers?email=nobody%40example.com`, { headers: admin(env) });
    expect(unknown.status).toBe(404);
    const anonymous = await fetch(`${api.baseUrl}/admin/subscribers?email=${encodeURIComponent(email)}`);
    expect(anonymous.status).toBe(401);
  });

  /** A confirmed reader, set up directly (these tests are about what follows). */
  async function activeReader(email: string, newsletterIds: string[], name: string | null = null): Promise<string> {
    const [row] = await db.query(`INSERT INTO subscribers (email, name) VALUES ($1, $2) RETURNING id`, [email, name]);
    for (const id of newsletterIds) {
      await db.query(
        `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at) VALUES ($1, $2, 'active', now())`,
        [row.id, id],
      );
    }
    return row.id as string;
  }

  it('keeps the worker in step: a schedule change reaches the worker job schedulers', async () => {
    const res = await fetch(`${api.baseUrl}/admin/newsletters/world-affairs`, {
      method: 'PATCH',
      headers: admin(env),
      body: JSON.stringify({ schedule: '30 12 * * 1-5', timezone: 'Europe/Paris' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      slug: 'world-affairs',
      schedule: '30 12 * * 1-5',
      timezone: 'Europe/Paris',
    });
    // The sync-schedules job it queued makes the worker install the newsletter's scheduler.
    const digestQueue = api.app.get(JobQueue).queue(QueueName.digest);
    const scheduler = await waitFor(async () => {
      const all = await digestQueue.getJobSchedulers();
      return all.find((s) => s.key === schedulerIdFor(world.id) && s.pattern === '30 12 * * 1-5');
    });
    expect(scheduler).toMatchObject({ tz: 'Europe/Paris' });
  });
});
