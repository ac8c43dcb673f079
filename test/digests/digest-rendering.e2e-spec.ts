/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { DigestRenderer } from '@app/digests';
import { IssueContent } from '@app/database';
import { MAIL_TEMPLATES_DIR, MailRenderer, PLACEHOLDER_PATTERN, RenderedMail } from '@app/mail';
import { launchChromium } from '../helpers/browser';

const config = {
  mailFrom: 'The Daily Example <news@example.com>',
  postalAddress: 'Example Media Ltd, 1 Fleet Street, London EC4Y 1AA, United Kingdom',
  publicBaseUrl: 'https://news.example.com',
};

const longWord = 'Supercalifragilisticexpialidocious'.repeat(4);
const content: IssueContent = {
  articles: Array.from({ length: 6 }, (_, i) => ({
    id: `00000000-0000-4000-8000-00000000000${i}`,
    title:
      i === 0
        ? 'Central bank holds rates <script>alert(1)</script> as inflation cools & markets %%unsubscribeUrl%% shrug'
        : `Story number ${i + 1}: a headline long enough to wrap over two or three lines on a phone screen`,
    url: `https://news.example.com/2025/03/10/story-${i + 1}?utm_source=newsletter&ref=${'x'.repeat(60)}`,
    summary: `Summary ${i + 1}. Officials said the decision was finely balanced. ${i === 1 ? longWord : ''}`,
    publishedAt: '2025-03-10T06:00:00.000Z',
    topics: ['markets'],
    imageUrl: null,
    related:
      i < 3
        ? [
            { id: `r${i}a`, title: `Related read ${i + 1}a from the archive`, url: 'https://news.example.com/r/a' },
            { id: `r${i}b`, title: `Related read ${i + 1}b from the archive`, url: 'https://news.example.com/r/b' },
          ]
        : [],
  })),
};

describe('the digest email: strict MJML, per-reader placeholders, layout in headless Chromium', () => {
  const mail = new MailRenderer(config);
  const digests = new DigestRenderer(mail, config);
  let browser: Browser;
  let rendered: RenderedMail;

  beforeAll(async () => {
    const compiled = await digests.compile(
      {
        id: '11111111-2222-4333-8444-555555555555',
        webSlug: 'central-bank-holds-rates',
        at: new Date('2025-03-10T07:00:00Z'),
      },
      { slug: 'markets-daily', name: 'Markets Daily', timezone: 'Europe/London' },
      content,
    );
    rendered = digests.personalise(compiled, {
      name: 'Jane <b>Doe</b>',
      unsubscribeUrl: 'https://news.example.com/unsubscribe?token=abc.def',
      preferencesUrl: 'https://news.example.com/preferences?token=ghi.jkl',
      recommendations: [
        {
          id: 'n1',
          slug: 'economy-weekly',
          name: 'Economy Weekly',
          description: 'The week in <economics>',
          topics: [],
        },
        { id: 'n2', slug: 'money', name: 'Money & You', description: '', topics: [] },
      ],
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('passes strict MJML validation, which does reject a broken digest template', async () => {
    const source = readFileSync(join(MAIL_TEMPLATES_DIR, 'digest.mjml'), 'utf8');
    const data = { newsletterName: 'N', dateLabel: 'D', intro: 'I', whyReceiving: 'W', articles: [] };
    await expect(mail.compileSource(source, data, { subject: 'S' })).resolves.toBeDefined();
    const broken = source.replace('<mj-text>{{intro}}</mj-text>', '<mj-text colour="red">{{intro}}</mj-text>');
    await expect(mail.compileSource(broken, data, { subject: 'S' })).rejects.toThrow();
  });

  it('fills in every placeholder for the reader, escaping what came from articles and readers', () => {
    expect(rendered.subject).toBe(
      'Markets Daily: Central bank holds rates <script>alert(1)</script> as inflation cools & markets %\u200b%unsubscribeUrl%\u200b% shrug',
    );
    for (const part of [rendered.subject, rendered.html, rendered.text]) expect(part).not.toMatch(PLACEHOLDER_PATTERN);
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(rendered.html).toContain('Hi Jane &lt;b&gt;Doe&lt;/b&gt;,');
    expect(rendered.html).toContain('href="https://news.example.com/unsubscribe?token=abc.def"');
    expect(rendered.html).toContain('href="https://news.example.com/preferences?token=ghi.jkl"');
    expect(rendered.html).toContain(
      'href="https://news.example.com/issues/11111111-2222-4333-8444-555555555555/central-bank-holds-rates"',
    );
    expect(rendered.html).toContain('<a href="https://news.example.com/forms/economy-weekly">Economy Weekly</a>');
    expect(rendered.html).toContain('The week in &lt;economics&gt;');
    expect(rendered.html).toContain('Money &amp; You');
    // An article cannot smuggle in a placeholder: the reader's link appears only where the template put it.
    expect(rendered.html.split('unsubscribe?token=abc.def')).toHaveLength(2);
    expect(rendered.text).toContain('Hi Jane <b>Doe</b>,');
    expect(rendered.text).toContain('You might also like:');
    expect(rendered.text).toContain('https://news.example.com/forms/economy-weekly');
    expect(rendered.text).toContain('Related read 1a from the archive');
    expect(rendered.text).toContain('Monday, 10 March 2025');
  });

  async function layoutAt(width: number, html: string) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    try {
      await page.setContent(html, { waitUntil: 'load' });
      return await page.evaluate(() => {
        const texts = Array.from(document.querySelectorAll('body *')).filter(
          (e) => e.children.length === 0 && (e.textContent ?? '').trim() !== '',
        );
        return {
          scrollWidth: document.documentElement.scrollWidth,
          viewport: window.innerWidth,
          textRightEdge: Math.max(...texts.map((e) => e.getBoundingClientRect().right)),
          headline: document.body.innerText.includes('Central bank holds rates'),
          recommendations: document.body.innerText.includes('You might also like'),
        };
      });
    } finally {
      await page.close();
    }
  }

  it.each([375, 600])('holds its layout at %i px: no sideways scroll, no text beyond the screen', async (width) => {
    const result = await layoutAt(width, rendered.html);
    expect(result).toMatchObject({ headline: true, recommendations: true });
    expect(result.scrollWidth).toBeLessThanOrEqual(result.viewport);
    expect(result.textRightEdge).toBeLessThanOrEqual(result.viewport);
  });

  it('would notice a layout wider than the screen (the check can fail)', async () => {
    const wide = rendered.html.replace('<body', '<body><div style="width: 900px">wide</div><span');
    const result = await layoutAt(375, wide);
    expect(result.scrollWidth).toBeGreaterThan(result.viewport);
  });
});
