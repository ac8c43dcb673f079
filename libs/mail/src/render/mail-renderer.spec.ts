import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledMail, MissingPlaceholderValueError, PLACEHOLDER_PATTERN } from './compiled-mail';
import { MAIL_TEMPLATES_DIR, MailRenderer } from './mail-renderer';

const config = {
  mailFrom: 'The Daily Example <news@example.com>',
  postalAddress: 'Example Media Ltd, 1 Fleet Street, London EC4Y 1AA',
  publicBaseUrl: 'https://news.example.com',
};

/** Data each of our templates needs (the digest template belongs to the digests lib and is tested there). */
const TEMPLATE_DATA: Record<string, Record<string, unknown>> = {
  confirm: {
    newsletters: [{ name: 'Morning Briefing', description: 'The news before breakfast' }],
    whyReceiving: 'Someone entered this address on a sign-up form at news.example.com.',
  },
  welcome: {
    newsletters: [{ name: 'Morning Briefing', description: '' }],
    whyReceiving: 'You subscribed at news.example.com.',
  },
  unsubscribed: {
    newsletterName: 'Morning Briefing',
    subscribeUrl: 'https://news.example.com/',
    whyReceiving: 'This address was unsubscribed at news.example.com.',
  },
  'data-export': { whyReceiving: 'A copy of your data was requested at news.example.com.' },
};

function valuesFor(mail: CompiledMail): Record<string, string> {
  return Object.fromEntries(mail.placeholders.map((p) => [p, `https://news.example.com/${p}?token=abc`]));
}

describe('MailRenderer', () => {
  const renderer = new MailRenderer(config);

  it('has test data for every email template in templates/ (digest aside)', () => {
    const templates = readdirSync(MAIL_TEMPLATES_DIR)
      .filter((f) => f.endsWith('.mjml') && f !== 'digest.mjml')
      .map((f) => f.replace(/\.mjml$/, ''));
    expect(templates.sort()).toEqual(Object.keys(TEMPLATE_DATA).sort());
  });

  it.each(Object.keys(TEMPLATE_DATA))(
    'compiles %s under strict MJML validation with layout, footer and text part',
    async (name) => {
      const mail = await renderer.compile(name, TEMPLATE_DATA[name], { subject: `Subject of ${name}` });
      expect(mail.subject).toBe(`Subject of ${name}`);
      expect(mail.html).toContain('<title>Subject of');
      expect(mail.html).toContain(config.postalAddress);
      expect(mail.html).toContain('The Daily Example');
      expect(mail.placeholders).toContain('unsubscribeUrl');
      expect(mail.text).toContain(config.postalAddress);
      expect(mail.text).toContain(TEMPLATE_DATA[name].whyReceiving as string);
      const out = mail.personalise(valuesFor(mail));
      expect(out.html).toContain('href="https://news.example.com/unsubscribeUrl?token=abc"');
      expect(out.text).toContain('https://news.example.com/unsubscribeUrl?token=abc');
      for (const part of [out.subject, out.html, out.text]) expect(part).not.toMatch(PLACEHOLDER_PATTERN);
    },
  );

  it('sends minified HTML that keeps Outlook conditional comments, placeholders and the text part', async () => {
    const mail = await renderer.compile('welcome', TEMPLATE_DATA.welcome, { subject: 'Minified' });
    // MJML's own output puts every nested table on an indented line of its own; minified, the
    // body is one line with single spaces between tags (the head's Outlook-only block is left alone).
    const body = mail.html.slice(mail.html.indexOf('<body'));
    expect(body).not.toContain('\n');
    expect(body).not.toMatch(/>\s{2,}</);
    expect(mail.html).toContain('<!--[if mso | IE]>');
    expect(mail.html).toContain('href="%%unsubscribeUrl%%"');
    expect(mail.text).toContain('Morning Briefing');
    expect(mail.text).toContain(config.postalAddress);
  });

  it('throws on a template MJML rejects at strict validation', async () => {
    const broken = '<mjml><mj-body><mj-section><mj-text>text outside a column</mj-text></mj-section></mj-body></mjml>';
    await expect(renderer.compileSource(broken, {}, { subject: 'x' })).rejects.toThrow(
      /mj-text cannot be used inside mj-section/,
    );
  });

  it('throws when a template uses data it was not given (Handlebars strict mode)', async () => {
    await expect(renderer.compile('confirm', { newsletters: [] }, { subject: 'x' })).rejects.toThrow(/whyReceiving/);
  });

  it('escapes compile-time data and never lets data forge a placeholder', async () => {
    const mail = await renderer.compile(
      'confirm',
      {
        newsletters: [{ name: '<script>alert(1)</script> & "quotes"', description: 'costs %%unsubscribeUrl%% today' }],
        whyReceiving: 'why',
      },
      { subject: 'Confirm %%confirmUrl%% {{newsletters.0.description}}' },
    );
    expect(mail.html).not.toContain('<script>alert(1)</script>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    const out = mail.personalise(valuesFor(mail));
    // The description's %% survived as text, not as the reader's link.
    expect(out.html).toContain('costs %\u200b%unsubscribeUrl%\u200b% today');
    expect(out.subject).toBe(
      'Confirm https://news.example.com/confirmUrl?token=abc costs %\u200b%unsubscribeUrl%\u200b% today',
    );
  });

  it('compiles each identical variant once per process', async () => {
    const a = renderer.compile('data-export', TEMPLATE_DATA['data-export'], { subject: 'Export' });
    const b = renderer.compile('data-export', TEMPLATE_DATA['data-export'], { subject: 'Export' });
    expect(await a).toBe(await b);
  });

  it('keeps nothing of a mail compiled once: the same input is compiled again', async () => {
    const a = await renderer.compileOnce('data-export', TEMPLATE_DATA['data-export'], { subject: 'Export' });
    const b = await renderer.compileOnce('data-export', TEMPLATE_DATA['data-export'], { subject: 'Export' });
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
  });
});

describe('CompiledMail.personalise', () => {
  const mail = new CompiledMail(
    'Hello %%name%%',
    '<p title="%%name%%">Hi %%name%%</p><div>%%recommendations%%</div><a href="%%unsubscribeUrl%%">x</a>',
    'Hi %%name%%\n%%recommendations%%\nUnsubscribe: %%unsubscribeUrl%%',
  );
  const values = {
    name: `<script>alert("x")</script> O'Brien & co`,
    recommendations: 'Read: Tech Weekly',
    unsubscribeUrl: 'https://news.example.com/unsubscribe?token=a&b=c',
  };

  it('escapes values in HTML (text and attributes) and keeps them raw in text', () => {
    const out = mail.personalise(values);
    expect(out.html).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; co">Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; O&#39;Brien &amp; co</p>' +
        '<div>Read: Tech Weekly</div><a href="https://news.example.com/unsubscribe?token=a&amp;b=c">x</a>',
    );
    expect(out.text).toBe(`Hi ${values.name}\nRead: Tech Weekly\nUnsubscribe: ${values.unsubscribeUrl}`);
  });

  it('puts trusted HTML fragments in the HTML part verbatim and their text version in the text part', () => {
    const out = mail.personalise(values, {
      recommendations: '<ul><li><a href="https://x.example/">Tech Weekly</a></li></ul>',
    });
    expect(out.html).toContain('<div><ul><li><a href="https://x.example/">Tech Weekly</a></li></ul></div>');
    expect(out.text).toContain('\nRead: Tech Weekly\n');
  });

  it('keeps the subject on one line', () => {
    expect(mail.personalise({ ...values, name: 'Eve\r\nBcc: victim@example.com' }).subject).toBe(
      'Hello Eve Bcc: victim@example.com',
    );
  });

  it('refuses to leave a placeholder behind', () => {
    expect(() => mail.personalise({ name: 'Jane' })).toThrow(MissingPlaceholderValueError);
    expect(() => mail.personalise({ name: 'Jane' })).toThrow(/recommendations, unsubscribeUrl/);
  });

  it('does not substitute inside substituted values', () => {
    const out = mail.personalise({ ...values, name: '%%unsubscribeUrl%%' });
    expect(out.text.startsWith('Hi %%unsubscribeUrl%%\n')).toBe(true);
  });

  it('round-trips through its stored parts', () => {
    const again = CompiledMail.fromParts(mail.toParts());
    expect(again.personalise(values)).toEqual(mail.personalise(values));
  });
});

it('templates directory is the repository templates folder', () => {
  expect(MAIL_TEMPLATES_DIR).toBe(join(process.cwd(), 'templates'));
});
