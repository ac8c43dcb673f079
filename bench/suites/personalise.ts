import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { loadConfig } from '@app/config';
import { IssueContent } from '@app/database';
import { DigestRenderer, readerNewsletters, RecommendableNewsletter, recommendNewsletters } from '@app/digests';
import { CompiledMail, MailHeaders, MailRenderer, MimeTemplate, recipient } from '@app/mail';
import { ReaderLinks, TokenService } from '@app/subscriptions';
import { log } from '../lib/log';
import { makeArticle } from '../lib/seed';

export interface PersonaliseResult {
  readers: number;
  msPerReader: number;
  mjmlReaders: number;
  mjmlMsPerReader: number;
  /** The same reader's message personalised and then composed by nodemailer (the path MimeTemplate replaces). */
  composedMsPerMessage: number;
  messageBytes: number;
  description: string;
  baselineDescription: string;
}

const NEWSLETTER = { id: randomUUID(), slug: 'bench-daily', name: 'Bench Daily', timezone: 'Europe/London' };
const CATALOGUE: RecommendableNewsletter[] = [
  { ...NEWSLETTER, description: 'The day’s news', topics: ['world', 'politics', 'science', 'business', 'climate'] },
  { id: randomUUID(), slug: 'bench-science', name: 'Bench Science', description: 'Discoveries', topics: ['science'] },
  { id: randomUUID(), slug: 'bench-business', name: 'Bench Business', description: 'Markets', topics: ['business'] },
];

/** An issue of 20 articles, the first three with three related reads, as the digest builder stores it. */
function issueContent(): IssueContent {
  const now = Date.now();
  return {
    articles: Array.from({ length: 20 }, (_, i) => {
      const a = makeArticle(i, new Date(now - i * 60_000), 'fresh');
      const plain = a.body.replace(/<[^>]+>/g, '');
      return {
        id: randomUUID(),
        title: a.title,
        url: a.url,
        summary: plain.slice(0, 280),
        publishedAt: a.publishedAt,
        topics: a.topics,
        imageUrl: null,
        related:
          i < 3
            ? [1, 2, 3].map((k) => ({
                id: randomUUID(),
                title: makeArticle(100 + i * 3 + k, new Date(), 'archive').title,
                url: `https://news.bench.test/archive/${i}-${k}`,
              }))
            : [],
      };
    }),
  };
}

/**
 * Per-reader cost of a ready message (subject, HTML, text, headers, Message-ID) from the
 * compiled issue, by the code the delivery worker runs (DigestRenderer.personalise,
 * ReaderLinks, MailHeaders, recommendNewsletters), against rendering the issue with
 * Handlebars + MJML per reader.
 */
export async function runPersonalise(readers: number, mjmlReaders: number): Promise<PersonaliseResult> {
  const config = loadConfig({
    NODE_ENV: 'production',
    APP_SECRET: 'bench-app-secret-0123456789abcdef',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    PUBLIC_BASE_URL: 'https://news.bench.test',
  });
  const mailRenderer = new MailRenderer(config);
  const renderer = new DigestRenderer(mailRenderer, config);
  const links = new ReaderLinks(config, new TokenService(config));
  const headers = new MailHeaders(config);
  const content = issueContent();
  const issue = { id: randomUUID(), webSlug: 'bench-issue', at: new Date() };
  // As the worker does: the stored parts of the compiled issue, split once.
  const compiled = CompiledMail.fromParts((await renderer.compile(issue, NEWSLETTER, content)).toParts());
  const subscriptions = [{ newsletterId: NEWSLETTER.id, status: 'active' }];

  const mime = new MimeTemplate(compiled, { from: config.mailFrom });

  // What DeliveryService does per reader between the send-time check and the transport.
  const ready = (subscriberId: string, name: string, i: number) => {
    const unsubscribeUrl = links.unsubscribeUrl(subscriberId, NEWSLETTER.id);
    const { values, trustedHtml } = renderer.readerValues({
      name,
      unsubscribeUrl,
      preferencesUrl: links.preferencesUrl(subscriberId),
      recommendations: recommendNewsletters(CATALOGUE, readerNewsletters(subscriptions)).map((r) => r.newsletter),
    });
    return mime.prepare({
      to: { address: `reader${i}@bench.test`, name },
      messageId: headers.messageId('issue', issue.id, subscriberId),
      values,
      trustedHtml,
      headers: headers.forSubscriber(unsubscribeUrl, { slug: NEWSLETTER.slug, name: NEWSLETTER.name }),
    });
  };

  const ids = Array.from({ length: readers }, () => randomUUID());
  let sink = 0;
  for (let i = 0; i < Math.min(2000, readers); i++) sink += ready(ids[i], `Reader ${i}`, i).raw.length;
  const t0 = performance.now();
  for (let i = 0; i < readers; i++) sink += ready(ids[i], `Reader ${i}`, i).raw.length;
  const messageBytes = ready(ids[0], 'Reader 0', 0).raw.length;
  const msPerReader = (performance.now() - t0) / readers;
  log(`personalise: ${msPerReader.toFixed(4)} ms/reader over ${readers.toLocaleString('en-GB')} readers`);

  // Baseline: the whole render per reader. A fresh issue id each time defeats the renderer's cache.
  const mjmlOnce = async (i: number) => {
    const fresh = await renderer.compile({ ...issue, id: randomUUID() }, NEWSLETTER, content);
    return renderer.personalise(fresh, {
      name: `Reader ${i}`,
      unsubscribeUrl: links.unsubscribeUrl(ids[i], NEWSLETTER.id),
      preferencesUrl: links.preferencesUrl(ids[i]),
      recommendations: [],
    });
  };
  for (let i = 0; i < 3; i++) sink += (await mjmlOnce(i)).html.length;
  const t1 = performance.now();
  for (let i = 0; i < mjmlReaders; i++) sink += (await mjmlOnce(i)).html.length;
  const mjmlMsPerReader = (performance.now() - t1) / mjmlReaders;
  log(`personalise: MJML per reader ${mjmlMsPerReader.toFixed(1)} ms over ${mjmlReaders} readers`);

  // For reference: nodemailer composing each message from its parts instead (the path MimeTemplate replaces).
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const composeOne = async (i: number) => {
    const unsubscribeUrl = links.unsubscribeUrl(ids[i], NEWSLETTER.id);
    const m = renderer.personalise(compiled, {
      name: `Reader ${i}`,
      unsubscribeUrl,
      preferencesUrl: links.preferencesUrl(ids[i]),
      recommendations: recommendNewsletters(CATALOGUE, readerNewsletters(subscriptions)).map((r) => r.newsletter),
    });
    const info = await composer.sendMail({
      from: config.mailFrom,
      to: recipient(`reader${i}@bench.test`, `Reader ${i}`),
      subject: m.subject,
      html: m.html,
      text: m.text,
      messageId: headers.messageId('issue', issue.id, ids[i]),
      headers: Object.fromEntries(
        Object.entries(headers.forSubscriber(unsubscribeUrl, { slug: NEWSLETTER.slug, name: NEWSLETTER.name })).map(
          ([k, v]) => [k, { prepared: true, value: v }],
        ),
      ),
    });
    return (info.message as Buffer).length;
  };
  const composeCount = Math.min(readers, 2000);
  sink += await composeOne(0);
  const t2 = performance.now();
  for (let i = 0; i < composeCount; i++) sink += await composeOne(i);
  const composedMsPerMessage = (performance.now() - t2) / composeCount;
  if (sink === 0) throw new Error('nothing rendered');

  return {
    readers,
    msPerReader,
    mjmlReaders,
    mjmlMsPerReader,
    composedMsPerMessage,
    messageBytes,
    description:
      `${readers.toLocaleString('en-GB')} readers: two signed links, recommendations, placeholders filled into the ` +
      `issue's pre-built MIME (HTML and text parts, List-* headers, Message-ID) — ${messageBytes.toLocaleString('en-GB')} B`,
    baselineDescription: `${mjmlReaders} readers each rendered with Handlebars + MJML + text part`,
  };
}
