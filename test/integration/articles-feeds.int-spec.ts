import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FeedScheduler, FeedsService } from '@app/articles';
import { JobQueue, QueueName } from '@app/queues';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { startWorker } from '../helpers/worker-app';
import { atomFeed, FeedServer, MALFORMED_XML, rssFeed, startFeedServer } from '../fixtures/feeds';

const RSS_ITEMS = [
  { slug: 'ceasefire-talks-resume', title: 'Ceasefire talks resume in Vienna', category: 'Diplomacy', day: 1 },
  { slug: 'sanctions-package-agreed', title: 'Sanctions package agreed', category: 'Sanctions', day: 2 },
  { slug: 'envoy-visits-capital', title: 'Envoy visits the capital', category: 'Diplomacy', day: 3 },
];

/** A feed as GET /admin/feeds and POST /admin/feeds answer it (plus error answers). */
interface FeedJson {
  id: string;
  url: string;
  intervalMinutes: number;
  lastPolledAt: string | null;
  lastError: string | null;
  errors: Array<{ field: string; message: string }>;
}

describe('feeds: registration, polling by the worker, conditional GET, broken feeds', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let server: FeedServer;
  let ds: DataSource;
  const feedIds: Record<string, string> = {};

  async function addFeed(body: unknown, token: string | null = env.adminToken) {
    const res = await fetch(`${api.baseUrl}/admin/feeds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as FeedJson };
  }

  async function listFeeds(): Promise<FeedJson[]> {
    const res = await fetch(`${api.baseUrl}/admin/feeds`, { headers: { authorization: `Bearer ${env.adminToken}` } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { feeds: FeedJson[] }).feeds;
  }

  const feedOf = async (name: string) => (await listFeeds()).find((f) => f.id === feedIds[name])!;

  beforeAll(async () => {
    server = await startFeedServer();
    server.set('/rss.xml', { body: rssFeed(RSS_ITEMS), etag: '"rss-v1"' });
    server.set('/atom.xml', { body: atomFeed(), lastModified: 'Mon, 03 Mar 2025 10:00:00 GMT' });
    server.set('/broken.xml', { body: MALFORMED_XML });
    env = await createTestEnv('articles_feeds', { FEED_TIMEOUT_MS: '800' });
    api = await startApi();
    worker = await startWorker();
    ds = api.app.get(DataSource);
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await server?.close();
    await env?.cleanup();
  });

  it('registers feeds (201), answers 200 with the existing feed for a duplicate, validates the URL', async () => {
    for (const [name, path, topics] of [
      ['rss', '/rss.xml', ['World']],
      ['atom', '/atom.xml', ['markets']],
      ['broken', '/broken.xml', []],
      ['slow', '/slow.xml', []],
    ] as const) {
      const res = await addFeed({ url: `${server.baseUrl}${path}`, topics });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ url: `${server.baseUrl}${path}`, intervalMinutes: 10, lastError: null });
      feedIds[name] = res.json.id;
    }
    const again = await addFeed({ url: `${server.baseUrl}/rss.xml#latest` });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(feedIds.rss);

    const bad = await addFeed({ url: 'ftp://example.com/feed.xml', topics: 'world' });
    expect(bad.status).toBe(400);
    expect(new Set(bad.json.errors.map((e) => e.field))).toEqual(new Set(['topics', 'url']));
    expect((await addFeed({ url: `${server.baseUrl}/other.xml` }, null)).status).toBe(401);
    expect(await listFeeds()).toHaveLength(4);
  });

  it('gives each feed its own job scheduler, every 10 minutes', async () => {
    const queue = worker.get(JobQueue).queue(QueueName.feeds);
    for (const id of Object.values(feedIds)) {
      const scheduler = await queue.getJobScheduler(FeedScheduler.schedulerId(id));
      expect(scheduler).toMatchObject({ every: 600_000, name: 'poll-feed' });
    }
  });

  it('the worker polls every feed: good ones are ingested, broken and slow ones record their error', async () => {
    await waitFor(
      async () => (await ds.query(`SELECT count(*)::int AS n FROM articles`))[0].n === 5,
      20_000,
      '5 articles',
    );
    const rows = await ds.query(`SELECT url, title, summary, topics, author, body FROM articles ORDER BY url`);
    const ceasefire = rows.find((r: { url: string }) => r.url.endsWith('/world/ceasefire-talks-resume'));
    // Canonical URL (tracking parameter dropped), feed topics + item categories, standfirst from the description.
    expect(ceasefire).toMatchObject({
      url: 'https://news.example.com/world/ceasefire-talks-resume',
      topics: ['world', 'diplomacy'],
      summary: 'Ceasefire talks resume in Vienna: the short version.',
      author: 'Anna Weiss',
    });
    expect(ceasefire.body).not.toMatch(/script|alert/);
    const bonds = rows.find((r: { url: string }) => r.url.endsWith('/markets/bond-yields-climb'));
    expect(bonds.topics).toEqual(['markets', 'bonds']);
    expect(bonds.summary).toContain('Government bond yields climbed on Monday');

    await waitFor(async () => (await feedOf('broken')).lastError, 20_000, 'broken feed error');
    await waitFor(async () => (await feedOf('slow')).lastError, 20_000, 'slow feed error');
    expect((await feedOf('broken')).lastError).toMatch(/malformed feed/);
    expect((await feedOf('slow')).lastError).toMatch(/timed out after 800 ms/);
    for (const name of ['rss', 'atom']) {
      const feed = await feedOf(name);
      expect(feed.lastError).toBeNull();
      expect(new Date(feed.lastPolledAt!).getTime()).toBeGreaterThan(0);
    }
  });

  it('polls again with If-None-Match / If-Modified-Since and does nothing on 304', async () => {
    const feeds = worker.get(FeedsService);
    server.requests.length = 0;
    expect(await feeds.poll(feedIds.rss)).toEqual({ status: 'not-modified' });
    expect(await feeds.poll(feedIds.atom)).toEqual({ status: 'not-modified' });
    const [rss, atom] = server.requests;
    expect(rss.headers['if-none-match']).toBe('"rss-v1"');
    expect(atom.headers['if-modified-since']).toBe('Mon, 03 Mar 2025 10:00:00 GMT');
    expect((await ds.query(`SELECT count(*)::int AS n FROM articles`))[0].n).toBe(5);
  });

  it('ingests only the new items when the feed changes, while a broken feed keeps failing', async () => {
    const feeds = worker.get(FeedsService);
    server.set('/rss.xml', {
      body: rssFeed([
        ...RSS_ITEMS,
        { slug: 'summit-ends', title: 'Summit ends without statement', category: 'Summits', day: 4 },
      ]),
      etag: '"rss-v2"',
    });
    expect(await feeds.poll(feedIds.rss)).toEqual({ status: 'polled', items: 4, ingested: 1, skipped: 0 });
    expect(await feeds.poll(feedIds.broken)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/malformed/),
    });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM articles WHERE url LIKE '%/world/%'`);
    expect(n).toBe(4);
  });

  it('re-installs lost schedulers and removes orphans when a worker starts', async () => {
    const queue = worker.get(JobQueue).queue(QueueName.feeds);
    await queue.removeJobScheduler(FeedScheduler.schedulerId(feedIds.atom));
    const orphan = FeedScheduler.schedulerId('00000000-0000-4000-8000-000000000000');
    await queue.upsertJobScheduler(orphan, { every: 600_000 }, { name: 'poll-feed', data: { feedId: 'gone' } });
    await worker.close();
    worker = await startWorker();
    const fresh = worker.get(JobQueue).queue(QueueName.feeds);
    expect(await fresh.getJobScheduler(FeedScheduler.schedulerId(feedIds.atom))).toMatchObject({ every: 600_000 });
    expect(await fresh.getJobScheduler(orphan)).toBeUndefined();
  });
});
