import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { simpleParser } from 'mailparser';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { AppConfig } from '@app/config';
import { CompiledMail, MailHeaders, MailSendError, MailTransport, OutgoingMail, recipient } from '@app/mail';
import { SmtpSink } from '../helpers/smtp-sink';

/** The transport only needs configuration: no database or queue here. */
type TransportConfig = ConstructorParameters<typeof MailTransport>[0];

const BASE: TransportConfig = {
  smtpUrl: undefined,
  outboxDir: '',
  mailFrom: 'The Daily Example <news@example.com>',
  dkim: undefined,
  sendConcurrency: 2,
};
// The transport logs failed sends; the failures here are deliberate.
Logger.overrideLogger(false);

const headers = new MailHeaders({ mailFrom: BASE.mailFrom, publicBaseUrl: 'https://news.example.com' });
const UNSUBSCRIBE_URL = `https://news.example.com/unsubscribe?token=${'a'.repeat(120)}.${'b'.repeat(43)}`;

/** A digest-like compiled mail, sent pre-built (MimeTemplate) the way deliveries send it. */
const COMPILED = new CompiledMail(
  'Morning Briefing: %%greeting%%',
  '<p>%%greeting%%</p><p>Caf\u00e9 news</p><a href="%%unsubscribeUrl%%">Unsubscribe</a>',
  '%%greeting%%\n\nUnsubscribe: %%unsubscribeUrl%%',
);

function prebuilt(transport: MailTransport, to: ReturnType<typeof recipient>) {
  return transport.mimeTemplate(COMPILED).prepare({
    to,
    messageId: headers.messageId('test', String(Math.random())),
    values: { greeting: `Hi ${to.name ?? 'there'},`, unsubscribeUrl: UNSUBSCRIBE_URL },
    headers: headers.forSubscriber(UNSUBSCRIBE_URL, { slug: 'morning-briefing', name: 'Morning Briefing' }),
  });
}

function message(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
  return {
    to: recipient('jane@example.net', 'Jane "JD" Doe'),
    subject: 'Your Morning Briefing',
    html: '<p>Hello <b>Jane</b></p>',
    text: 'Hello Jane',
    messageId: headers.messageId('test', String(Math.random())),
    headers: headers.forSubscriber(UNSUBSCRIBE_URL, { slug: 'morning-briefing', name: 'Morning Briefing' }),
    ...overrides,
  };
}

describe('MailTransport over SMTP (real smtp-server sink)', () => {
  let sink: SmtpSink;
  let transport: MailTransport;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    transport = new MailTransport({ ...BASE, smtpUrl: sink.url });
  });
  afterAll(async () => {
    await transport?.close();
    await sink?.stop();
  });

  it('delivers HTML and text parts with the List-* headers and the stable Message-ID', async () => {
    const mail = message();
    const result = await transport.send(mail);
    expect(result).toEqual({ messageId: mail.messageId, accepted: ['jane@example.net'] });
    const [received] = await sink.waitForMailTo('jane@example.net');
    expect(received.parsed.html).toContain('<p>Hello <b>Jane</b></p>');
    expect(received.parsed.text?.trim()).toBe('Hello Jane');
    expect(received.parsed.messageId).toBe(mail.messageId);
    expect(received.parsed.to).toMatchObject({ value: [{ name: 'Jane "JD" Doe', address: 'jane@example.net' }] });
    const raw = received.raw.toString('utf8');
    // Written on one line each, exactly as built (a folded URL would break clients and signatures).
    const headerLines = raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
    expect(headerLines).toContain(`List-Unsubscribe: <${UNSUBSCRIBE_URL}>`);
    expect(headerLines).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(headerLines).toContain('List-ID: "Morning Briefing" <morning-briefing.news.example.com>');
  });

  it('sends a pre-built message as it is, to the envelope recipient only', async () => {
    const mail = prebuilt(transport, recipient('raw@example.net', 'Zoë Ünïcode'));
    expect(await transport.send(mail)).toEqual({ messageId: mail.messageId, accepted: ['raw@example.net'] });
    const [received] = await sink.waitForMailTo('raw@example.net');
    expect(received.envelopeTo).toEqual(['raw@example.net']);
    expect(received.parsed.subject).toBe('Morning Briefing: Hi Zoë Ünïcode,');
    expect(received.parsed.html).toContain('Café news');
    expect(received.parsed.messageId).toBe(mail.messageId);
    expect(received.raw.toString('utf8')).toContain(`List-Unsubscribe: <${UNSUBSCRIBE_URL}>\r\n`);
  });

  it('never lets a reader name inject a header or a recipient', async () => {
    const address = 'eve@example.net';
    await transport.send(message({ to: { name: 'Eve\r\nBcc: victim@example.org', address } }));
    const [received] = await sink.waitForMailTo(address);
    expect(received.envelopeTo).toEqual([address]);
    expect(received.parsed.headers.has('bcc')).toBe(false);
    expect(sink.to('victim@example.org')).toHaveLength(0);
    await expect(
      transport.send(message({ to: { address: 'x@example.net\r\nRCPT TO:<victim@example.org>' } })),
    ).rejects.toMatchObject({
      kind: 'permanent',
    });
  });

  it('classifies a 421 as temporary (the retry then goes through) and a 550 as permanent', async () => {
    sink.answers.push({ code: 421, message: 'Try again later' });
    const mail = message({ to: recipient('retry@example.net') });
    const first = await transport.send(mail).catch((err: unknown) => err);
    expect(first).toBeInstanceOf(MailSendError);
    expect(first).toMatchObject({ kind: 'temporary', responseCode: 421 });
    await transport.send(mail);
    expect(await sink.waitForMailTo('retry@example.net')).toHaveLength(1);

    sink.answers.push({ code: 550, message: 'No such user here' });
    const refused = await transport.send(message({ to: recipient('gone@example.net') })).catch((err: unknown) => err);
    expect(refused).toMatchObject({ kind: 'permanent', responseCode: 550 });
    expect(sink.to('gone@example.net')).toHaveLength(0);
  });

  it('sends with Nagle off (TCP_NODELAY): one connection does not wait a delayed ACK per message', async () => {
    // The sockets live in the SMTP thread, out of reach of a spy: this checks what Nagle would cost.
    // With it on, every message waits for the server's delayed ACK (40 ms at least on Linux), so even
    // the fastest quarter of the sends would take 40 ms; without it, a busy machine slows some sends
    // but not the fastest quarter (a total time, as this test once used, failed on a loaded CI run).
    // Nodemailer 10 sets TCP_NODELAY itself, and this keeps that true across upgrades.
    const single = new MailTransport({ ...BASE, smtpUrl: sink.url, sendConcurrency: 1 });
    try {
      await single.send(message({ to: recipient('nagle-warmup@example.net') }));
      const durations: number[] = [];
      for (let i = 0; i < 40; i++) {
        const started = performance.now();
        await single.send(message({ to: recipient(`nagle${i}@example.net`) }));
        durations.push(performance.now() - started);
      }
      const fastestQuarter = durations.sort((a, b) => a - b)[9];
      expect(fastestQuarter).toBeLessThan(20);
    } finally {
      await single.close();
    }
  });

  it('classifies a refused connection as temporary', async () => {
    const down = new MailTransport({ ...BASE, smtpUrl: 'smtp://127.0.0.1:1' });
    try {
      await expect(down.send(message())).rejects.toMatchObject({ kind: 'temporary' });
    } finally {
      await down.close();
    }
  });
});

describe('MailTransport DKIM signing', () => {
  let sink: SmtpSink;
  let transport: MailTransport;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
  const resolver = async (name: string, type: string) => {
    if (type === 'TXT' && name === 'mail2026._domainkey.example.com') return [[txt]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    transport = new MailTransport({
      ...BASE,
      smtpUrl: sink.url,
      dkim: {
        domain: 'example.com',
        selector: 'mail2026',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
  });
  afterAll(async () => {
    await transport?.close();
    await sink?.stop();
  });

  it('signs every message so that a DKIM verifier passes it, List-Unsubscribe headers included', async () => {
    await transport.send(message({ to: recipient('signed@example.net', 'Zoë Ünïcode') }));
    const [received] = await sink.waitForMailTo('signed@example.net');
    const { results } = await dkimVerify(received.raw, { resolver });
    expect(results).toHaveLength(1);
    expect(results[0].status.result).toBe('pass');
    expect(results[0].signingDomain).toBe('example.com');
    // mailauth reports the signed header names; its typings leave the field out.
    const { signingHeaders } = results[0] as { signingHeaders?: { keys?: string } };
    const signed = (signingHeaders?.keys ?? '').toLowerCase().split(': ');
    expect(signed).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'from', 'subject']),
    );
  });

  it('signs pre-built (MimeTemplate) messages too, List-Unsubscribe headers included', async () => {
    await transport.send(prebuilt(transport, recipient('signed-raw@example.net', 'Zoë "Z" Ünïcode')));
    const [received] = await sink.waitForMailTo('signed-raw@example.net');
    const { results } = await dkimVerify(received.raw, { resolver });
    expect(results).toHaveLength(1);
    expect(results[0].status.result).toBe('pass');
    const { signingHeaders } = results[0] as { signingHeaders?: { keys?: string } };
    const signed = (signingHeaders?.keys ?? '').toLowerCase().split(': ');
    expect(signed).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'from', 'to', 'subject']),
    );
    const tampered = Buffer.from(received.raw.toString('utf8').replace('Caf=C3=A9 news', 'Caf=C3=A9 newz'));
    expect((await dkimVerify(tampered, { resolver })).results[0].status.result).not.toBe('pass');
  });

  it('a tampered message fails verification (the check can fail)', async () => {
    const [received] = sink.to('signed@example.net');
    const tampered = Buffer.from(
      received.raw
        .toString('utf8')
        .replace('List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: nope'),
    );
    const { results } = await dkimVerify(tampered, { resolver });
    expect(results[0].status.result).not.toBe('pass');
  });
});

describe('MailTransport outbox (no SMTP_URL)', () => {
  let outboxDir: string;
  let transport: MailTransport;

  beforeAll(() => {
    outboxDir = join(mkdtempSync(join(tmpdir(), 'dispatch-outbox-test-')), 'nested', 'outbox');
    transport = new MailTransport({ ...BASE, outboxDir });
  });
  afterAll(async () => {
    await transport?.close();
    rmSync(join(outboxDir, '..', '..'), { recursive: true, force: true });
  });

  it('writes each message as a parseable .eml file, creating the directory', async () => {
    const mail = message();
    expect(await transport.send(mail)).toEqual({ messageId: mail.messageId, accepted: ['jane@example.net'] });
    const files = readdirSync(outboxDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const parsed = await simpleParser(readFileSync(join(outboxDir, files[0])));
    expect(parsed.messageId).toBe(mail.messageId);
    expect(parsed.subject).toBe('Your Morning Briefing');
    expect(parsed.html).toContain('<b>Jane</b>');
    expect(parsed.text?.trim()).toBe('Hello Jane');
    const lines = parsed.headerLines.map((h) => h.line);
    expect(lines).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(lines).toContain(`List-Unsubscribe: <${UNSUBSCRIBE_URL}>`);
    expect(lines).toContain('List-ID: "Morning Briefing" <morning-briefing.news.example.com>');
  });

  it('a retried send of the same message replaces its file rather than adding a copy', async () => {
    const mail = message();
    await transport.send(mail);
    const before = readdirSync(outboxDir).length;
    await transport.send(mail);
    expect(readdirSync(outboxDir)).toHaveLength(before);
  });
});

// Type-only check that the config slice matches the real AppConfig.
export const _configShape: TransportConfig = {} as AppConfig;
