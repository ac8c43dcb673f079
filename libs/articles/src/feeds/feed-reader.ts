import { TextDecoder } from 'node:util';
import Parser from 'rss-parser';
import { htmlToPlainText, looksLikeHtml } from '../text/article-html';
import { isHttpUrl } from '../text/canonical-url';
import { normaliseTopics } from '../ingest/prepare-article';
import { ArticleInput, validateArticleInput } from '../ingest/article-input';

/** A failure worth recording against a feed; its message never contains the URL (it may carry a key). */
export class FeedError extends Error {}

export type FetchedFeed =
  { status: 'not-modified' } | { status: 'ok'; xml: string; etag: string | null; lastModified: string | null };

export interface FetchOptions {
  etag?: string | null;
  lastModified?: string | null;
  timeoutMs: number;
  /** Feeds larger than this are refused rather than buffered. */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
const USER_AGENT = 'Dispatch-FeedReader/1.0';

/** Conditional GET of a feed: 304 when the stored ETag / Last-Modified still hold. */
export async function fetchFeed(url: string, options: FetchOptions): Promise<FetchedFeed> {
  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1',
    'user-agent': USER_AGENT,
  };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (err) {
    throw new FeedError(describeFetchFailure(err, options.timeoutMs));
  }
  if (res.status === 304) {
    await res.body?.cancel();
    return { status: 'not-modified' };
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FeedError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const xml = await readCapped(res, options.maxBytes ?? DEFAULT_MAX_BYTES, options.timeoutMs);
  return { status: 'ok', xml, etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified') };
}

function describeFetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = e.cause?.code ?? e.cause?.message;
  return `request failed${cause ? `: ${cause}` : e.message ? `: ${e.message}` : ''}`;
}

async function readCapped(res: Response, maxBytes: number, timeoutMs: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new FeedError(`feed larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  try {
    for (let next = await reader?.read(); next && !next.done; next = await reader?.read()) {
      size += next.value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel();
        throw new FeedError(`feed larger than ${maxBytes} bytes`);
      }
      chunks.push(next.value);
    }
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError(describeFetchFailure(err, timeoutMs));
  }
  const charset = /charset=([^;]+)/i.exec(res.headers.get('content-type') ?? '')?.[1]?.trim() ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8');
  }
  return decoder.decode(Buffer.concat(chunks));
}

type CategoryElement = string | { _?: string; $?: { term?: string; label?: string } };
type FeedItem = Parser.Item & {
  'content:encoded'?: string;
  summary?: string;
  author?: string;
  categoryElements?: CategoryElement[];
};

const parser: Parser<Record<string, unknown>, FeedItem> = new Parser({
  // Atom categories are attributes (<category term="x"/>): keep the raw elements of both formats.
  customFields: { item: [['category', 'categoryElements', { keepArray: true }]] },
});

/** Parses RSS 2.0 / RSS 1.0 / Atom with a real XML parser; malformed XML is a FeedError. */
export async function parseFeed(xml: string): Promise<Parser.Output<FeedItem>> {
  try {
    return await parser.parseString(xml);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200);
    throw new FeedError(`malformed feed: ${reason}`);
  }
}

/**
 * Articles from feed items: link, title, full content (content:encoded, Atom
 * content, or the description), the description as standfirst when there is
 * full content, topics from the feed plus the item's categories. Items that do
 * not make a valid article (no link, no title...) are counted, not ingested.
 */
export function feedArticles(
  feed: Parser.Output<FeedItem>,
  feedTopics: readonly string[],
  now: Date,
): { inputs: ArticleInput[]; skipped: number } {
  const inputs: ArticleInput[] = [];
  let skipped = 0;
  for (const item of feed.items ?? []) {
    const candidate = itemToArticle(item, feedTopics, now);
    const { input } = candidate ? validateArticleInput(candidate) : { input: null };
    if (input) inputs.push(input);
    else skipped++;
  }
  return { inputs, skipped };
}

function itemToArticle(item: FeedItem, feedTopics: readonly string[], now: Date): Record<string, unknown> | null {
  const link = [item.link, item.guid].find((l): l is string => typeof l === 'string' && isHttpUrl(l.trim()));
  const title = typeof item.title === 'string' ? item.title.trim() : '';
  if (!link || !title) return null;
  const full = item['content:encoded'] ?? (item.summary && item.content ? item.content : undefined);
  const body = full ?? item.content ?? item.summary ?? title;
  const standfirst = full ? (item.summary ?? item.content) : undefined;
  const published = new Date(item.isoDate ?? item.pubDate ?? '');
  const image = item.enclosure?.type?.startsWith('image/') ? item.enclosure.url : undefined;
  return {
    url: link.trim(),
    title: title.slice(0, 500),
    body,
    summary: standfirst ? plain(standfirst).slice(0, 2000) || undefined : undefined,
    topics: normaliseTopics([...feedTopics, ...categoriesOf(item)]).slice(0, 50),
    author: (item.creator ?? item.author)?.toString().slice(0, 200) || undefined,
    publishedAt: (Number.isNaN(published.getTime()) ? now : published).toISOString(),
    imageUrl: image && isHttpUrl(image) ? image : undefined,
  };
}

function plain(text: string): string {
  return (looksLikeHtml(text) ? htmlToPlainText(text) : text).replace(/\s+/g, ' ').trim();
}

function categoriesOf(item: FeedItem): string[] {
  const out: string[] = [];
  for (const c of item.categoryElements ?? []) {
    const label = typeof c === 'string' ? c : (c._ ?? c.$?.term ?? c.$?.label);
    if (typeof label === 'string' && label.trim()) out.push(label.trim().slice(0, 100));
  }
  return out;
}
