/// <reference lib="dom" />
import { Browser } from 'playwright-core';
import { CompiledMail, MailRenderer } from '@app/mail';
import { launchChromium } from '../helpers/browser';

/**
 * The shared email layout in a real browser engine: at a phone's 375 px and the
 * desktop 600 px, nothing scrolls sideways, even with a long link in the body.
 */
describe('email layout in headless Chromium', () => {
  let browser: Browser;
  const renderer = new MailRenderer({
    mailFrom: 'The Daily Example <news@example.com>',
    postalAddress: 'Example Media Ltd, 1 Fleet Street, London EC4Y 1AA, United Kingdom',
    publicBaseUrl: 'https://news.example.com',
  });
  const longLink = `https://news.example.com/confirm?token=${'x'.repeat(180)}`;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function layoutAt(width: number, mail: CompiledMail) {
    const html = mail.personalise(
      Object.fromEntries(mail.placeholders.map((p) => [p, p === 'greeting' ? 'Hi Jane,' : longLink])),
    ).html;
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    try {
      await page.setContent(html, { waitUntil: 'load' });
      return await page.evaluate(() => {
        // Sections with rounded corners clip their content, so a page that does not scroll can
        // still hide text: check that every piece of text ends inside the screen too.
        const textElements = Array.from(document.querySelectorAll('body *')).filter(
          (e) => e.children.length === 0 && (e.textContent ?? '').trim() !== '',
        );
        return {
          scrollWidth: document.documentElement.scrollWidth,
          viewport: window.innerWidth,
          textRightEdge: Math.max(...textElements.map((e) => e.getBoundingClientRect().right)),
          footer: document.body.innerText.includes('1 Fleet Street'),
          unsubscribe: Array.from(document.querySelectorAll('a')).some((a) => a.textContent?.trim() === 'Unsubscribe'),
        };
      });
    } finally {
      await page.close();
    }
  }

  const templates: Array<[string, Record<string, unknown>]> = [
    [
      'confirm',
      { newsletters: [{ name: 'Morning Briefing', description: 'The news before breakfast' }], whyReceiving: 'Why.' },
    ],
    ['welcome', { newsletters: [{ name: 'Morning Briefing', description: '' }], whyReceiving: 'Why.' }],
    ['unsubscribed', { newsletterName: null, subscribeUrl: 'https://news.example.com/', whyReceiving: 'Why.' }],
    ['data-export', { whyReceiving: 'Why.' }],
  ];

  it.each(templates)(
    '%s fits 375 px and 600 px screens (no sideways scroll, no clipped text), footer included',
    async (name, data) => {
      const mail = await renderer.compile(name, data, { subject: 'Subject' });
      for (const width of [375, 600]) {
        const result = await layoutAt(width, mail);
        expect({
          width,
          fits: result.scrollWidth <= result.viewport && result.textRightEdge <= result.viewport,
          footer: result.footer,
          unsubscribe: result.unsubscribe,
        }).toEqual({ width, fits: true, footer: true, unsubscribe: true });
      }
    },
  );

  it('detects a layout wider than the screen (the check can fail)', async () => {
    const tooWide = await renderer.compileSource(
      '{{#> layout whyReceiving="Why."}}<mj-section><mj-column><mj-text><div style="width: 700px">wide</div></mj-text></mj-column></mj-section>{{/layout}}',
      {},
      { subject: 'Wide' },
    );
    const result = await layoutAt(375, tooWide);
    expect(result.textRightEdge).toBeGreaterThan(result.viewport);
  });
});
