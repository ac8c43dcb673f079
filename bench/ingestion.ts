/**
 * Article ingestion benchmark (standalone):
 *
 *   npx ts-node --transpile-only -r tsconfig-paths/register bench/ingestion.ts [--size 50000] [--bulk 1000] [--quick|--full]
 *
 * Creates a private database, seeds an archive of N synthetic but varied
 * articles through ArticlesService's bulk path (indexed, related lists not
 * computed), then measures, through the real ingest():
 *   - one article into the archive (summary, sanitising, index, related list
 *     and displaced lists): median of several runs;
 *   - a bulk import (one ingest() call with related lists): articles/second.
 * Prints progress on stderr and one JSON object on the last stdout line; drops
 * its database whatever happens.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ArticleInput, ArticlesModule, ArticlesService } from '@app/articles';
import { ConfigModule } from '@app/config';
import { DatabaseModule, dropDatabase, migrate } from '@app/database';
import { QueuesModule } from '@app/queues';

const PG_BASE = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

@Module({ imports: [ConfigModule.forRoot(), DatabaseModule, QueuesModule.forRoot('producer'), ArticlesModule] })
class IngestionBenchModule {}

interface Options {
  size: number;
  bulk: number;
  singles: number;
}

function options(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const quick = argv.includes('--quick');
  const size = value('--size') ?? (quick ? 3_000 : 50_000);
  return { size, bulk: value('--bulk') ?? (quick ? 100 : 1_000), singles: value('--singles') ?? 15 };
}

const log = (msg: string) => process.stderr.write(`[ingestion] ${msg}\n`);

// ---- synthetic archive: topic vocabularies, a Zipf-distributed general vocabulary, rare names ----

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES =
  'ka ve lo mir tan sel dor pra qui zen bal cor fen gil hut jas lem nor pol ruk sav tev ulm wex yor'.split(' ');
const FUNCTION_WORDS =
  'the of and to in a for on that with as by at from is was said has will its it their after'.split(' ');

function makeWord(rand: () => number, syllables: number): string {
  let w = '';
  for (let i = 0; i < syllables; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
  return w;
}

class Corpus {
  private readonly rand = prng(20250301);
  readonly topics: Array<{ name: string; words: string[] }>;
  private readonly general: string[];
  private readonly names: string[];
  private readonly zipf: number[];

  constructor(topicCount = 40) {
    const vocabulary = (n: number, syllables: number) => {
      const set = new Set<string>();
      while (set.size < n) set.add(makeWord(this.rand, syllables + Math.floor(this.rand() * 2)));
      return [...set];
    };
    this.general = vocabulary(4000, 2);
    this.names = vocabulary(30000, 3).map((w) => w[0].toUpperCase() + w.slice(1));
    this.topics = Array.from({ length: topicCount }, (_, i) => ({ name: `topic-${i}`, words: vocabulary(200, 3) }));
    // Cumulative Zipf weights over the general vocabulary.
    let total = 0;
    this.zipf = this.general.map((_, i) => (total += 1 / (i + 1)));
  }

  private generalWord(): string {
    const x = this.rand() * this.zipf[this.zipf.length - 1];
    let lo = 0;
    let hi = this.zipf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.zipf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return this.general[lo];
  }

  private pick<T>(list: T[]): T {
    return list[Math.floor(this.rand() * list.length)];
  }

  private sentence(topic: string[], names: string[]): string {
    const length = 12 + Math.floor(this.rand() * 14);
    const words: string[] = [];
    for (let i = 0; i < length; i++) {
      const r = this.rand();
      words.push(
        r < 0.3
          ? this.pick(FUNCTION_WORDS)
          : r < 0.55
            ? this.pick(topic)
            : r < 0.6
              ? this.pick(names)
              : this.generalWord(),
      );
    }
    const text = words.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  }

  article(n: number, withSummary: boolean): ArticleInput {
    const topic = this.pick(this.topics);
    const second = this.rand() < 0.3 ? this.pick(this.topics) : null;
    const names = Array.from({ length: 4 }, () => this.pick(this.names));
    const words = second ? [...topic.words, ...second.words.slice(0, 60)] : topic.words;
    const paragraphs = Array.from({ length: 5 + Math.floor(this.rand() * 6) }, () =>
      Array.from({ length: 2 + Math.floor(this.rand() * 2) }, () => this.sentence(words, names)).join(' '),
    );
    const title = Array.from({ length: 8 }, (_, i) => (i % 2 ? this.pick(topic.words) : this.generalWord())).join(' ');
    const publishedAt = new Date(Date.UTC(2024, 0, 1) + Math.floor(this.rand() * 730 * 86_400_000));
    return {
      url: `https://news.example.com/${topic.name}/${n}-${randomBytes(3).toString('hex')}`,
      title: `${title[0].toUpperCase()}${title.slice(1)} ${names[0]}`,
      body: paragraphs.join('\n\n'),
      summary: withSummary ? paragraphs[0].split('. ')[0] : undefined,
      topics: second ? [topic.name, second.name] : [topic.name],
      publishedAt: publishedAt.toISOString(),
    };
  }
}

// ---- measurement ----

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const id = randomBytes(4).toString('hex');
  const databaseUrl = `${PG_BASE}/dispatch_bench_ingestion_${id}`;
  Object.assign(process.env, {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: `dispatch-bench-ingestion-${id}`,
    APP_SECRET: 'bench-app-secret-0123456789abcdef',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    LOG_LEVEL: 'warn',
  });
  let app: INestApplicationContext | undefined;
  try {
    await migrate(databaseUrl);
    app = await NestFactory.createApplicationContext(IngestionBenchModule, { logger: ['error', 'warn'] });
    const articles = app.get(ArticlesService);
    const ds = app.get(DataSource);
    const corpus = new Corpus();
    let serial = 0;

    log(`seeding ${opts.size} articles`);
    const seedStart = performance.now();
    const SEED_BATCH = 1000;
    for (let done = 0; done < opts.size; done += SEED_BATCH) {
      const batch = Array.from({ length: Math.min(SEED_BATCH, opts.size - done) }, () =>
        corpus.article(serial++, true),
      );
      await articles.ingest(batch, { relate: false });
      if ((done / SEED_BATCH) % 10 === 0) log(`  ${done + batch.length}/${opts.size}`);
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    // As autovacuum would in a running system: statistics and visibility map for index-only scans.
    await ds.query('VACUUM ANALYZE articles, article_terms, article_term_stats, article_index, related_articles');
    const [{ postings }] = await ds.query(`SELECT count(*)::int AS postings FROM article_terms`);
    log(`seeded in ${round(seedSeconds)} s (${postings} postings)`);

    // Warm-up (connections, plans), not measured.
    for (let i = 0; i < 3; i++) await articles.ingest([corpus.article(serial++, false)]);
    const times: number[] = [];
    let relatedFound = 0;
    for (let i = 0; i < opts.singles; i++) {
      const input = corpus.article(serial++, false);
      const t0 = performance.now();
      const [result] = await articles.ingest([input]);
      times.push(performance.now() - t0);
      const list = (await articles.relatedFor([result.id], 5)).get(result.id) ?? [];
      relatedFound += list.length;
    }
    times.sort((a, b) => a - b);
    log(`one article: median ${round(times[times.length >> 1])} ms, max ${round(times[times.length - 1])} ms`);

    const bulk = Array.from({ length: opts.bulk }, () => corpus.article(serial++, false));
    const bulkStart = performance.now();
    await articles.ingest(bulk);
    const bulkSeconds = (performance.now() - bulkStart) / 1000;
    log(`bulk import of ${opts.bulk}: ${round(bulkSeconds)} s`);

    const result = {
      archiveSize: opts.size,
      oneArticleMs: round(times[times.length >> 1]),
      oneArticleP90Ms: round(percentile(times, 0.9)),
      oneArticleMinMs: round(times[0]),
      oneArticleMaxMs: round(times[times.length - 1]),
      oneArticleRuns: times.length,
      meanRelatedPerArticle: round(relatedFound / opts.singles),
      bulkArticles: opts.bulk,
      bulkSeconds: round(bulkSeconds, 2),
      bulkArticlesPerSecond: round(opts.bulk / bulkSeconds),
      seedArticlesPerSecond: round(opts.size / seedSeconds),
      seedSeconds: round(seedSeconds),
      postings,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await app?.close().catch(() => undefined);
    await dropDatabase(databaseUrl).catch((err: Error) => log(`could not drop ${databaseUrl}: ${err.message}`));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[ingestion] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
