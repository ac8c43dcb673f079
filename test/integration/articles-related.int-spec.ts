import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { ArticleInput, ArticlesModule, ArticlesService } from '@app/articles';
import { ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueuesModule } from '@app/queues';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { FixtureArticle, fixtureArchive, TopicName } from '../fixtures/article-archive';

describe('related articles (real ingestion into a private database)', () => {
  let env: TestEnv;
  let app: INestApplicationContext;
  let articles: ArticlesService;
  let ds: DataSource;
  const archive = fixtureArchive();
  const idOf = new Map<string, string>();
  const topicOf = new Map<string, TopicName>();

  const input = (a: FixtureArticle, overrides: Partial<ArticleInput> = {}): ArticleInput => ({
    url: a.url,
    title: a.title,
    body: a.body,
    topics: a.topics,
    publishedAt: a.publishedAt,
    ...overrides,
  });

  async function related(id: string, limit = 10) {
    return (await articles.relatedFor([id], limit)).get(id)!;
  }

  beforeAll(async () => {
    env = await createTestEnv('articles_related');
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(), DatabaseModule, QueuesModule.forRoot('producer'), ArticlesModule],
    }).compile();
    app = await moduleRef.init();
    articles = app.get(ArticlesService);
    ds = app.get(DataSource);
    // Interleave topics, one article per call, as a newsroom publishes them; the last few arrive in one batch.
    const byTopic = ['foreign-policy', 'sport', 'markets', 'health'].map((t) => archive.filter((a) => a.topic === t));
    const order = byTopic[0].flatMap((_, i) => byTopic.map((list) => list[i]));
    const single = order.slice(0, order.length - 8);
    const batch = order.slice(order.length - 8);
    for (const a of single) {
      const [result] = await articles.ingest([input(a)]);
      idOf.set(a.url, result.id);
      topicOf.set(result.id, a.topic);
    }
    const results = await articles.ingest(batch.map((a) => input(a)));
    results.forEach((r, i) => {
      idOf.set(batch[i].url, r.id);
      topicOf.set(r.id, batch[i].topic);
    });
  });

  afterAll(async () => {
    await app?.close();
    await env?.cleanup();
  });

  it('indexed every article and counts them', async () => {
    const [{ n }] = await ds.query(`SELECT df AS n FROM article_term_stats WHERE term = '#documents'`);
    expect(n).toBe(archive.length);
    const [{ lists }] = await ds.query(`SELECT count(DISTINCT article_id)::int AS lists FROM related_articles`);
    expect(lists).toBe(archive.length);
  });

  it('gives every archived article related articles from its own topic only, never itself', async () => {
    for (const a of archive) {
      const id = idOf.get(a.url)!;
      const list = await related(id, 5);
      expect(list).toHaveLength(5);
      expect(list.map((r) => r.id)).not.toContain(id);
      expect(list.map((r) => topicOf.get(r.id))).toEqual(Array(5).fill(a.topic));
      const scores = list.map((r) => r.score);
      expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    }
  });

  it('relates a new untagged article by its text alone', async () => {
    const [result] = await articles.ingest([
      {
        url: 'https://news.example.com/markets/untagged-yields',
        title: 'Bond yields climb as traders price in fewer rate cuts',
        body:
          '<p>Government bond yields climbed on Thursday as traders scaled back bets on interest rate cuts by the central bank.</p>' +
          '<p>The benchmark index of equities slipped and the dollar edged higher against a basket of currencies.</p>' +
          '<p>Fund managers said investors were watching inflation data for clues about the path of interest rates.</p>',
        topics: [],
        publishedAt: '2025-03-10T09:00:00Z',
      },
    ]);
    const list = await related(result.id, 5);
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.every((r) => topicOf.get(r.id) === 'markets')).toBe(true);
  });

  it('never lists a re-posted near-duplicate, and marks it as a duplicate', async () => {
    const original = archive.find((a) => a.topic === 'health')!;
    const originalId = idOf.get(original.url)!;
    const [repost] = await articles.ingest([
      input(original, {
        url: 'https://syndication.example.org/health/repost-of-waiting-lists',
        title: `UPDATED: ${original.title}`,
        body: `${original.body}<p>This story has been updated with new figures.</p>`,
      }),
    ]);
    expect(repost.status).toBe('created');
    expect(repost.id).not.toBe(originalId);

    const repostList = await related(repost.id, 10);
    expect(repostList.map((r) => r.id)).not.toContain(originalId);
    expect(repostList.every((r) => topicOf.get(r.id) === 'health')).toBe(true);
    const [{ listed }] = await ds.query(`SELECT count(*)::int AS listed FROM related_articles WHERE related_id = $1`, [
      repost.id,
    ]);
    expect(listed).toBe(0);
    expect((await articles.findById(repost.id))!.duplicateOf).toBe(originalId);
  });

  it('updates the lists a new article displaces into', async () => {
    const target = archive.find((a) => a.title.startsWith('Goalkeeper saves two penalties'))!;
    const targetId = idOf.get(target.url)!;
    const before = await related(targetId, 10);
    expect(before).toHaveLength(10);
    const weakest = before[before.length - 1];

    const [followUp] = await articles.ingest([
      {
        url: 'https://news.example.com/sport/goalkeeper-shootout-hero-speaks',
        title: 'Shootout hero goalkeeper on the two penalties he saved in the cup quarter-final',
        body:
          '<p>The goalkeeper who saved two penalties in the cup quarter-final shootout said he had studied every penalty taker.</p>' +
          '<p>His side won the dramatic shootout after a goalless draw, and the goalkeeper was mobbed by supporters at the stadium.</p>',
        topics: ['sport'],
        publishedAt: target.publishedAt,
      },
    ]);
    const after = await related(targetId, 10);
    expect(after).toHaveLength(10);
    expect(after[0].id).toBe(followUp.id);
    expect(after.map((r) => r.id)).not.toContain(weakest.id);
  });

  it('updates an article re-posted under the same canonical URL instead of duplicating it', async () => {
    const a = archive.find((x) => x.topic === 'markets')!;
    const [again] = await articles.ingest([input(a, { url: `${a.url}/?utm_source=newsletter#top` })]);
    expect(again).toMatchObject({ id: idOf.get(a.url), status: 'updated', url: a.url });
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM articles WHERE url LIKE $1`, [`${a.url}%`]);
    expect(n).toBe(1);
    expect(await related(idOf.get(a.url)!, 5)).toHaveLength(5);
  });

  it('relatedFor leaves out the articles it was asked about', async () => {
    const ids = archive.filter((a) => a.topic === 'sport').map((a) => idOf.get(a.url)!);
    const lists = await articles.relatedFor(ids.slice(0, 3), 5);
    for (const list of lists.values()) {
      expect(list.map((r) => r.id).some((id) => ids.slice(0, 3).includes(id))).toBe(false);
    }
  });
});
