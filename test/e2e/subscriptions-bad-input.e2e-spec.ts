import { DataSource } from 'typeorm';
import { JobQueue, QueueName } from '@app/queues';
import { consentText, PRIVACY_NOTICE, ReaderLinks, TokenService } from '@app/subscriptions';
import { RunningApi, startApi } from '../helpers/api-app';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { admin, createNewsletter, decodeEntities, field, local, postForm, PUBLIC_BASE } from './subscriptions-helpers';

const PUBLISHER = 'https://news.publisher.example';

/**
 * Hostile and broken input on the reader and admin routes: always a 4xx naming
 * the problem, never a 500, and nothing stored wrongly (rows are checked).
 */
describe('subscriptions: bad input, forged links, CSRF and CORS', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: DataSource;
  let tokens: TokenService;
  let links: ReaderLinks;
  let morning: { id: string };

  beforeAll(async () => {
    env = await createTestEnv('subscriptions_bad_input', { PUBLIC_BASE_URL: PUBLIC_BASE, ALLOWED_ORIGINS: PUBLISHER });
    api = await startApi();
    db = api.app.get(DataSource);
    tokens = api.app.get(TokenService);
    links = api.app.get(ReaderLinks);
    morning = await createNewsletter(api, env, {
      slug: 'morning-briefing',
      name: 'Morning <Briefing>',
      topics: ['news'],
    });
    await createNewsletter(api, env, { slug: 'retired', name: 'Retired', topics: [], active: false });
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const counts = async () =>
    (
      await db.query(`SELECT (SELECT count(*) FROM subscribers)::int AS subscribers,
                             (SELECT count(*) FROM subscriptions)::int AS subscriptions,
                             (SELECT count(*) FROM consent_events)::int AS events`)
    )[0] as { subscribers: number; subscriptions: number; events: number };
  const postJson = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${api.baseUrl}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const valid = { email: 'reader@example.com', newsletters: ['morning-briefing'], consent: true };

  async function expectRefused(res: Response, status: number, field: string) {
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body).toMatchObject({ statusCode: status });
    expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
  }

  describe('POST /subscriptions (JSON)', () => {
    it.each([
      ['malformed JSON', '{"email": "reader@example.com", ', 'body'],
      ['an invalid email', { ...valid, email: 'reader-at-example.com' }, 'email'],
      ['an email smuggling a header', { ...valid, email: 'reader@example.com\r\nBcc: all@example.com' }, 'email'],
      ['no consent', { ...valid, consent: undefined }, 'consent'],
      ['consent false', { ...valid, consent: false }, 'consent'],
      ['an unknown newsletter', { ...valid, newsletters: ['morning-briefing', 'no-such-letter'] }, 'newsletters'],
      ['an inactive newsletter', { ...valid, newsletters: ['retired'] }, 'newsletters'],
      ['no newsletter', { ...valid, newsletters: [] }, 'newsletters'],
      ['CR/LF in the name', { ...valid, name: 'Jane\r\nBcc: all@example.com' }, 'name'],
      ['a huge name', { ...valid, name: 'x'.repeat(5000) }, 'name'],
      ['a NUL byte in the name', { ...valid, name: 'Jane\u0000' }, 'name'],
      ['a NUL byte in a newsletter', { ...valid, newsletters: ['morning-briefing\u0000'] }, 'newsletters'],
      ['wrong types', { email: ['a@b.c'], newsletters: 7, consent: 'yes please' }, 'email'],
    ])('refuses %s with a 400 naming the field, storing nothing', async (_what, body, field) => {
      const before = await counts();
      await expectRefused(await postJson(body), 400, field);
      expect(await counts()).toEqual(before);
    });

    it('names the unknown newsletter', async () => {
      const res = await postJson({ ...valid, newsletters: ['no-such-letter'] });
      expect((await res.json()).errors).toEqual([
        { field: 'newsletters', message: 'unknown newsletter: no-such-letter' },
      ]);
    });

    it('refuses bodies that are neither JSON nor a form', async () => {
      const res = await fetch(`${api.baseUrl}/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'email=reader@example.com',
      });
      expect(res.status).toBe(415);
    });

    it('stores markup in a name as plain text and shows it escaped', async () => {
      const name = '<script>alert("x")</script> & Co';
      const res = await postJson({ ...valid, email: 'markup@example.com', name });
      expect(res.status).toBe(202);
      const [row] = await db.query(`SELECT id, name FROM subscribers WHERE email = 'markup@example.com'`);
      expect(row.name).toBe(name);
      const page = await (await fetch(local(api, links.preferencesUrl(row.id)))).text();
      expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
      expect(page).not.toContain('<script>alert');
    });
  });

  describe('POST /subscriptions (hosted form)', () => {
    async function pageToken(): Promise<string> {
      return field(await (await fetch(`${api.baseUrl}/`)).text(), 'formToken');
    }

    it('answers a good post with 303 to the check-your-inbox page', async () => {
      const res = await postForm(
        `${api.baseUrl}/subscriptions`,
        {
          email: 'form.reader@example.com',
          newsletters: 'morning-briefing',
          consent: 'on',
          formToken: await pageToken(),
        },
        { origin: api.baseUrl },
      );
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/check-your-inbox');
      const [event] = await db.query(
        `SELECT e.source, e.details FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = 'form.reader@example.com'`,
      );
      expect(event).toMatchObject({ source: 'form:page', details: { form: 'subscribe:page' } });
    });

    it('answers errors with the form again, listing them, refilled and escaped', async () => {
      const before = await counts();
      const res = await postForm(
        `${api.baseUrl}/subscriptions`,
        {
          email: 'not-an-address',
          name: '<b>Bold</b>\r\nInjected: yes',
          newsletters: 'morning-briefing',
          formToken: await pageToken(),
        },
        { origin: api.baseUrl },
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toMatch(/data-field=["']email["']/);
      expect(html).toMatch(/data-field=["']consent["']/);
      expect(html).toMatch(/data-field=["']name["']/);
      expect(html).toMatch(/value=["']not-an-address["']/);
      expect(html).toContain('&lt;b&gt;Bold&lt;/b&gt;');
      expect(html).not.toContain('<b>Bold</b>');
      // The ticked newsletter stays ticked, and a fresh form token is issued.
      expect(html).toMatch(/value=["']morning-briefing["'] checked/);
      expect(field(html, 'formToken')).toBeTruthy();
      expect(await counts()).toEqual(before);
    });

    it('refuses a form post without a valid form token (CSRF), storing nothing', async () => {
      const confirmForm = field(await confirmPageFor('csrf.other@example.com'), 'formToken');
      const before = await counts();
      const body = { email: 'csrf@example.com', newsletters: 'morning-briefing', consent: 'on' };
      const missing = await postForm(`${api.baseUrl}/subscriptions`, body, { origin: api.baseUrl });
      expect(missing.status).toBe(400);
      expect(await missing.text()).toMatch(/form has expired/);
      const forged = await postForm(`${api.baseUrl}/subscriptions`, {
        ...body,
        formToken: 'eyJmb3JtIjoic3Vic2NyaWJlOnBhZ2UifQ.AAAA',
      });
      expect(forged.status).toBe(400);
      // A genuine token, but issued with the confirm form.
      const otherForm = await postForm(
        `${api.baseUrl}/subscriptions`,
        { ...body, formToken: confirmForm },
        { origin: api.baseUrl },
      );
      expect(otherForm.status).toBe(400);
      expect(await counts()).toEqual(before);
    });

    it('refuses a genuine token replayed from another site (403)', async () => {
      const before = await counts();
      const res = await postForm(
        `${api.baseUrl}/subscriptions`,
        { email: 'replayed@example.com', newsletters: 'morning-briefing', consent: 'on', formToken: await pageToken() },
        { origin: 'https://evil.example' },
      );
      expect(res.status).toBe(403);
      expect(await counts()).toEqual(before);
    });

    it('gives a filled honeypot the usual answer but stores and sends nothing', async () => {
      const transactional = api.app.get(JobQueue).queue(QueueName.transactional);
      const jobsBefore = await transactional.count();
      const before = await counts();
      const res = await postForm(
        `${api.baseUrl}/subscriptions`,
        {
          email: 'bot@example.com',
          newsletters: 'morning-briefing',
          consent: 'on',
          website: 'http://spam.example',
          formToken: await pageToken(),
        },
        { origin: api.baseUrl },
      );
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/check-your-inbox');
      expect(await counts()).toEqual(before);
      expect(await transactional.count()).toBe(jobsBefore);
    });

    it('accepts a publisher site posting with its own form (listed origin, no token)', async () => {
      const res = await postForm(
        `${api.baseUrl}/subscriptions`,
        {
          email: 'publisher.form@example.com',
          newsletters: 'morning-briefing',
          consent: 'on',
          source: 'article-footer',
        },
        { origin: PUBLISHER },
      );
      expect(res.status).toBe(303);
      const [event] = await db.query(
        `SELECT e.source FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = 'publisher.form@example.com'`,
      );
      expect(event.source).toBe('article-footer');
    });
  });

  describe('embeddable box and privacy notice', () => {
    it('serves a frameable sign-up box whose consent names the newsletter, recorded by its hash', async () => {
      const page = await fetch(`${api.baseUrl}/forms/morning-briefing?source=article-footer`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(new RegExp(`frame-ancestors 'self' ${PUBLISHER}`));
      const html = await page.text();
      expect(html).not.toContain('site-header');
      const text = consentText(['Morning <Briefing>']);
      expect(decodeEntities(html)).toContain(text.text);
      const res = await postForm(
        `${api.baseUrl}/subscriptions`,
        [
          ['email', 'embedded@example.com'],
          ['newsletters', field(html, 'newsletters')],
          ['embed', field(html, 'embed')],
          ['source', field(html, 'source')],
          ['consent', 'on'],
          ['formToken', field(html, 'formToken')],
        ],
        { origin: api.baseUrl },
      );
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/check-your-inbox?embed=1');
      const [event] = await db.query(
        `SELECT e.consent_version, e.consent_text_sha256, e.source FROM consent_events e
         JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = 'embedded@example.com'`,
      );
      expect(event).toEqual({
        consent_version: text.version,
        consent_text_sha256: text.sha256,
        source: 'article-footer',
      });
      expect((await fetch(`${api.baseUrl}/forms/retired`)).status).toBe(404);
      expect((await fetch(`${api.baseUrl}/forms/no-such-letter`)).status).toBe(404);
    });

    it('answers a browser on a path no route has with a page, and API clients with JSON', async () => {
      const asBrowser = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
      const asClient = { accept: 'application/json' };
      for (const [path, status, says] of [
        ['/no-such-page', 404, 'There is no page at this address.'],
        ['/forms/%ZZ', 400, 'This address is not valid.'],
      ] as const) {
        const page = await fetch(`${api.baseUrl}${path}`, { headers: asBrowser });
        expect(page.status).toBe(status);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(await page.text()).toContain(says);
        const json = await fetch(`${api.baseUrl}${path}`, { headers: asClient });
        expect(json.status).toBe(status);
        expect(await json.json()).toMatchObject({ statusCode: status });
      }
      // A route's own errors keep their shape: an operator route answers a browser with JSON.
      const admin = await fetch(`${api.baseUrl}/admin/newsletters`, { headers: asBrowser });
      expect(admin.status).toBe(401);
      expect(admin.headers.get('content-type')).toMatch(/json/);
    });

    it('shows the privacy notice with its version', async () => {
      const html = await (await fetch(`${api.baseUrl}/privacy`)).text();
      expect(html).toContain(`Version ${PRIVACY_NOTICE.version}`);
      expect(html).toContain('Sign-ups you do not confirm are deleted after 30 days.');
    });
  });

  describe('CORS for publishers’ sites', () => {
    it('lets a listed origin post JSON, answering the preflight', async () => {
      const preflight = await fetch(`${api.baseUrl}/subscriptions`, {
        method: 'OPTIONS',
        headers: {
          origin: PUBLISHER,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(PUBLISHER);
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
      const res = await postJson({ ...valid, email: 'cors@example.com' }, { origin: PUBLISHER });
      expect(res.status).toBe(202);
      expect(res.headers.get('access-control-allow-origin')).toBe(PUBLISHER);
    });

    it('refuses other origins: no CORS grant, and 403 for a post that gets through', async () => {
      const preflight = await fetch(`${api.baseUrl}/subscriptions`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const before = await counts();
      const res = await postJson({ ...valid, email: 'evil@example.com' }, { origin: 'https://evil.example' });
      await expectRefused(res, 403, 'origin');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await counts()).toEqual(before);
    });
  });

  describe('links: forged, expired, for another purpose', () => {
    let readerId: string;
    beforeAll(async () => {
      const [row] = await db.query(`INSERT INTO subscribers (email) VALUES ('linked@example.com') RETURNING id`);
      readerId = row.id;
      await db.query(`INSERT INTO subscriptions (subscriber_id, newsletter_id, status) VALUES ($1, $2, 'pending')`, [
        readerId,
        morning.id,
      ]);
    });
    const stateOf = async () =>
      (await db.query(`SELECT status FROM subscriptions WHERE subscriber_id = $1`, [readerId]))[0].status as string;

    it.each([
      ['garbage', () => 'garbage'],
      ['a forged signature', () => `${links.confirmUrl(readerId).split('token=')[1].split('.')[0]}.AAAA`],
      [
        'an unsubscribe token used to confirm',
        () => tokens.sign({ subscriberId: readerId, newsletterId: 'all', purpose: 'unsubscribe' }),
      ],
      [
        'an expired confirm token',
        () =>
          tokens.sign({
            subscriberId: readerId,
            newsletterId: 'all',
            purpose: 'confirm',
            issuedAt: Math.floor(Date.now() / 1000) - 8 * 86400,
          }),
      ],
      ['no token', () => ''],
    ])('answers %s with a 400 page on GET and POST /confirm, changing nothing', async (_what, token) => {
      const get = await fetch(`${api.baseUrl}/confirm?token=${encodeURIComponent(token())}`);
      expect(get.status).toBe(400);
      expect(await get.text()).toMatch(/This link does not work/);
      const post = await fetch(`${api.baseUrl}/confirm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: token() }),
      });
      expect(post.status).toBe(400);
      expect(await stateOf()).toBe('pending');
    });

    it('says so when a confirmation link has expired', async () => {
      const expired = tokens.sign({ subscriberId: readerId, newsletterId: 'all', purpose: 'confirm', issuedAt: 1 });
      expect(await (await fetch(`${api.baseUrl}/confirm?token=${encodeURIComponent(expired)}`)).text()).toMatch(
        /expired/,
      );
    });

    it('refuses forged unsubscribe and preferences links, one-click included', async () => {
      const forged = `${links.unsubscribeUrl(readerId, morning.id).split('token=')[1].slice(0, -4)}AAAA`;
      const oneClick = await fetch(`${api.baseUrl}/unsubscribe?token=${forged}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(oneClick.status).toBe(400);
      expect((await fetch(`${api.baseUrl}/unsubscribe?token=${forged}`)).status).toBe(400);
      expect((await fetch(`${api.baseUrl}/preferences?token=${forged}`)).status).toBe(400);
      expect((await fetch(`${api.baseUrl}/preferences`)).status).toBe(400);
      expect(await stateOf()).toBe('pending');
    });

    it('refuses page forms posted without their form token, changing nothing', async () => {
      const confirm = await postForm(`${api.baseUrl}/confirm`, {
        token: decodeURIComponent(links.confirmUrl(readerId).split('token=')[1]),
      });
      expect(confirm.status).toBe(400);
      expect(await confirm.text()).toMatch(/Confirm subscription/);
      const unsubscribe = await postForm(local(api, links.unsubscribeUrl(readerId, null)), { scope: 'all' });
      expect(unsubscribe.status).toBe(400);
      expect(await stateOf()).toBe('pending');
    });

    it('changes nothing on GET, whatever page a scanner fetches', async () => {
      const before = await counts();
      for (const link of [
        links.confirmUrl(readerId),
        links.unsubscribeUrl(readerId, morning.id),
        links.preferencesUrl(readerId),
      ]) {
        expect((await fetch(local(api, link))).status).toBe(200);
      }
      expect(await counts()).toEqual(before);
      expect(await stateOf()).toBe('pending');
    });
  });

  describe('admin newsletters', () => {
    const post = (body: unknown, headers = admin(env)) =>
      fetch(`${api.baseUrl}/admin/newsletters`, { method: 'POST', headers, body: JSON.stringify(body) });

    it('requires the admin token', async () => {
      expect((await post({ slug: 'x', name: 'X', topics: [] }, { 'content-type': 'application/json' })).status).toBe(
        401,
      );
      expect((await fetch(`${api.baseUrl}/admin/newsletters`)).status).toBe(401);
    });

    it('answers a duplicate slug with 409', async () => {
      await expectRefused(await post({ slug: 'morning-briefing', name: 'Again', topics: [] }), 409, 'slug');
    });

    it.each([
      [{ slug: 'Bad Slug', name: 'X', topics: [] }, 'slug'],
      [{ slug: 'x1', name: '', topics: [] }, 'name'],
      [{ slug: 'x2', name: 'X', topics: 'news' }, 'topics'],
      [{ slug: 'x3', name: 'X', topics: [], schedule: 'every morning' }, 'schedule'],
      [{ slug: 'x4', name: 'X', topics: [], schedule: '0 7 * *' }, 'schedule'],
      [{ slug: 'x5', name: 'X', topics: [], timezone: 'Mars/Olympus' }, 'timezone'],
      [{ slug: 'x6', name: 'X', topics: [], maxArticles: 0 }, 'maxArticles'],
    ])('refuses %j naming the field', async (body, fieldName) => {
      await expectRefused(await post(body), 400, fieldName);
      expect(await db.query(`SELECT 1 FROM newsletters WHERE slug = $1`, [body.slug])).toEqual([]);
    });

    it('lists and patches, 404 for an unknown slug', async () => {
      const list = await (await fetch(`${api.baseUrl}/admin/newsletters`, { headers: admin(env) })).json();
      expect(list.map((n: { slug: string }) => n.slug)).toEqual(['morning-briefing', 'retired']);
      const patch = await fetch(`${api.baseUrl}/admin/newsletters/nope`, {
        method: 'PATCH',
        headers: admin(env),
        body: JSON.stringify({ name: 'Nope' }),
      });
      expect(patch.status).toBe(404);
      const bad = await fetch(`${api.baseUrl}/admin/newsletters/morning-briefing`, {
        method: 'PATCH',
        headers: admin(env),
        body: JSON.stringify({ timezone: 'Nowhere/Land' }),
      });
      await expectRefused(bad, 400, 'timezone');
    });
  });

  /** A confirm page's form (its token is for the "confirm" form, not for sign-ups). */
  async function confirmPageFor(email: string): Promise<string> {
    const [row] = await db.query(`INSERT INTO subscribers (email) VALUES ($1) RETURNING id`, [email]);
    await db.query(`INSERT INTO subscriptions (subscriber_id, newsletter_id, status) VALUES ($1, $2, 'pending')`, [
      row.id,
      morning.id,
    ]);
    return (await fetch(local(api, links.confirmUrl(row.id)))).text();
  }
});
