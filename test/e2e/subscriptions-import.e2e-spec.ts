import { request } from 'node:http';
import { DataSource } from 'typeorm';
import { Readable } from 'node:stream';
import { ImportTooLargeError, SubscriberImportService, SuppressionService } from '@app/subscriptions';
import { RunningApi, startApi } from '../helpers/api-app';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { createNewsletter } from './subscriptions-helpers';

/** Operators importing readers who consented elsewhere: CSV and JSON, streamed, written in batches. */
describe('POST /admin/subscribers/import', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: DataSource;

  beforeAll(async () => {
    env = await createTestEnv('subscriptions_import');
    api = await startApi();
    db = api.app.get(DataSource);
    await createNewsletter(api, env, { slug: 'morning-briefing', name: 'Morning Briefing', topics: [] });
    await createNewsletter(api, env, { slug: 'world-affairs', name: 'World Affairs', topics: [] });
    await api.app.get(SuppressionService).suppress('bounced@example.com', 'hard_bounce');
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const upload = (body: string, contentType: string, auth = true) =>
    fetch(`${api.baseUrl}/admin/subscribers/import`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(auth ? { authorization: `Bearer ${env.adminToken}` } : {}) },
      body,
    });
  const subscriptionsOf = (email: string) =>
    db.query(
      `SELECT n.slug, s.status, s.confirmed_at FROM subscriptions s JOIN subscribers r ON r.id = s.subscriber_id
       JOIN newsletters n ON n.id = s.newsletter_id WHERE lower(r.email) = lower($1) ORDER BY n.slug`,
      [email],
    ) as Promise<Array<{ slug: string; status: string; confirmed_at: Date }>>;
  const importEvents = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM consent_events WHERE action = 'import'`))[0].n as number;

  const csv = [
    'email,name,newsletters,consentedAt,consentSource',
    'ana@example.com,Ana,morning-briefing;world-affairs,2024-01-15T10:00:00Z,old platform form',
    'ben@example.com,,world-affairs|morning-briefing,2024-02-01,paper form at a festival',
    'not-an-address,Nobody,morning-briefing,2024-02-01,old platform form',
    'cat@example.com,Cat,sport-extra,2024-02-01,old platform form',
    'dan@example.com,Dan,morning-briefing,,old platform form',
    'bounced@example.com,Bounced,morning-briefing,2024-02-01,old platform form',
    '"eve@example.com","Eve, with a comma",morning-briefing,2024-03-01,old platform form',
    'ANA@example.com,Ana again,world-affairs,2024-01-15T10:00:00Z,old platform form',
  ].join('\n');

  it('imports CSV: valid rows in, invalid ones listed by line, suppressed addresses skipped', async () => {
    const res = await upload(csv, 'text/csv');
    expect(res.status).toBe(200);
    const result = await res.json();
    expect(result).toMatchObject({ imported: 3, updated: 1, skipped: 1 });
    expect(result.invalid).toEqual([
      { line: 4, reason: expect.stringMatching(/^email/) },
      { line: 5, reason: 'newsletters: unknown newsletter "sport-extra"' },
      { line: 6, reason: expect.stringMatching(/^consentedAt/) },
    ]);
    expect(await subscriptionsOf('ana@example.com')).toEqual([
      { slug: 'morning-briefing', status: 'active', confirmed_at: new Date('2024-01-15T10:00:00Z') },
      { slug: 'world-affairs', status: 'active', confirmed_at: new Date('2024-01-15T10:00:00Z') },
    ]);
    expect((await subscriptionsOf('ben@example.com')).map((s) => s.slug)).toEqual([
      'morning-briefing',
      'world-affairs',
    ]);
    expect(await db.query(`SELECT name FROM subscribers WHERE email = 'eve@example.com'`)).toEqual([
      { name: 'Eve, with a comma' },
    ]);
    expect(
      await db.query(
        `SELECT 1 FROM subscribers WHERE email IN ('bounced@example.com', 'dan@example.com', 'cat@example.com')`,
      ),
    ).toEqual([]);
    // Provenance in the ledger.
    const [event] = await db.query(
      `SELECT e.action, e.newsletters, e.source, e.details FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id
       WHERE s.email = 'ben@example.com'`,
    );
    expect(event).toMatchObject({
      action: 'import',
      newsletters: ['morning-briefing', 'world-affairs'],
      source: 'paper form at a festival',
      details: { consentedAt: '2024-02-01T00:00:00.000Z', consentSource: 'paper form at a festival', line: 3 },
    });
  });

  it('counts a re-import as updated and adds no ledger events when nothing changed', async () => {
    const events = await importEvents();
    const result = await (await upload(csv, 'text/csv')).json();
    expect(result).toMatchObject({ imported: 0, updated: 4, skipped: 1 });
    expect(result.invalid).toHaveLength(3);
    expect(await importEvents()).toBe(events);
  });

  it('imports a JSON array, reporting the line each bad row starts on', async () => {
    const rows = [
      {
        email: 'fay@example.com',
        newsletters: ['world-affairs'],
        consentedAt: '2023-05-01',
        consentSource: 'migration',
      },
      {
        email: 'gus@example.com',
        name: 'Gus\r\nBcc: x@y.z',
        newsletters: ['world-affairs'],
        consentedAt: '2023-05-01',
        consentSource: 'migration',
      },
      'not a row',
      { email: 'hal@example.com', newsletters: ['world-affairs'], consentedAt: '2023-05-01' },
    ];
    const body = JSON.stringify(rows, null, 2);
    // Elements start at the array's indentation: an object's "{" or a bare string.
    const starts = body.split('\n').flatMap((line, i) => (/^ {2}[{"]/.test(line) ? [i + 1] : []));
    const lineOf = (i: number) => starts[i];
    const res = await upload(body, 'application/json');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      imported: 1,
      updated: 0,
      skipped: 0,
      invalidCount: 3,
      invalid: [
        { line: lineOf(1), reason: 'name: must not contain line breaks or control characters' },
        { line: lineOf(2), reason: 'row must be an object' },
        { line: lineOf(3), reason: expect.stringMatching(/^consentSource: required/) },
      ],
    });
    expect(await subscriptionsOf('fay@example.com')).toMatchObject([{ slug: 'world-affairs', status: 'active' }]);
  });

  it('activates a pending sign-up but never overrides a later unsubscription', async () => {
    const [pending] = await db.query(`INSERT INTO subscribers (email) VALUES ('pending@example.com') RETURNING id`);
    const [left] = await db.query(`INSERT INTO subscribers (email) VALUES ('left@example.com') RETURNING id`);
    const [mb] = await db.query(`SELECT id FROM newsletters WHERE slug = 'morning-briefing'`);
    await db.query(`INSERT INTO subscriptions (subscriber_id, newsletter_id, status) VALUES ($1, $2, 'pending')`, [
      pending.id,
      mb.id,
    ]);
    await db.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, unsubscribed_at) VALUES ($1, $2, 'unsubscribed', '2025-01-01')`,
      [left.id, mb.id],
    );
    const rows = ['pending@example.com', 'left@example.com'].map((email) => ({
      email,
      newsletters: ['morning-briefing'],
      consentedAt: '2024-06-01',
      consentSource: 'migration',
    }));
    expect(await (await upload(JSON.stringify(rows), 'application/json')).json()).toMatchObject({
      imported: 0,
      updated: 2,
    });
    expect(await subscriptionsOf('pending@example.com')).toMatchObject([{ status: 'active' }]);
    expect(await subscriptionsOf('left@example.com')).toMatchObject([{ status: 'unsubscribed' }]);
  });

  it('streams a large upload in batches (20,000 rows)', async () => {
    const lines = ['email,newsletters,consentedAt,consentSource'];
    for (let i = 0; i < 20_000; i++)
      lines.push(`bulk${i}@example.com,morning-briefing|world-affairs,2024-01-01,bulk migration`);
    const res = await upload(lines.join('\n'), 'text/csv');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ imported: 20_000, updated: 0, skipped: 0, invalid: [] });
    const [counts] = await db.query(
      `SELECT count(DISTINCT s.id)::int AS readers, count(*)::int AS subscriptions FROM subscribers s
       JOIN subscriptions x ON x.subscriber_id = s.id WHERE s.email LIKE 'bulk%@example.com' AND x.status = 'active'`,
    );
    expect(counts).toEqual({ readers: 20_000, subscriptions: 40_000 });
    const [events] = await db.query(
      `SELECT count(*)::int AS n FROM consent_events WHERE action = 'import' AND source = 'bulk migration'`,
    );
    expect(events.n).toBe(20_000);
  });

  it('refuses uploads it cannot read', async () => {
    expect((await upload('[]', 'application/json', false)).status).toBe(401);
    expect((await upload('email\na@b.c', 'text/plain')).status).toBe(415);
    const notArray = await upload('{"email": "a@example.com"}', 'application/json');
    expect(notArray.status).toBe(400);
    expect((await notArray.json()).message).toMatch(/^line 1: expected a JSON array/);
    const noHeader = await upload('a@example.com,morning-briefing\n', 'text/csv');
    expect(noHeader.status).toBe(400);
    expect((await noHeader.json()).message).toMatch(/header line must name the columns/);
  });

  it('stops a streamed upload at the size limit even without a Content-Length', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `limit${i}@example.com,morning-briefing,2024-01-01,migration`);
    const chunks = ['email,newsletters,consentedAt,consentSource\n', ...rows.map((r) => `${r}\n`)].map((c) =>
      Buffer.from(c),
    );
    const importer = api.app.get(SubscriberImportService);
    await expect(importer.import(Readable.from(chunks), 'csv', 2000)).rejects.toBeInstanceOf(ImportTooLargeError);
  });

  it('answers 413 for a body over 50 MB without reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${api.baseUrl}/admin/subscribers/import`);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${env.adminToken}`,
            'content-type': 'text/csv',
            'content-length': String(60 * 1024 * 1024),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('email,newsletters,consentedAt,consentSource\n');
    });
    expect(status).toBe(413);
  });
});
