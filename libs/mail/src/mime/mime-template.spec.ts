import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { ParsedMail, simpleParser } from 'mailparser';
import { HeaderInjectionError, MailAddress, MailHeaders, recipient } from '../headers/mail-headers';
import { CompiledMail, MissingPlaceholderValueError, PLACEHOLDER_PATTERN } from '../render/compiled-mail';
import { MailRenderer } from '../render/mail-renderer';
import { MailTransport } from '../transport/mail-transport';
import { MimeReader, MimeTemplate, qpPiece } from './mime-template';

const MAIL_FROM = 'The Daily Example <news@example.com>';
const headers = new MailHeaders({ mailFrom: MAIL_FROM, publicBaseUrl: 'https://news.example.com' });
const LIST = { slug: 'morning-briefing', name: 'Morning Briefing' };
const UNSUBSCRIBE_URL = `https://news.example.com/unsubscribe?token=${'a'.repeat(120)}.${'b'.repeat(43)}`;

/** A template exercising what digests use: placeholders in every part, a trusted HTML block, long and non-ASCII lines. */
const COMPILED = new CompiledMail(
  'Morning Briefing for %%greeting%% – Ünïcode',
  [
    '<!doctype html><html><body>',
    `<p style="margin:0">%%greeting%%</p><p>${'Caf\u00e9 soci\u00e9t\u00e9 = long line, '.repeat(12)}</p>`,
    '.a line that starts with a dot',
    '<div>%%recommendations%%</div>',
    '<a href="%%unsubscribeUrl%%">Unsubscribe</a>   ',
    '</body></html>',
  ].join('\n'),
  [
    '%%greeting%%',
    '',
    `${'Caf\u00e9 soci\u00e9t\u00e9 = long line, '.repeat(12)}`,
    '.a line that starts with a dot',
    '%%recommendations%%',
    'Unsubscribe: %%unsubscribeUrl%%',
  ].join('\n'),
);

function values(greeting: string, recommendations = 'You might also like: Evening Post') {
  return {
    values: { greeting, recommendations, unsubscribeUrl: UNSUBSCRIBE_URL },
    trustedHtml: { recommendations: '<p><a href="https://news.example.com/forms/evening">Evening Post</a></p>' },
  };
}

function reader(to: MailAddress, greeting: string, recommendations?: string): MimeReader {
  return {
    to,
    messageId: headers.messageId('test', to.address, greeting),
    ...values(greeting, recommendations),
    headers: headers.forSubscriber(UNSUBSCRIBE_URL, LIST),
  };
}

const listHeaders = (mail: ParsedMail) => mail.headerLines.filter((h) => h.key.startsWith('list-')).map((h) => h.line);

describe('MimeTemplate against the composed path (both through MailTransport, outbox mode)', () => {
  let dir: string;
  let transport: MailTransport;

  beforeAll(() => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'dispatch-mime-test-'));
    transport = new MailTransport({
      smtpUrl: undefined,
      outboxDir: dir,
      mailFrom: MAIL_FROM,
      dkim: undefined,
      sendConcurrency: 1,
    });
  });
  afterAll(async () => {
    await transport.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const outboxFile = (messageId: string) =>
    readFileSync(join(dir, `${messageId.slice(1, -1).replace(/[^A-Za-z0-9.@_-]/g, '_')}.eml`));

  async function bothWays(
    compiled: CompiledMail,
    r: MimeReader,
  ): Promise<{ composed: ParsedMail; prebuilt: ParsedMail; raw: Buffer }> {
    const personal = compiled.personalise(r.values, r.trustedHtml);
    const composedId = headers.messageId('composed', r.messageId);
    await transport.send({ to: r.to, messageId: composedId, headers: r.headers, ...personal });
    const prepared = transport.mimeTemplate(compiled).prepare(r);
    await transport.send(prepared);
    const raw = outboxFile(r.messageId);
    return { composed: await simpleParser(outboxFile(composedId)), prebuilt: await simpleParser(raw), raw };
  }

  it.each([
    ['a non-ASCII name', recipient('zoe@example.net', 'Zoë Ünïcode'), 'Hi Zoë,'],
    ['a name with quotes', recipient('jane@example.net', 'Jane "JD" Doe'), 'Hi Jane "JD" Doe,'],
    [
      'a name with a comma and angle brackets',
      recipient('odd@example.net', 'Doe, John <x@evil.example>'),
      'Hi <John> & co,',
    ],
    ['no name', recipient('anon@example.net'), 'Hello,'],
  ])('reads the same as the composed message for a reader with %s', async (_label, to, greeting) => {
    const { composed, prebuilt } = await bothWays(COMPILED, reader(to, greeting));
    expect(prebuilt.subject).toBe(composed.subject);
    expect(prebuilt.subject).toContain(greeting);
    expect(prebuilt.from?.value).toEqual(composed.from?.value);
    expect(prebuilt.to).toEqual(composed.to);
    expect((prebuilt.to as { value: MailAddress[] }).value).toEqual([{ address: to.address, name: to.name ?? '' }]);
    expect(prebuilt.html).toBe(composed.html);
    expect(prebuilt.text).toBe(composed.text);
    expect(prebuilt.messageId).toBe(headers.messageId('test', to.address, greeting));
    expect(listHeaders(prebuilt)).toEqual(listHeaders(composed));
    expect(listHeaders(prebuilt)).toContain(`List-Unsubscribe: <${UNSUBSCRIBE_URL}>`);
    expect(listHeaders(prebuilt)).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('reads the same for a real compiled template (MJML welcome mail)', async () => {
    const renderer = new MailRenderer({
      mailFrom: MAIL_FROM,
      postalAddress: '1 Fleet Street',
      publicBaseUrl: 'https://news.example.com',
    });
    const compiled = await renderer.compile(
      'welcome',
      { newsletters: [{ name: 'Café Société', description: 'Ünïcode = fine' }], whyReceiving: 'You subscribed.' },
      { subject: 'Welcome to Café Société' },
    );
    const r: MimeReader = {
      to: recipient('reader@example.net', 'Zoë'),
      messageId: headers.messageId('welcome', 'reader'),
      values: Object.fromEntries(compiled.placeholders.map((p) => [p, `https://news.example.com/${p}?t=a=b`])),
      headers: headers.forSubscriber(UNSUBSCRIBE_URL, null),
    };
    const { composed, prebuilt } = await bothWays(compiled, r);
    expect(prebuilt.subject).toBe('Welcome to Café Société');
    expect(prebuilt.html).toBe(composed.html);
    expect(prebuilt.text).toBe(composed.text);
    expect(prebuilt.html).toContain('https://news.example.com/unsubscribeUrl?t=a=b');
  });
});

describe('MimeTemplate encoding', () => {
  const template = new MimeTemplate(COMPILED, { from: MAIL_FROM });
  const bodyOf = (raw: Buffer) => raw.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n');

  const awkward = [
    'a=b =3D =\r\n=',
    'Zoë Ünïcode 日本語 🎉',
    'two\r\nlines\nand a lone\rCR',
    '.starts with a dot\r\n.and again\r\n..twice',
    `--${template.boundary}\r\n--${template.boundary}--`,
    'trailing spaces   \r\nand tabs\t',
    `${'é'.repeat(200)}${'x'.repeat(200)}`,
  ];

  it.each(awkward.map((v) => [JSON.stringify(v).slice(0, 40), v]))(
    'a value like %s round-trips in every part',
    async (_label, value) => {
      const r = reader(recipient('r@example.net'), value, value);
      const { raw } = template.prepare(r);
      const parsed = await simpleParser(raw);
      const expected = COMPILED.personalise(r.values, r.trustedHtml);
      // Line breaks come back as LF whatever went in (as for the composed path).
      const lf = (s: string) => s.replace(/\r\n?/g, '\n');
      expect(parsed.text).toBe(lf(expected.text));
      expect(parsed.html).toBe(lf(expected.html));
      expect(parsed.subject).toBe(expected.subject);
      expect(parsed.text).toContain(lf(value));
      // The boundary-like value did not end a part early: still exactly two parts.
      expect(parsed.attachments).toHaveLength(0);
      expect(bodyOf(raw).split(`--${template.boundary}`)).toHaveLength(4);
    },
  );

  it('gives each reader their own values when readers in a row share some (values kept encoded between messages)', async () => {
    const shared = 'You might also like: Evening Post, Weekend Review';
    const readers = ['Hi Ann,', 'Hi Bob,', 'Hi Ann,', 'Hi Cy,', 'Hi Bob,'].map((greeting, i) =>
      reader(recipient(`r${i}@example.net`), greeting, i === 3 ? 'Something else' : shared),
    );
    for (const r of readers) {
      const parsed = await simpleParser(template.prepare(r).raw);
      const expected = COMPILED.personalise(r.values, r.trustedHtml);
      expect(parsed.text).toBe(expected.text.replace(/\r\n?/g, '\n'));
      expect(parsed.html).toBe(expected.html.replace(/\r\n?/g, '\n'));
    }
  });

  it('keeps every body line within 76 characters and ends lines with CRLF only', () => {
    for (const value of awkward) {
      const { raw } = template.prepare(reader(recipient('r@example.net'), value, value));
      const body = bodyOf(raw);
      expect(body).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
      for (const line of body.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    }
  });

  it('leaves no placeholder behind and refuses to build a message with a value missing', async () => {
    const parsed = await simpleParser(template.prepare(reader(recipient('r@example.net'), 'Hi,')).raw);
    for (const part of [parsed.subject ?? '', parsed.html || '', parsed.text ?? '']) {
      expect(part).not.toMatch(PLACEHOLDER_PATTERN);
    }
    const incomplete = reader(recipient('r@example.net'), 'Hi,');
    delete (incomplete.values as Record<string, string | undefined>).unsubscribeUrl;
    expect(() => template.prepare(incomplete)).toThrow(MissingPlaceholderValueError);
  });

  it('never lets a reader name, address or header inject a header', async () => {
    const evil = template.prepare(
      reader({ name: 'Eve\r\nBcc: victim@example.org', address: 'eve@example.net' }, 'Hi,'),
    );
    const parsed = await simpleParser(evil.raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect((parsed.to as { value: MailAddress[] }).value).toEqual([
      { address: 'eve@example.net', name: 'Eve Bcc: victim@example.org' },
    ]);
    expect(() => template.prepare(reader({ address: 'x@example.net\r\nRCPT TO:<v@example.org>' }, 'Hi,'))).toThrow(
      HeaderInjectionError,
    );
    const withHeader = (h: Record<string, string>) => ({ ...reader(recipient('r@example.net'), 'Hi,'), headers: h });
    expect(() => template.prepare(withHeader({ 'X-Note': 'a\r\nBcc: v@example.org' }))).toThrow(HeaderInjectionError);
    expect(() => template.prepare(withHeader({ 'Content-Type': 'text/plain' }))).toThrow(HeaderInjectionError);
    expect(() =>
      template.prepare({ ...reader(recipient('r@example.net'), 'Hi,'), messageId: '<a@b>\r\nBcc: v@x' }),
    ).toThrow(HeaderInjectionError);
  });

  it('writes a single text/html part when the mail has no text', async () => {
    const htmlOnly = new MimeTemplate(new CompiledMail('S', '<p>%%x%%</p>', ''), { from: MAIL_FROM });
    const { raw } = htmlOnly.prepare({
      to: recipient('r@example.net'),
      messageId: '<h@example.com>',
      values: { x: 'é' },
    });
    const parsed = await simpleParser(raw);
    expect(parsed.html).toBe('<p>é</p>');
    expect(raw.toString()).not.toContain('multipart');
  });
});

describe('qpPiece', () => {
  it('ends with a line break, so pieces concatenate at the start of a line', () => {
    expect(qpPiece('')).toBe('');
    expect(qpPiece('abc')).toBe('abc=\r\n');
    expect(qpPiece('abc\n')).toBe('abc\r\n');
    expect(qpPiece('a b ')).toBe('a b=20=\r\n');
    for (const line of qpPiece('x'.repeat(300)).split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
  });
});
