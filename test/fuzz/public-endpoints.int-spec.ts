import { INestApplicationContext } from '@nestjs/common';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { IssueService } from '@app/digests';
import { ALL_NEWSLETTERS, TokenService } from '@app/subscriptions';
import { SmtpSink, ReceivedMail } from '../helpers/smtp-sink';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { RunningApi, startApi } from '../helpers/api-app';
import { startWorker } from '../helpers/worker-app';
import { brokenJson, emailLike, fieldValue, hostileString, INJECTIONS } from './arbitraries';

/** Headers a message to a reader may carry; anything else (Bcc, X-Injected...) would be an injection. */
const ALLOWED_HEADERS = new Set([
  'from',
  'to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'list-id',
  'list-archive',
  'list-help',
  'precedence',
  'auto-submitted',
  'reply-to',
  'x-entity-ref-id',
  'feedback-id',
  'dkim-signature',
]);

/** Reflected or stored markup: the payload's dangerous part appears unescaped in an HTML answer. */
function containsRawMarkup(html: string, payload: string): boolean {
  const dangerous = payload.match(/<[a-z/!][^<>]*>?|"[^"]*>/gi) ?? [];
  return dangerous.some((fragment) => fragment.length > 2 && html.includes(fragment));
}

/**
 * Occurrences of `text` in `html` as written, not escaped. A text ending in "&" (or "&am")
 * is found inside its own escaped form ("&amp;"), so an occurrence whose last ampersand
 * stands as "&amp;" in the page is the escaped text, not the raw one.
 */
function unescapedOccurrences(html: string, text: string): number {
  const lastAmpersand = text.lastIndexOf('&');
  let count = 0;
  for (let at = html.indexOf(text); at >= 0; at = html.indexOf(text, at + 1)) {
    const escaped = lastAmpersand >= 0 && html.startsWith('&amp;', at + lastAmpersand);
    if (!escaped) count++;
  }
  return count;
}

/** The header block's field names, unfolded, as the receiving server sees them. */
function headerNames(mail: ReceivedMail): string[] {
  const raw = mail.raw.toString('utf8');
  const head = raw.slice(0, raw.search(/\r?\n\r?\n/));
  return head
    .split(/\r?\n(?![ \t])/)
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase())
    .filter(Boolean);
}

describe('fuzz: public endpoints, rendered pages and mails', () => {
  let env: TestEnv;
  let sink: SmtpSink;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let db: DataSource;
  let tokens: TokenService;
  let counter = 0;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    env = await createTestEnv('fuzz_public', { SMTP_URL: sink.url });
    api = await startApi();
    worker = await startWorker();
    db = api.app.get(DataSource);
    tokens = api.app.get(TokenService);
    await db.query(
      `INSERT INTO newsletters (slug, name, topics) VALUES ('morning', 'Morning Briefing', '{markets}'), ('sport', 'Sport <b>Weekly</b>', '{sport}')`,
    );
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sink?.stop();
    await env?.cleanup();
  });

  const uniqueEmail = () => `fuzz${++counter}@example.com`;
  const post = (path: string, body: string, type: string, accept = '*/*') =>
    fetch(`${api.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': type, accept }, body });

  it('POST /subscriptions: any body, any field, any type: an answer, never a 5xx, never reflected markup', async () => {
    const subscription = fc.record(
      {
        email: fc.oneof(emailLike, fieldValue),
        name: fieldValue,
        newsletters: fc.oneof(fc.constant(['morning']), fc.array(hostileString, { maxLength: 3 }), fieldValue),
        consent: fc.oneof(fc.constant(true), fc.constant('on'), fieldValue),
        source: fieldValue,
        website: fc.oneof(fc.constant(''), hostileString),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      { weight: 3, arbitrary: subscription.map((s) => ({ text: JSON.stringify(s), type: 'application/json' })) },
      {
        weight: 2,
        arbitrary: subscription.map((s) => ({
          text: new URLSearchParams(
            Object.entries(s).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
          ).toString(),
          type: 'application/x-www-form-urlencoded',
        })),
      },
      { weight: 1, arbitrary: brokenJson.map((text) => ({ text, type: 'application/json' })) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(hostileString, fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x'))
          .map(([text, type]) => ({ text, type })),
      },
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'text/html'), async ({ text, type }, accept) => {
        const res = await post('/subscriptions', text, type, accept);
        expect([202, 303, 400, 403, 413, 415]).toContain(res.status);
        const answer = await res.text();
        if ((res.headers.get('content-type') ?? '').includes('html')) {
          for (const payload of INJECTIONS) {
            if (text.includes(payload)) expect(containsRawMarkup(answer, payload)).toBe(false);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('token links and public pages: forged, truncated and hostile parameters never give a 5xx or raw markup', async () => {
    const valid = tokens.sign({
      subscriberId: '6f1c1a3e-4b4e-4a53-9d55-2f0d5a1b8c01',
      newsletterId: ALL_NEWSLETTERS,
      purpose: 'unsubscribe',
    });
    const token = fc.oneof(
      hostileString,
      fc.nat({ max: valid.length }).map((n) => valid.slice(0, n)),
      fc.string({ maxLength: 5 }).map((s) => valid + s),
      fc.uuid(),
    );
    const request = fc.oneof(
      token.map((t) => ({ method: 'GET', path: `/confirm?token=${encodeURIComponent(t)}` })),
      token.map((t) => ({ method: 'GET', path: `/unsubscribe?token=${encodeURIComponent(t)}` })),
      token.map((t) => ({ method: 'GET', path: `/preferences?token=${encodeURIComponent(t)}` })),
      token.map((t) => ({ method: 'GET', path: `/preferences/export?token=${encodeURIComponent(t)}` })),
      hostileString.map((s) => ({ method: 'GET', path: `/forms/${encodeURIComponent(s)}` })),
      hostileString.map((s) => ({ method: 'GET', path: `/forms/morning?source=${encodeURIComponent(s)}` })),
      hostileString.map((s) => ({ method: 'GET', path: `/archive/${encodeURIComponent(s)}` })),
      hostileString.map((s) => ({ method: 'GET', path: `/archive/${encodeURIComponent(s)}/feed.xml` })),
      fc.tuple(hostileString, hostileString).map(([a, b]) => ({
        method: 'GET',
        path: `/issues/${encodeURIComponent(a)}/${encodeURIComponent(b)}`,
      })),
      hostileString.map((s) => ({ method: 'GET', path: `/check-your-inbox?embed=${encodeURIComponent(s)}` })),
      token.map((t) => ({
        method: 'POST',
        path: `/unsubscribe?token=${encodeURIComponent(t)}`,
        type: 'application/x-www-form-urlencoded',
        body: 'List-Unsubscribe=One-Click',
      })),
      fc.tuple(token, fieldValue).map(([t, scope]) => ({
        method: 'POST',
        path: `/unsubscribe?token=${encodeURIComponent(t)}`,
        type: 'application/json',
        body: JSON.stringify({ scope }),
      })),
      fc.tuple(token, fieldValue).map(([t, formToken]) => ({
        method: 'POST',
        path: '/confirm',
        type: 'application/x-www-form-urlencoded',
        body: new URLSearchParams({ token: t, formToken: JSON.stringify(formToken) ?? '' }).toString(),
      })),
      fc.tuple(token, fieldValue).map(([t, newsletters]) => ({
        method: 'POST',
        path: '/preferences',
        type: 'application/json',
        body: JSON.stringify({ token: t, newsletters }),
      })),
      brokenJson.map((body) => ({ method: 'POST', path: '/confirm', type: 'application/json', body })),
      brokenJson.map((body) => ({ method: 'POST', path: '/preferences', type: 'application/json', body })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r: { method: string; path: string; type?: string; body?: string }) => {
        fc.pre(r.path.length < 8000);
        const res = await fetch(`${api.baseUrl}${r.path}`, {
          method: r.method,
          headers: { accept: 'text/html', ...(r.type ? { 'content-type': r.type } : {}) },
          body: r.body,
        });
        expect({ request: r, status: res.status < 500 }).toEqual({ request: r, status: true });
        const answer = await res.text();
        const sent = decodeURIComponent(r.path) + (r.body ?? '');
        for (const payload of INJECTIONS) {
          if (sent.includes(payload)) expect(containsRawMarkup(answer, payload)).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('hostile names are stored as text and rendered escaped in pages and mails, never in a header', async () => {
    const name = fc.oneof(
      fc.constantFrom(...INJECTIONS),
      fc.tuple(fc.constantFrom(...INJECTIONS), fc.string({ unit: 'grapheme', maxLength: 10 })).map(([a, b]) => b + a),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
    );
    const accepted: Array<{ email: string; stored: string }> = [];
    await fc.assert(
      fc.asyncProperty(name, async (n) => {
        const email = uniqueEmail();
        const res = await post(
          '/subscriptions',
          JSON.stringify({ email, name: n, newsletters: ['morning', 'sport'], consent: true }),
          'application/json',
        );
        expect([202, 400]).toContain(res.status);
        if (res.status !== 202) return;
        const [row] = await db.query(`SELECT id, name FROM subscribers WHERE email = $1`, [email]);
        if (!row.name) return;
        accepted.push({ email, stored: row.name });
        const [confirmation] = await sink.waitForMailTo(email);
        // The confirmation mail never carries reader-supplied text (checked for names too long to occur by chance).
        if (row.name.length >= 6) {
          expect(confirmation.parsed.html || '').not.toContain(row.name);
          expect(confirmation.parsed.text || '').not.toContain(row.name);
        }
        const confirm = await post(
          '/confirm',
          JSON.stringify({
            token: tokens.sign({ subscriberId: row.id, newsletterId: ALL_NEWSLETTERS, purpose: 'confirm' }),
          }),
          'application/json',
        );
        expect(confirm.status).toBe(200);
        const prefs = tokens.sign({ subscriberId: row.id, newsletterId: ALL_NEWSLETTERS, purpose: 'preferences' });
        const page = await (await fetch(`${api.baseUrl}/preferences?token=${encodeURIComponent(prefs)}`)).text();
        expect(containsRawMarkup(page, row.name)).toBe(false);
        if (/[<>"&]/.test(row.name)) expect(unescapedOccurrences(page, row.name)).toBe(0);
      }),
      { numRuns: 40 },
    );
    expect(accepted.length).toBeGreaterThan(5);

    // Welcome mails (they greet the reader by name) and a digest (it does too).
    await db.query(
      `INSERT INTO articles (url, title, body, body_text, summary, topics, published_at)
       VALUES ('https://news.example.com/fuzz', 'Fuzzing <i>works</i>', 'b', 'b', 's', '{markets}', now() - interval '1 minute')`,
    );
    const issues = worker.get(IssueService);
    const issueId = await issues.createNow('morning');
    await waitFor(
      async () => (await db.query(`SELECT status FROM issues WHERE id = $1`, [issueId]))[0].status === 'sent',
      30000,
      'the digest to the fuzzed readers',
    );
    for (const { email, stored } of accepted) {
      const mails = await sink.waitForMailTo(email, 3);
      for (const mail of mails) {
        expect(headerNames(mail).filter((h) => !ALLOWED_HEADERS.has(h))).toEqual([]);
        expect(mail.parsed.to && 'value' in mail.parsed.to ? mail.parsed.to.value.map((a) => a.address) : []).toEqual([
          email,
        ]);
        expect(mail.parsed.bcc).toBeUndefined();
        expect(mail.parsed.cc).toBeUndefined();
        const html = mail.parsed.html || '';
        expect(containsRawMarkup(html, stored)).toBe(false);
        // As for the confirmation above, only names too long to occur in the template by chance (a
        // generated '"en' is found in the template's own lang="en").
        if (/[<>"]/.test(stored) && stored.length >= 6) expect(html).not.toContain(stored);
      }
    }
  });
});
