import { adminRequest } from './apps';
import { log } from './log';
import { PrivateEnv } from './private-env';

export const BENCH_NEWSLETTER = 'bench-daily';
const TOPICS = ['world', 'politics', 'science', 'business', 'climate'];
const WORDS = (
  'election parliament budget climate ocean energy vaccine research market inflation bank trade ' +
  'court minister protest storm drought harvest satellite launch telescope festival museum river ' +
  'transport housing school hospital police football league summit treaty refugees border tariff'
).split(' ');

/** Newsletters (one to send, two the readers do not receive, to recommend) and N confirmed readers, by SQL. */
export async function seedReaders(penv: PrivateEnv, readers: number): Promise<void> {
  const t0 = Date.now();
  await penv.query(
    `INSERT INTO newsletters (slug, name, description, topics, max_articles) VALUES
       ($1, 'Bench Daily', 'The day''s news, every morning', $2, 20),
       ('bench-science', 'Bench Science', 'Discoveries of the week', '{science}', 10),
       ('bench-business', 'Bench Business', 'Markets and money', '{business}', 10)`,
    [BENCH_NEWSLETTER, TOPICS],
  );
  await penv.query(
    `INSERT INTO subscribers (email, name, created_at)
     SELECT 'reader' || g || '@bench.test', 'Reader ' || g, now() - interval '30 days'
     FROM generate_series(1, $1::int) g`,
    [readers],
  );
  await penv.query(
    `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at, created_at)
     SELECT s.id, n.id, 'active', now() - interval '29 days', now() - interval '30 days'
     FROM subscribers s CROSS JOIN newsletters n WHERE n.slug = $1`,
    [BENCH_NEWSLETTER],
  );
  await penv.query('ANALYZE');
  log(`seeded ${readers.toLocaleString('en-GB')} confirmed readers in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

export interface BenchArticle {
  url: string;
  title: string;
  body: string;
  summary?: string;
  topics: string[];
  section: string;
  author: string;
  publishedAt: string;
}

/** Deterministic article text: a few paragraphs drawn from a small vocabulary, so related reads exist. */
export function makeArticle(i: number, publishedAt: Date, tag = 'a'): BenchArticle {
  const pick = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
  const topic = TOPICS[i % TOPICS.length];
  const paragraphs = Array.from({ length: 6 }, (_, p) =>
    Array.from({ length: 60 }, (_, w) => (w % 9 === 0 ? pick(p + w) : WORDS[(i + p * 3 + w * 5) % WORDS.length])).join(
      ' ',
    ),
  );
  return {
    url: `https://news.bench.test/${tag}/${i}`,
    title: `${pick(1)[0].toUpperCase()}${pick(1).slice(1)} and ${pick(2)}: report ${tag}${i}`,
    body: paragraphs.map((p) => `<p>${p}.</p>`).join('\n'),
    topics: [topic, TOPICS[(i + 1) % TOPICS.length]],
    section: topic,
    author: `Correspondent ${i % 17}`,
    publishedAt: publishedAt.toISOString(),
  };
}

/**
 * 20 fresh articles (the content) and an older archive for related reads, through the
 * real admin API so summaries and the related index are built as in production. While the
 * articles API is not there (404), the same articles go in by SQL with a related index of
 * three reads per article, so the digest has the same shape; the result says which was used.
 */
export async function seedArticles(
  api: { baseUrl: string },
  penv: PrivateEnv,
  fresh = 20,
  archive = 100,
): Promise<'api' | 'sql'> {
  const t0 = Date.now();
  const now = Date.now();
  const older = Array.from({ length: archive }, (_, i) =>
    makeArticle(i, new Date(now - (3 + i) * 3600_000 * 24), 'archive'),
  );
  const recent = Array.from({ length: fresh }, (_, i) => makeArticle(i, new Date(now - (i + 1) * 60_000), 'fresh'));
  let via: 'api' | 'sql' = 'api';
  for (const chunk of [older.slice(0, 50), older.slice(50), recent]) {
    if (!chunk.length) continue;
    const res = await adminRequest(api, 'POST', '/admin/articles', chunk);
    if (res.status === 404) {
      via = 'sql';
      break;
    }
    if (res.status !== 201 && res.status !== 200) {
      throw new Error(`POST /admin/articles answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
  }
  if (via === 'sql') await insertArticlesBySql(penv, [...older, ...recent]);
  log(`added ${fresh} fresh + ${archive} archive articles via ${via} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return via;
}

async function insertArticlesBySql(penv: PrivateEnv, articles: BenchArticle[]): Promise<void> {
  await penv.query(
    `INSERT INTO articles (url, title, body, body_text, summary, topics, section, author, published_at)
     SELECT a.url, a.title, a.body, a.body, left(regexp_replace(a.body, '<[^>]+>', '', 'g'), 280), a.topics,
            a.section, a.author, a."publishedAt"
       FROM json_to_recordset($1::json)
         AS a(url text, title text, body text, topics text[], section text, author text, "publishedAt" timestamptz)
     ON CONFLICT (url) DO NOTHING`,
    [JSON.stringify(articles)],
  );
  await penv.query(
    `INSERT INTO related_articles (article_id, related_id, score)
     SELECT a.id, r.id, 1.0 / (1 + abs(extract(epoch FROM a.published_at - r.published_at)) / 86400)
       FROM articles a
       CROSS JOIN LATERAL (SELECT id, published_at FROM articles r
                            WHERE r.id <> a.id AND r.topics && a.topics ORDER BY r.url LIMIT 3) r
     ON CONFLICT DO NOTHING`,
  );
}
