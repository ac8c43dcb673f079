import type { INestApplicationContext } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import {
  ArticlePayloadError,
  ArticlesService,
  FeedError,
  FeedsService,
  IngestedArticle,
  parseArticlePayload,
} from '@app/articles';
import { CliCommand, progressPrinter } from '../command';

/** A file may hold any number of articles; they are ingested in chunks with progress. */
const MAX_FILE_ARTICLES = 1_000_000;

/**
 * `npm run cli -- articles:import <file.json|feed-url>`: imports articles from
 * a JSON file (one article, an array, or `{ articles: [...] }`, the same shape
 * as POST /admin/articles) or every item of an RSS/Atom feed URL (once; the
 * feed is not registered for polling). Nothing from a file is imported unless
 * every article in it is valid.
 */
export const articlesImportCommand: CliCommand = {
  name: 'articles:import',
  usage: 'articles:import <file.json|feed-url>',
  description: 'import articles from a JSON file or an RSS/Atom feed',
  async run(app: INestApplicationContext, args: string[]): Promise<number> {
    const source = args[0];
    if (!source) {
      process.stderr.write(`usage: npm run cli -- ${this.usage}\n`);
      return 2;
    }
    try {
      const { results, skipped } = /^https?:\/\//i.test(source)
        ? await importFeed(app, source)
        : await importFile(app, source);
      const created = results.filter((r) => r.status === 'created').length;
      process.stdout.write(
        `imported ${results.length} article(s): ${created} created, ${results.length - created} updated` +
          (skipped ? `, ${skipped} feed item(s) skipped (no link or title)` : '') +
          '\n',
      );
      return 0;
    } catch (err) {
      if (err instanceof ArticlePayloadError) {
        process.stderr.write(`nothing imported: ${err.errors.length} problem(s) in ${source}\n`);
        for (const e of err.errors) process.stderr.write(`  ${e.field}: ${e.message}\n`);
        return 1;
      }
      if (err instanceof FeedError) {
        process.stderr.write(`feed could not be read: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};

async function importFile(
  app: INestApplicationContext,
  path: string,
): Promise<{ results: IngestedArticle[]; skipped: number }> {
  let body: unknown;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const message = `${path} is not a readable JSON file (${(err as Error).message})`;
    throw new ArticlePayloadError(400, message, [{ field: 'file', message }]);
  }
  const inputs = parseArticlePayload(body, MAX_FILE_ARTICLES);
  const progress = progressPrinter('articles', inputs.length);
  try {
    const results = await app.get(ArticlesService).ingest(inputs, { onProgress: (done) => progress.update(done) });
    return { results, skipped: 0 };
  } finally {
    progress.done();
  }
}

async function importFeed(
  app: INestApplicationContext,
  url: string,
): Promise<{ results: IngestedArticle[]; skipped: number }> {
  let progress: ReturnType<typeof progressPrinter> | undefined;
  try {
    return await app.get(FeedsService).importFeed(url, (done, total) => {
      progress ??= progressPrinter('articles', total);
      progress.update(done);
    });
  } finally {
    progress?.done();
  }
}
