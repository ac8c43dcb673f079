/**
 * The worker's heaviest jobs, for deciding on a heap cap (standalone):
 *
 *   BENCH_WORKER_FLAGS="--max-semi-space-size=4 --max-old-space-size=192" \
 *     npx ts-node --transpile-only -r tsconfig-paths/register bench/heavy-jobs.ts [options]
 *
 * Runs the API and the real worker from dist/ (the worker with the node flags of
 * `npm run start:worker`, or BENCH_WORKER_FLAGS, plus --trace-gc to follow its heap) against
 * a private database and queue prefix, and drives the worker through the jobs that hold the
 * most in memory at once, each in a fresh worker process so that each peak is that job's own:
 *
 *   feed-10mb        a feed at the reader's 10 MB cap: ~1,000 items of ~10,000 characters of
 *                    HTML (half without a standfirst, so their summary is generated), polled
 *                    and ingested (sanitised, summarised, indexed, related) in one job
 *   feed-10mb-x4     four such feeds registered together: the feeds processor polls 4 at once
 *   feed-item-<n>k   a feed of one item whose body is n thousand characters with no standfirst:
 *                    the generated summary compares sentences pairwise (up to its first
 *                    MAX_RANKED_SENTENCES; all of them, quadratic, before that limit); the
 *                    largest body ingestion accepts is 2,000,000 characters
 *   digest           one issue build (and its send to a handful of readers): the most recent
 *                    CANDIDATE_LIMIT articles of the archive ranked, the most articles a
 *                    newsletter may have (MAX_ARTICLES_LIMIT) rendered, with long summaries
 *   digest-x<K>      K issue builds in one worker (K newsletters): what stays behind (issues
 *                    went through the renderer's 200-entry cache until MailRenderer.compileOnce)
 *
 * The archive (tens of thousands of articles, with a term index and related lists) is seeded
 * by SQL. Every job is checked in the database (articles stored, issue built and sent). A
 * worker that dies (out of memory) or a job that overruns --timeout is reported as such, its
 * stderr kept. Prints a table; the figures, the GC summary and any crash output go to
 * bench/results/heavy-jobs-<time>.json. Drops its database and keys whatever happens.
 *
 * Options: --archive=N (30000)  --only=feed,feeds4,long,digest,repeat  --long=200,400,800,1990
 * (thousands of characters)  --builds=200 (the compiled-mail cache's size)  --timeout=180 (seconds per job).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import stem from 'wink-porter2-stemmer';
import { CANDIDATE_LIMIT } from '@app/digests';
import { MAX_ARTICLES_LIMIT } from '@app/subscriptions';
import { adminRequest, ApiProcess, startApi, startWorker, WorkerProcess, workerNodeFlags } from './lib/apps';
import { ROOT, rssMb, stop } from './lib/children';
import { runBenchScript } from './lib/entry';
import { log } from './lib/log';
import { createPrivateEnv, PrivateEnv } from './lib/private-env';

/** As in libs/articles/src/feeds/feed-reader.ts: larger feeds are refused. */
const FEED_MAX_BYTES = 10 * 1024 * 1024;
/** As in libs/articles/src/ingest/article-input.ts: a longer body makes the item invalid (skipped). */
const BODY_MAX_CHARS = 2_000_000;
/** Recent on-topic articles in the archive: twice what the ranking considers. */
const RECENT_ARTICLES = 2 * CANDIDATE_LIMIT;
const READERS = 5;
const TERMS_PER_ARTICLE = 50;
const DIGEST_TOPICS = ['world', 'politics', 'science', 'business', 'climate'];
const DIGEST_SLUG = 'heavy-digest';

type JobGroup = 'feed' | 'feeds4' | 'long' | 'digest' | 'repeat';
const GROUPS: JobGroup[] = ['feed', 'feeds4', 'long', 'digest', 'repeat'];
/** Polls one worker runs at once (FeedsProcessor's concurrency, apps/worker/src/processors/feeds.processor.ts). */
const FEED_CONCURRENCY = 4;

interface Options {
  archive: number;
  groups: JobGroup[];
  longChars: number[];
  builds: number;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const list = (name: string) => value(name)?.split(',').filter(Boolean);
  const groups = (list('only') ?? GROUPS) as JobGroup[];
  for (const g of groups) if (!GROUPS.includes(g)) throw new Error(`--only: unknown "${g}" (${GROUPS.join(', ')})`);
  const longChars = (list('long') ?? ['200', '400', '800', '1990']).map((k) => Number(k) * 1000);
  for (const n of longChars) {
    if (!(n > 0 && n <= BODY_MAX_CHARS)) throw new Error(`--long: 1 to ${BODY_MAX_CHARS / 1000} thousand characters`);
  }
  return {
    archive: Number(value('archive') ?? 30_000),
    groups,
    longChars,
    builds: Number(value('builds') ?? 200),
    timeoutMs: Number(value('timeout') ?? 180) * 1000,
  };
}

// ---- synthetic prose: a seeded vocabulary, sentences a summariser takes as story ----

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

const SYLLABLES =
  'ar bel cor dan em fal gor hin is jor kel lun mar nor ol per quin ros sal tor ul ven wes yor zan'.split(' ');
const LINKING = 'the of and to in a for on that with as by at from was has said after'.split(' ');

class Prose {
  readonly vocabulary: string[];
  private readonly rand: () => number;

  constructor(seed: number) {
    this.rand = xorshift(seed);
    const words = new Set<string>();
    while (words.size < 4000) {
      const n = 2 + Math.floor(this.rand() * 2);
      words.add(Array.from({ length: n }, () => this.pick(SYLLABLES)).join(''));
    }
    this.vocabulary = [...words];
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rand() * list.length)];
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.rand() * (max - min + 1));
  }

  /** 9 to 24 words, capitalised, ending in a full stop; now and then typographic quotes (non-Latin-1, as in real copy). */
  sentence(): string {
    const words = Array.from({ length: this.int(9, 24) }, () =>
      this.rand() < 0.3 ? this.pick(LINKING) : this.pick(this.vocabulary),
    );
    const r = this.rand();
    if (r < 0.1) words[3] = `\u201c${words[3]}\u201d`;
    else if (r < 0.2) words[2] = `${words[2]}\u2019s`;
    else if (r < 0.25) words[5] = `\u2014 ${words[5]}`;
    const text = words.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  }

  paragraph(): string {
    return Array.from({ length: this.int(3, 6) }, () => this.sentence()).join(' ');
  }

  title(words: number): string {
    const text = Array.from({ length: words }, () => this.pick(this.vocabulary)).join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}`;
  }

  /** Plain paragraphs of about `chars` characters in all. */
  paragraphs(chars: number): string[] {
    const out: string[] = [];
    for (let length = 0; length < chars;) {
      const p = this.paragraph();
      out.push(p);
      length += p.length + 2;
    }
    return out;
  }

  /**
   * Article HTML of at most `chars` characters, with what a publisher's CMS puts around the
   * story (links, relative ones too, images, subheads, an ad slot with a script) for the
   * sanitiser to work on.
   */
  html(chars: number, n: number): string {
    const parts: string[] = [];
    let length = 0;
    for (let i = 0; ; i++) {
      let block = `<p>${this.paragraph()}</p>`;
      if (i % 4 === 1)
        block = `<p>${this.sentence()} <a href="/story/${n}-${i}">${this.title(3)}</a>. ${this.paragraph()}</p>`;
      else if (i % 9 === 4)
        block = `<h2>${this.title(5)}</h2>\n<p><strong>${this.sentence()}</strong> ${this.paragraph()}</p>`;
      else if (i % 11 === 6) block = `<img src="https://img.heavy.test/${n}/${i}.jpg" alt="${this.title(4)}">`;
      else if (i % 13 === 8)
        block = `<div class="ad"><script>track(${n}, ${i})</script><span>Advertisement</span></div>`;
      if (length + block.length + 1 > chars) break;
      parts.push(block);
      length += block.length + 1;
    }
    return parts.join('\n');
  }
}

// ---- feeds: generated RSS, served from a local publisher ----

interface FeedItem {
  url: string;
  title: string;
  html: string;
  standfirst?: string;
  categories: string[];
  author: string;
  publishedAt: Date;
}

interface GeneratedFeed {
  /** Where the local publisher serves it. */
  path: string;
  body: Buffer;
  items: number;
  urlPrefix: string;
  description: string;
}

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function rssItem(item: FeedItem): string {
  return [
    '<item>',
    `<title>${escapeXml(item.title)}</title>`,
    `<link>${escapeXml(item.url)}</link>`,
    `<guid isPermaLink="true">${escapeXml(item.url)}</guid>`,
    item.standfirst === undefined ? '' : `<description>${escapeXml(item.standfirst)}</description>`,
    `<content:encoded><![CDATA[${item.html}]]></content:encoded>`,
    ...item.categories.map((c) => `<category>${escapeXml(c)}</category>`),
    `<dc:creator>${escapeXml(item.author)}</dc:creator>`,
    `<pubDate>${item.publishedAt.toUTCString()}</pubDate>`,
    '</item>\n',
  ].join('\n');
}

const RSS_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"' +
  ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n<title>Heavy wire</title>\n' +
  '<link>https://wire.heavy.test/</link>\n<description>Everything, at length</description>\n';
const RSS_TAIL = '</channel>\n</rss>\n';

function wireItem(prose: Prose, tag: string, i: number, html: string, standfirst: boolean): FeedItem {
  return {
    url: `https://wire.heavy.test/${tag}/${i}`,
    title: prose.title(prose.int(8, 16)),
    html,
    standfirst: standfirst ? `${prose.sentence()} ${prose.sentence()}` : undefined,
    categories: [`wire-${i % 7}`, `desk-${i % 3}`],
    author: `Correspondent ${i % 23}`,
    publishedAt: new Date(Date.now() - i * 30_000),
  };
}

/** As many ~10,000-character items as fit under the reader's cap (with a little room to spare). */
function manyItemsFeed(prose: Prose, tag: string): GeneratedFeed {
  const limit = FEED_MAX_BYTES - 32 * 1024;
  const chunks = [RSS_HEAD];
  let bytes = Buffer.byteLength(RSS_HEAD) + Buffer.byteLength(RSS_TAIL);
  let items = 0;
  for (;;) {
    const xml = rssItem(wireItem(prose, tag, items, prose.html(prose.int(8_000, 12_000), items), items % 2 === 0));
    const size = Buffer.byteLength(xml);
    if (bytes + size > limit) break;
    chunks.push(xml);
    bytes += size;
    items++;
  }
  chunks.push(RSS_TAIL);
  const body = Buffer.from(chunks.join(''));
  return {
    path: `/${tag}.xml`,
    body,
    items,
    urlPrefix: `https://wire.heavy.test/${tag}/`,
    description: `${items} items, ${(body.length / 2 ** 20).toFixed(2)} MB`,
  };
}

/** One item whose body is `chars` characters of plain paragraphs, without a standfirst. */
function longItemFeed(prose: Prose, tag: string, chars: number): GeneratedFeed {
  const paragraphs: string[] = [];
  let length = 0;
  for (;;) {
    const p = `<p>${prose.paragraph()}</p>`;
    if (length + p.length + 1 > chars) break;
    paragraphs.push(p);
    length += p.length + 1;
  }
  const html = paragraphs.join('\n');
  const sentences = (html.match(/\.(?=\s|<)/g) ?? []).length;
  const body = Buffer.from(RSS_HEAD + rssItem(wireItem(prose, tag, 0, html, false)) + RSS_TAIL);
  return {
    path: `/${tag}.xml`,
    body,
    items: 1,
    urlPrefix: `https://wire.heavy.test/${tag}/`,
    description: `1 item, body ${html.length.toLocaleString('en-GB')} chars, ~${sentences.toLocaleString('en-GB')} sentences`,
  };
}

/** A publisher on 127.0.0.1 answering conditional GETs (a later scheduled poll gets a 304). */
class FeedServer {
  private readonly feeds = new Map<string, { body: Buffer; etag: string }>();
  private readonly server = createServer((req, res) => this.answer(req, res));
  private version = 0;

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  serve(path: string, body: Buffer): void {
    this.feeds.set(path, { body, etag: `"heavy-${++this.version}"` });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const feed = this.feeds.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!feed) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['if-none-match'] === feed.etag) {
      res.writeHead(304, { etag: feed.etag }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag: feed.etag }).end(feed.body);
  }
}

// ---- the archive, by SQL: articles, term index, related lists, newsletters, readers ----

interface ArchiveRow {
  url: string;
  title: string;
  body: string;
  bodyText: string;
  summary: string;
  topics: string[];
  publishedAt: string;
}

function archiveRow(prose: Prose, i: number, recent: boolean): ArchiveRow {
  // Recent ones (the issue's candidates) are long, with the longest summaries feeds give (2,000 characters).
  const paragraphs = prose.paragraphs(recent ? 20_000 : 2_500);
  let summary = prose.sentence();
  while (summary.length < (recent ? 1_900 : 250)) summary += ` ${prose.sentence()}`;
  const topic = DIGEST_TOPICS[i % DIGEST_TOPICS.length];
  const at = recent ? Date.now() - (i + 1) * 50_000 : Date.now() - 86_400_000 * 2 - i * 1_800_000;
  return {
    url: `https://archive.heavy.test/${recent ? 'recent' : 'a'}/${i}`,
    title: prose.title(recent ? prose.int(16, 22) : prose.int(7, 12)),
    body: paragraphs.map((p) => `<p>${p}</p>`).join('\n'),
    bodyText: paragraphs.join('\n\n'),
    summary: summary.slice(0, 2000),
    topics: i % 3 === 0 ? [topic, DIGEST_TOPICS[(i + 2) % DIGEST_TOPICS.length]] : [topic],
    publishedAt: new Date(at).toISOString(),
  };
}

async function insertArticles(penv: PrivateEnv, rows: ArchiveRow[]): Promise<void> {
  await penv.query(
    `INSERT INTO articles (url, title, body, body_text, summary, topics, section, author, published_at, content_hash)
     SELECT a.url, a.title, a.body, a."bodyText", a.summary, a.topics, a.topics[1], 'Archive desk', a."publishedAt",
            md5(a.url)
       FROM json_to_recordset($1::json)
         AS a(url text, title text, body text, "bodyText" text, summary text, topics text[], "publishedAt" timestamptz)`,
    [JSON.stringify(rows)],
  );
}

async function seed(penv: PrivateEnv, prose: Prose, opts: Options): Promise<void> {
  const t0 = Date.now();
  const size = Math.max(opts.archive, RECENT_ARTICLES);
  for (let done = 0; done < RECENT_ARTICLES; done += 100) {
    await insertArticles(
      penv,
      Array.from({ length: Math.min(100, RECENT_ARTICLES - done) }, (_, k) => archiveRow(prose, done + k, true)),
    );
  }
  const older = size - RECENT_ARTICLES;
  for (let done = 0; done < older; done += 1000) {
    await insertArticles(
      penv,
      Array.from({ length: Math.min(1000, older - done) }, (_, k) => archiveRow(prose, done + k, false)),
    );
  }
  log(`archive: ${size.toLocaleString('en-GB')} articles in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // Term index as ingestion leaves it, over the stems of the prose's own vocabulary, so that
  // feed items find candidates in it: TERMS_PER_ARTICLE distinct terms per article.
  let stems = [...new Set(prose.vocabulary.map((w) => stem(w)))].filter((s) => s.length > 1);
  if (stems.length % 61 === 0) stems = stems.slice(1);
  await penv.query(
    `WITH a AS (SELECT id, row_number() OVER (ORDER BY url) AS n FROM articles)
     INSERT INTO article_terms (article_id, term, tf, weight)
     SELECT a.id, ($1::text[])[(1 + (a.n * 37 + k * 61) % $2::int)::int], 1 + ln((1 + (a.n + k) % 3)::float8),
            1 / sqrt($3::float8)
       FROM a CROSS JOIN generate_series(1, $3::int) k`,
    [stems, stems.length, TERMS_PER_ARTICLE],
  );
  await penv.query(
    `INSERT INTO article_term_stats (term, df)
     SELECT term, count(*) FROM article_terms GROUP BY term
     UNION ALL SELECT '#documents', (SELECT count(*) FROM articles)`,
  );
  await penv.query(
    `INSERT INTO article_index (article_id, fingerprint, norm, norm_documents, indexed_at, related_at)
     SELECT id, md5(url), 8, (SELECT count(*) FROM articles), now(), now() FROM articles`,
  );
  // Ten related reads for each recent article (the leads' related reads come from these).
  await penv.query(
    `WITH a AS (SELECT id, row_number() OVER (ORDER BY url) AS n FROM articles)
     INSERT INTO related_articles (article_id, related_id, score)
     SELECT r.id, o.id, 0.9 - k * 0.05
       FROM a r CROSS JOIN generate_series(1, 10) k
       JOIN a o ON o.n = 1 + (r.n * 7 + k * 131) % $1
      WHERE r.id IN (SELECT id FROM articles WHERE url LIKE 'https://archive.heavy.test/recent/%') AND o.id <> r.id
     ON CONFLICT DO NOTHING`,
    [size],
  );

  const slugs = [DIGEST_SLUG, ...Array.from({ length: opts.builds }, (_, i) => `${DIGEST_SLUG}-r${i + 1}`)];
  await penv.query(
    `INSERT INTO newsletters (slug, name, description, topics, max_articles)
     SELECT s, 'Heavy ' || s, 'Everything, at length', $2::text[], $3::int FROM unnest($1::text[]) s`,
    [slugs, DIGEST_TOPICS, MAX_ARTICLES_LIMIT],
  );
  await penv.query(
    `INSERT INTO subscribers (email, name, created_at)
     SELECT 'reader' || g || '@heavy.test', 'Reader ' || g, now() - interval '30 days' FROM generate_series(1, $1::int) g`,
    [READERS],
  );
  await penv.query(
    `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at, created_at)
     SELECT s.id, n.id, 'active', now() - interval '29 days', now() - interval '30 days'
       FROM subscribers s CROSS JOIN newsletters n`,
  );
  await penv.query('VACUUM ANALYZE');
  const [{ terms }] = await penv.query<{ terms: number }>(`SELECT count(*)::int AS terms FROM article_terms`);
  log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s (${terms.toLocaleString('en-GB')} postings)`);
}

// ---- the worker under watch: GC trace, peak RSS, exit ----

/** One --trace-gc line: kind, heap used before (committed), used after (committed), MB. */
const GC_LINE =
  /: (Scavenge|Minor Mark-Sweep|Minor Mark-Compact|Mark-Compact|Mark-Sweep)\b[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;

class WorkerCrashed extends Error {}
class JobTimedOut extends Error {}

class WatchedWorker {
  peakHeapMb = 0;
  peakCommittedMb = 0;
  fullGcs = 0;
  /** Heap used after the latest full (mark-compact) GC: what was live then. */
  liveAfterFullGcMb: number | null = null;
  peakRssMb = 0;
  exit: { code: number | null; signal: string | null } | null = null;
  private partial = '';
  private readonly stderr: string[] = [];
  private readonly sampler: NodeJS.Timeout;

  constructor(readonly worker: WorkerProcess) {
    const proc = worker.child.proc;
    proc.stdout?.on('data', (chunk: Buffer) => {
      const lines = (this.partial + chunk.toString()).split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) this.parse(line);
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      this.stderr.push(...chunk.toString().split('\n'));
      if (this.stderr.length > 400) this.stderr.splice(0, this.stderr.length - 400);
    });
    proc.once('exit', (code, signal) => {
      this.sampleRss();
      this.exit = { code, signal };
    });
    this.sampler = setInterval(() => this.sampleRss(), 200);
  }

  get alive(): boolean {
    return this.exit === null && this.worker.child.proc.exitCode === null;
  }

  sampleRss(): void {
    const hwm = this.worker.peakRssMb();
    if (hwm !== undefined) this.peakRssMb = Math.max(this.peakRssMb, hwm);
  }

  /** The worker's stderr as it came (the V8 out-of-memory report among it). */
  stderrText(): string {
    return this.stderr.join('\n').trim();
  }

  async stop(quick: boolean): Promise<void> {
    this.sampleRss();
    clearInterval(this.sampler);
    // A worker stuck in a synchronous job cannot drain on SIGTERM: no point waiting 30 s then.
    if (quick) await stop(this.worker.child, 2000);
    else await this.worker.stop();
  }

  private parse(line: string): void {
    const m = GC_LINE.exec(line);
    if (!m) return;
    const [before, committedBefore, after, committedAfter] = m.slice(2).map(Number);
    this.peakHeapMb = Math.max(this.peakHeapMb, before);
    this.peakCommittedMb = Math.max(this.peakCommittedMb, committedBefore, committedAfter);
    if (m[1] === 'Mark-Compact' || m[1] === 'Mark-Sweep') {
      this.fullGcs++;
      this.liveAfterFullGcMb = after;
    }
  }
}

/** Polls `probe` until it returns a value; fails when the worker dies or the deadline passes. */
async function waitUntil<T>(
  watch: WatchedWorker,
  deadline: number,
  probe: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (!watch.alive) {
      const how = watch.exit?.signal ? `signal ${watch.exit.signal}` : `code ${watch.exit?.code}`;
      throw new WorkerCrashed(`worker exited (${how})`);
    }
    if (Date.now() > deadline) throw new JobTimedOut(`${what} not done within the timeout`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

// ---- jobs ----

interface JobOutcome {
  ok: boolean;
  /** From the trigger (the API call) to the job seen done in the database. */
  seconds: number;
  detail: string;
  series?: unknown;
}

interface JobResult extends JobOutcome {
  job: string;
  peakRssMb: number | null;
  peakHeapMb: number | null;
  peakCommittedMb: number | null;
  liveAfterFullGcMb: number | null;
  fullGcs: number;
  exit: WatchedWorker['exit'];
  crash?: string;
}

interface Context {
  opts: Options;
  penv: PrivateEnv;
  api: ApiProcess;
  server: FeedServer;
  serverUrl: string;
}

const secondsSince = (t0: number) => (performance.now() - t0) / 1000;

/**
 * One job in a fresh worker: `work` triggers it and waits for it in the database; `abandon`
 * makes sure a retry of an unfinished job (a crashed worker's) is harmless to later jobs.
 */
async function runJob(
  ctx: Context,
  job: string,
  work: (watch: WatchedWorker, deadline: number) => Promise<JobOutcome>,
  abandon: () => Promise<void>,
): Promise<JobResult> {
  const watch = new WatchedWorker(await startWorker(ctx.penv.env, undefined, ['--trace-gc']));
  log(`${job}: worker ${watch.worker.pid} started`);
  const t0 = performance.now();
  let outcome: JobOutcome;
  let quickStop = false;
  try {
    outcome = await work(watch, Date.now() + ctx.opts.timeoutMs);
  } catch (err) {
    quickStop = err instanceof JobTimedOut || err instanceof WorkerCrashed;
    outcome = { ok: false, seconds: secondsSince(t0), detail: (err as Error).message };
  }
  // Lets a dying worker's exit arrive before it is judged alive or not.
  await new Promise((r) => setTimeout(r, 300));
  const crashed = !watch.alive;
  await watch.stop(quickStop);
  await abandon();
  const result: JobResult = {
    job,
    ...outcome,
    peakRssMb: watch.peakRssMb || null,
    peakHeapMb: watch.peakHeapMb || null,
    peakCommittedMb: watch.peakCommittedMb || null,
    liveAfterFullGcMb: watch.liveAfterFullGcMb,
    fullGcs: watch.fullGcs,
    exit: crashed ? watch.exit : null,
    crash: crashed ? watch.stderrText() : undefined,
  };
  log(
    `${job}: ${result.ok ? 'ok' : 'FAILED'} in ${result.seconds.toFixed(1)} s, peak RSS ${result.peakRssMb?.toFixed(0)} MB,` +
      ` peak heap ${result.peakHeapMb?.toFixed(0)} MB — ${result.detail}`,
  );
  return result;
}

/** Registers the feeds one after the other and waits until the worker has polled them all. */
async function feedJob(ctx: Context, job: string, feeds: GeneratedFeed[]): Promise<JobResult> {
  for (const feed of feeds) {
    if (feed.body.length > FEED_MAX_BYTES) throw new Error(`${feed.path} is over the reader's cap`);
    ctx.server.serve(feed.path, feed.body);
  }
  const ids: string[] = [];
  const description = feeds.length === 1 ? feeds[0].description : `${feeds.length} feeds of ${feeds[0].description}`;
  log(`${job}: ${description}`);
  return runJob(
    ctx,
    job,
    async (watch, deadline) => {
      const t0 = performance.now();
      // Registered as an operator would: the scheduler runs the first poll right away.
      for (const feed of feeds) {
        const res = await adminRequest<{ id: string }>(ctx.api, 'POST', '/admin/feeds', {
          url: `${ctx.serverUrl}${feed.path}`,
          topics: ['wire'],
          intervalMinutes: 1440,
        });
        if (res.status !== 201)
          throw new Error(`POST /admin/feeds answered ${res.status}: ${JSON.stringify(res.body)}`);
        ids.push(res.body.id);
      }
      const polled = await waitUntil(
        watch,
        deadline,
        async () => {
          const rows = await ctx.penv.query<{ polled: boolean; error: string | null }>(
            `SELECT last_polled_at IS NOT NULL AS polled, last_error AS error FROM feeds WHERE id = ANY($1::uuid[])`,
            [ids],
          );
          return rows.length === ids.length && rows.every((r) => r.polled) ? rows : undefined;
        },
        'poll',
      );
      const seconds = secondsSince(t0);
      let stored = 0;
      for (const feed of feeds) {
        const [{ n }] = await ctx.penv.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM articles WHERE url LIKE $1`,
          [`${feed.urlPrefix}%`],
        );
        stored += n;
      }
      const expected = feeds.reduce((sum, f) => sum + f.items, 0);
      const errors = polled.filter((r) => r.error !== null).map((r) => r.error);
      return {
        ok: errors.length === 0 && stored === expected,
        seconds,
        detail: `${description}; ${stored}/${expected} stored${errors.length ? `; feed error: ${errors.join('; ')}` : ''}`,
      };
    },
    async () => {
      // A retried poll of a deleted feed is a no-op (and removes the feed's scheduler).
      if (ids.length) await ctx.penv.query(`DELETE FROM feeds WHERE id = ANY($1::uuid[])`, [ids]);
    },
  );
}

interface BuiltIssue {
  ok: boolean;
  buildSeconds: number;
  detail: string;
  htmlChars: number;
  textChars: number;
}

/** POST an issue, wait for the build, then for the send to the few readers; checks the rows. */
async function buildIssue(ctx: Context, watch: WatchedWorker, deadline: number, slug: string): Promise<BuiltIssue> {
  const t0 = performance.now();
  const res = await adminRequest<{ id: string }>(ctx.api, 'POST', `/admin/newsletters/${slug}/issues`, {});
  if (res.status !== 202) throw new Error(`POST issues answered ${res.status}: ${JSON.stringify(res.body)}`);
  const id = res.body.id;
  const status = async () =>
    (await ctx.penv.query<{ status: string }>(`SELECT status FROM issues WHERE id = $1`, [id]))[0]?.status;
  await waitUntil(watch, deadline, async () => ((await status()) !== 'building' ? true : undefined), 'build');
  const buildSeconds = secondsSince(t0);
  await waitUntil(watch, deadline, async () => ((await status()) !== 'sending' ? true : undefined), 'send');
  const [row] = await ctx.penv.query<{
    status: string;
    error: string | null;
    recipients: number;
    sent: number;
    html: number;
    text: number;
    articles: number;
  }>(
    `SELECT status, error, recipients, sent, coalesce(length(html), 0) AS html, coalesce(length(text), 0) AS text,
            (SELECT count(*)::int FROM issue_articles WHERE issue_id = i.id) AS articles
       FROM issues i WHERE id = $1`,
    [id],
  );
  const ok =
    row.status === 'sent' && row.articles === MAX_ARTICLES_LIMIT && row.recipients === READERS && row.sent === READERS;
  return {
    ok,
    buildSeconds,
    htmlChars: row.html,
    textChars: row.text,
    detail:
      `${row.status}: ${row.articles} articles, sent ${row.sent}/${row.recipients}, html ${kchars(row.html)}, ` +
      `text ${kchars(row.text)}${row.error ? `; error: ${row.error}` : ''}`,
  };
}

const kchars = (n: number) => `${(n / 1000).toFixed(0)}k chars`;

async function abandonBuilds(ctx: Context): Promise<void> {
  // A retried build of a failed issue returns at once.
  await ctx.penv.query(
    `UPDATE issues SET status = 'failed', error = 'abandoned by the bench', finished_at = now()
      WHERE status IN ('building', 'sending')`,
  );
}

async function digestJob(ctx: Context): Promise<JobResult> {
  return runJob(
    ctx,
    'digest',
    async (watch, deadline) => {
      const issue = await buildIssue(ctx, watch, deadline, DIGEST_SLUG);
      return { ok: issue.ok, seconds: issue.buildSeconds, detail: `${CANDIDATE_LIMIT} candidates; ${issue.detail}` };
    },
    () => abandonBuilds(ctx),
  );
}

async function repeatedDigestJob(ctx: Context): Promise<JobResult> {
  const builds = ctx.opts.builds;
  return runJob(
    ctx,
    `digest-x${builds}`,
    async (watch, deadline) => {
      const series: Array<{ build: number; seconds: number; rssMb: number; liveAfterFullGcMb: number | null }> = [];
      let ok = true;
      let last: BuiltIssue | undefined;
      for (let i = 1; i <= builds; i++) {
        try {
          last = await buildIssue(ctx, watch, deadline, `${DIGEST_SLUG}-r${i}`);
        } catch (err) {
          (err as Error).message = `build ${i} of ${builds}: ${(err as Error).message}`;
          throw err;
        }
        ok &&= last.ok;
        watch.sampleRss();
        series.push({
          build: i,
          seconds: Math.round(last.buildSeconds * 100) / 100,
          rssMb: Math.round(rssMb(watch.worker.pid) ?? NaN),
          liveAfterFullGcMb: watch.liveAfterFullGcMb,
        });
      }
      const total = series.reduce((s, b) => s + b.seconds, 0);
      const live = series.map((s) => s.liveAfterFullGcMb).filter((v): v is number => v !== null);
      return {
        ok,
        seconds: total,
        series,
        detail:
          `${builds} builds, ${(total / builds).toFixed(2)} s each; live heap after full GC ` +
          `${live.length ? `${live[0]} → ${live[live.length - 1]} MB` : 'n/a (no full GC)'}; RSS ` +
          `${series[0].rssMb} → ${series[series.length - 1].rssMb} MB; last: ${last?.detail}`,
      };
    },
    () => abandonBuilds(ctx),
  );
}

// ---- report ----

function heapLimitMb(flags: string[]): number | null {
  try {
    const out = execFileSync(process.execPath, [
      ...flags,
      '-e',
      'process.stdout.write(String(require("v8").getHeapStatistics().heap_size_limit))',
    ]);
    return Math.round(Number(out.toString()) / 2 ** 20);
  } catch {
    return null;
  }
}

function table(results: JobResult[]): string {
  const num = (n: number | null, digits = 0) => (n === null || Number.isNaN(n) ? '—' : n.toFixed(digits));
  const rows = [
    ['job', 'ok', 'seconds', 'peak RSS MB', 'peak heap MB', 'live after full GC MB', 'detail'],
    ...results.map((r) => [
      r.job,
      r.ok ? 'yes' : r.exit ? 'CRASH' : 'NO',
      num(r.seconds, 1),
      num(r.peakRssMb),
      num(r.peakHeapMb),
      num(r.liveAfterFullGcMb),
      r.detail,
    ]),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c])))
        .join(' | ')
        .trimEnd(),
    )
    .join('\n');
}

/** The V8 out-of-memory report (or whatever else the worker said last) of a crashed job. */
function crashExcerpt(stderr: string): string {
  const lines = stderr.split('\n');
  const start = lines.findIndex((l) => l.includes('<--- Last few GCs --->'));
  const end = lines.findIndex((l) => l.includes('----- Native stack trace -----'));
  if (start >= 0) return lines.slice(start, end > start ? end : start + 20).join('\n');
  return lines.slice(-25).join('\n');
}

// ---- main ----

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const flags = workerNodeFlags();
  const startedAt = new Date();
  log(`worker flags: ${flags.join(' ') || '(none)'} (V8 heap limit ${heapLimitMb(flags)} MB)`);
  const penv = await createPrivateEnv('heavy', { FEED_TIMEOUT_MS: '60000' });
  const server = new FeedServer();
  let api: ApiProcess | undefined;
  const results: JobResult[] = [];
  try {
    const serverUrl = await server.start();
    const prose = new Prose(20250611);
    await seed(penv, prose, opts);
    api = await startApi(penv.env);
    const ctx: Context = { opts, penv, api, server, serverUrl };
    const tag = penv.queuePrefix.slice(-8);
    if (opts.groups.includes('feed')) results.push(await feedJob(ctx, 'feed-10mb', [manyItemsFeed(prose, `${tag}-m`)]));
    if (opts.groups.includes('feeds4')) {
      const feeds = Array.from({ length: FEED_CONCURRENCY }, (_, i) => manyItemsFeed(prose, `${tag}-c${i}`));
      results.push(await feedJob(ctx, `feed-10mb-x${FEED_CONCURRENCY}`, feeds));
    }
    if (opts.groups.includes('long')) {
      for (const chars of opts.longChars) {
        const name = `feed-item-${Math.round(chars / 1000)}k`;
        results.push(await feedJob(ctx, name, [longItemFeed(prose, `${tag}-${chars}`, chars)]));
      }
    }
    if (opts.groups.includes('digest')) results.push(await digestJob(ctx));
    if (opts.groups.includes('repeat') && opts.builds > 0) results.push(await repeatedDigestJob(ctx));
  } finally {
    await api?.stop();
    await server.close();
    await penv.cleanup();
  }

  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    workerFlags: flags,
    heapLimitMb: heapLimitMb(flags),
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    options: opts,
    results,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `heavy-jobs-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);

  process.stdout.write(
    `\nHeavy worker jobs — worker flags: ${flags.join(' ') || '(none)'} (V8 heap limit ${report.heapLimitMb} MB)\n\n`,
  );
  process.stdout.write(`${table(results)}\n`);
  for (const r of results.filter((x) => x.crash !== undefined)) {
    process.stdout.write(
      `\n${r.job}: worker died (code ${r.exit?.code}, signal ${r.exit?.signal}); stderr:\n${crashExcerpt(r.crash ?? '')}\n`,
    );
  }
  process.stdout.write(`\nresults: ${file}\n`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}

runBenchScript('heavy-jobs', main);
