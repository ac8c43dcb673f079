import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { escapeHtml } from '@app/common';
import { IssueContent } from '@app/database';
import { CompiledMail, MailRenderer, RenderedMail } from '@app/mail';
import { LEAD_ARTICLES } from '../digest.constants';
import { RecommendableNewsletter } from '../recommendations/newsletter-recommender';

export const DIGEST_TEMPLATE = 'digest';

export interface DigestNewsletter {
  slug: string;
  name: string;
  timezone: string;
}

/** What changes from one reader to the next. */
export interface DigestReader {
  name: string | null;
  unsubscribeUrl: string;
  preferencesUrl: string;
  recommendations: RecommendableNewsletter[];
}

export function webVersionPath(issueId: string, webSlug: string): string {
  return `/issues/${issueId}/${webSlug}`;
}

/** URL-safe words of a headline, for the web version's address. */
export function slugify(text: string, maxLength = 60): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (slug.slice(0, maxLength).replace(/-+$/, '') || 'issue').trim();
}

/**
 * The subject is a Handlebars template over the data, never built from article text:
 * a headline is data, so it is defused and cannot act as template syntax or a placeholder.
 */
const SUBJECT_TEMPLATE = '{{newsletterName}}{{#if leadTitle}}: {{leadTitle}}{{/if}}';

export function dateLabel(at: Date, timezone: string): string {
  const format = (timeZone: string) =>
    new Intl.DateTimeFormat('en-GB', {
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone,
    }).format(at);
  try {
    return format(timezone);
  } catch {
    return format('UTC');
  }
}

/**
 * The digest email: MJML compiled once per issue (MailRenderer), then per reader only
 * the %%placeholders%% are filled in (greeting, recommendations, personal links).
 */
@Injectable()
export class DigestRenderer {
  constructor(
    private readonly mail: MailRenderer,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicBaseUrl'>,
  ) {}

  webVersionUrl(issueId: string, webSlug: string): string {
    return `${this.config.publicBaseUrl}${webVersionPath(issueId, webSlug)}`;
  }

  /** Compiles the issue; no MJML runs after this for the issue's readers. */
  compile(
    issue: { id: string; webSlug: string; at: Date },
    newsletter: DigestNewsletter,
    content: IssueContent,
  ): Promise<CompiledMail> {
    const count = content.articles.length;
    const data = {
      newsletterName: newsletter.name,
      dateLabel: dateLabel(issue.at, newsletter.timezone),
      intro: `${count === 1 ? 'Here is the latest story' : `Here are the latest ${count} stories`} from ${newsletter.name}.`,
      leadTitle: content.articles[0]?.title ?? '',
      preview: content.articles[0]?.title ?? newsletter.name,
      webVersionUrl: this.webVersionUrl(issue.id, issue.webSlug),
      whyReceiving: `You are receiving this because you subscribed to ${newsletter.name}.`,
      articles: content.articles.map((a, i) => ({
        title: a.title,
        url: a.url,
        summary: a.summary,
        lead: i < LEAD_ARTICLES,
        related: a.related,
      })),
    };
    return this.mail.compileOnce(DIGEST_TEMPLATE, data, { subject: SUBJECT_TEMPLATE });
  }

  personalise(compiled: CompiledMail, reader: DigestReader): RenderedMail {
    const { values, trustedHtml } = this.readerValues(reader);
    return compiled.personalise(values, trustedHtml);
  }

  /** The placeholder values for one reader, as CompiledMail.personalise and MimeTemplate.prepare take them. */
  readerValues(reader: DigestReader): { values: Record<string, string>; trustedHtml: Record<string, string> } {
    const recommendations = this.recommendationsBlock(reader.recommendations);
    return {
      values: {
        greeting: reader.name?.trim() ? `Hi ${reader.name.trim()},` : 'Hello,',
        unsubscribeUrl: reader.unsubscribeUrl,
        preferencesUrl: reader.preferencesUrl,
        recommendations: recommendations.text,
      },
      trustedHtml: { recommendations: recommendations.html },
    };
  }

  /** The "you might also like" block, built from escaped parts (it goes into the HTML as it is). */
  private recommendationsBlock(newsletters: RecommendableNewsletter[]): { html: string; text: string } {
    if (newsletters.length === 0) return { html: '', text: '' };
    const link = (n: RecommendableNewsletter) => `${this.config.publicBaseUrl}/forms/${encodeURIComponent(n.slug)}`;
    const html =
      '<p style="margin: 0 0 4px; font-weight: 700;">You might also like</p>' +
      newsletters
        .map(
          (n) =>
            `<p style="margin: 0 0 6px;"><a href="${escapeHtml(link(n))}">${escapeHtml(n.name)}</a>` +
            (n.description ? ` &ndash; ${escapeHtml(n.description)}` : '') +
            '</p>',
        )
        .join('');
    const text =
      'You might also like:\n' +
      newsletters.map((n) => `* ${n.name}${n.description ? ` - ${n.description}` : ''}: ${link(n)}`).join('\n');
    return { html, text };
  }
}
