import { DataSource } from 'typeorm';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';

/** The parts of the API's JSON answers these tests read. */
interface Answer {
  articles: Array<{ id: string; url: string; title: string; status: string }>;
  errors: Array<{ field: string; message: string }>;
  message: string;
  id: string;
  url: string;
  summary: string;
  topics: string[];
  publishedAt: string;
  related: Array<{ id: string; title: string; url: string; score: number }>;
}

describe('admin articles API (real PostgreSQL and Redis)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let ds: DataSource;

  // Distinct stories on one subject: related, but none a near-duplicate of another.
  const SENTENCES = [
    'Government bond yields climbed on Monday as traders scaled back their bets on interest rate cuts.',
    'The dollar rose against a basket of currencies and shares in banks gained.',
    'Investors are watching inflation data for clues about the path of interest rates.',
    'The central bank held rates steady but signalled that cuts could come later in the year.',
    'Stock markets in Europe closed lower, with property companies among the biggest fallers.',
    'Fund managers said valuations looked stretched after the recent rally in equities.',
    'Oil prices slipped as traders weighed weaker demand from China.',
    'Yields on ten-year government bonds rose eight basis points.',
  ];
  const article = (n: number, overrides: Record<string, unknown> = {}) => ({
    url: `https://news.example.com/markets/story-${n}`,
    title: `Markets: bond yields and rate cut bets, part ${n}`,
    body: [0, 1, 2].map((k) => `<p>${SENTENCES[(n + k * 3) % SENTENCES.length]}</p>`).join(''),
    topics: ['Markets'],
    publishedAt: '2025-03-03T10:00:00Z',
    ...overrides,
  });

  async function post(body: unknown, token: string | null = env.adminToken, contentType = 'application/json') {
    const res = await fetch(`${api.baseUrl}/admin/articles`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Answer };
  }

  async function get(path: string) {
    const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${env.adminToken}` } });
    return { status: res.status, json: (await res.json()) as Answer };
  }

  beforeAll(async () => {
    env = await createTestEnv('articles_api');
    api = await startApi();
    ds = api.app.get(DataSource);
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  it('refuses requests without the admin token', async () => {
    expect((await post(article(1), null)).status).toBe(401);
    expect((await post(article(1), 'wrong-token-0123456789')).status).toBe(401);
    const res = await fetch(`${api.baseUrl}/admin/articles/00000000-0000-4000-8000-000000000000`);
    expect(res.status).toBe(401);
    expect(await ds.query(`SELECT id FROM articles`)).toHaveLength(0);
  });

  it('creates an article (201), then a re-post with tracking parameters updates the same one (200)', async () => {
    const created = await post(article(1));
    expect(created.status).toBe(201);
    const [first] = created.json.articles;
    expect(first).toMatchObject({ url: 'https://news.example.com/markets/story-1', status: 'created' });
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);

    const updated = await post(
      article(1, {
        url: 'https://NEWS.example.com/markets/story-1/?utm_source=newsletter&utm_medium=email#comments',
        title: 'Bond yields climb further',
      }),
    );
    expect(updated.status).toBe(200);
    expect(updated.json.articles[0]).toMatchObject({
      id: first.id,
      status: 'updated',
      title: 'Bond yields climb further',
    });
    const rows = await ds.query(`SELECT id, title, topics FROM articles`);
    expect(rows).toEqual([{ id: first.id, title: 'Bond yields climb further', topics: ['markets'] }]);
  });

  it('ingests an array and serves each article with its summary and related articles, best first', async () => {
    const res = await post([article(2), article(3), article(4, { summary: 'Given standfirst, kept as written.' })]);
    expect(res.status).toBe(201);
    const ids = res.json.articles.map((a) => a.id);
    expect(ids).toHaveLength(3);

    const two = await get(`/admin/articles/${ids[0]}`);
    expect(two.status).toBe(200);
    expect(two.json).toMatchObject({
      id: ids[0],
      url: 'https://news.example.com/markets/story-2',
      topics: ['markets'],
      publishedAt: '2025-03-03T10:00:00.000Z',
    });
    expect(two.json.summary).toContain(SENTENCES[2]);
    expect(two.json.related.length).toBeGreaterThanOrEqual(3);
    for (const r of two.json.related) expect(Object.keys(r).sort()).toEqual(['id', 'score', 'title', 'url']);
    expect(two.json.related.map((r) => r.id)).not.toContain(ids[0]);
    const scores = two.json.related.map((r) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const four = await get(`/admin/articles/${ids[2]}`);
    expect(four.json.summary).toBe('Given standfirst, kept as written.');
  });

  it('answers 404 for an unknown id and 400 for an id that is not a UUID', async () => {
    expect((await get('/admin/articles/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const bad = await get('/admin/articles/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });

  it('answers 400 naming the fields, for one article and for items of an array, and stores nothing', async () => {
    const before = (await ds.query(`SELECT count(*)::int AS n FROM articles`))[0].n;
    const one = await post({ url: 'not a url', body: 'x', topics: 'markets', publishedAt: 'yesterday' });
    expect(one.status).toBe(400);
    expect(one.json.errors.map((e) => e.field).sort()).toEqual(
      expect.arrayContaining(['publishedAt', 'title', 'topics', 'url']),
    );

    const list = await post([
      article(10),
      article(11),
      article(12, { title: '' }),
      article(13, { imageUrl: 'javascript:x' }),
    ]);
    expect(list.status).toBe(400);
    const fields = list.json.errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['articles[2].title', 'articles[3].imageUrl']));
    expect(list.json.message).toContain('articles[2].title');

    expect((await post('"just a string"')).status).toBe(400);
    expect((await post('{"url": ')).status).toBe(400);
    expect((await ds.query(`SELECT count(*)::int AS n FROM articles`))[0].n).toBe(before);
  });

  it('refuses more than 1,000 articles and an oversized body with 413', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => article(1000 + i));
    const tooMany = await post(many);
    expect(tooMany.status).toBe(413);
    expect(tooMany.json.message).toMatch(/at most 1000 articles/);

    const huge = JSON.stringify(article(5000, { body: `<p>${'x'.repeat(26 * 1024 * 1024)}</p>` }));
    const tooBig = await post(huge);
    expect(tooBig.status).toBe(413);
  });

  it('sanitises article HTML before storing it', async () => {
    const res = await post(
      article(20, {
        body:
          '<p onclick="steal()">Markets rallied <script>alert(document.cookie)</script>after the data.</p>' +
          '<img src="https://cdn.example.com/chart.png" onerror="alert(1)" alt="Chart">' +
          '<p><a href="javascript:alert(1)">bad link</a> and <a href="/markets/story-2">a relative one</a></p>' +
          '<style>body{display:none}</style><iframe src="https://evil.example"></iframe>',
      }),
    );
    expect(res.status).toBe(201);
    const [{ body, body_text }] = await ds.query(`SELECT body, body_text FROM articles WHERE id = $1`, [
      res.json.articles[0].id,
    ]);
    expect(body).not.toMatch(/<script|onclick|onerror|javascript:|<style|<iframe|alert/i);
    expect(body).toContain('<img src="https://cdn.example.com/chart.png" alt="Chart" />');
    expect(body).toContain('<a href="https://news.example.com/markets/story-2">a relative one</a>');
    expect(body_text).toContain('Markets rallied after the data.');
  });
});
