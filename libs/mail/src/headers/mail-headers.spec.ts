import {
  HeaderInjectionError,
  listIdHeader,
  MailHeaders,
  recipient,
  stableMessageId,
  subscriberHeaders,
} from './mail-headers';

describe('subscriber headers', () => {
  const base = 'https://news.example.com:8443';

  it('carry one-click List-Unsubscribe (RFC 8058) and a List-Id under the public host', () => {
    const headers = subscriberHeaders(
      'https://news.example.com/unsubscribe?token=abc.def',
      { slug: 'morning-briefing', name: 'Morning Briefing' },
      base,
    );
    expect(headers).toEqual({
      'List-Unsubscribe': '<https://news.example.com/unsubscribe?token=abc.def>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': '"Morning Briefing" <morning-briefing.news.example.com>',
    });
  });

  it('List-Id quotes or encodes the phrase and never lets it break the header', () => {
    expect(listIdHeader({ slug: 'tech', name: 'Say "hi" \\ bye' }, base)).toBe(
      '"Say \\"hi\\" \\\\ bye" <tech.news.example.com>',
    );
    expect(listIdHeader({ slug: 'tech', name: 'Evil\r\nBcc: x@example.com' }, base)).toBe(
      '"Evil Bcc: x@example.com" <tech.news.example.com>',
    );
    expect(listIdHeader({ slug: 'culture', name: 'Café Société' }, base)).toMatch(
      /^=\?UTF-8\?Q\?.+\?= <culture\.news\.example\.com>$/,
    );
    expect(listIdHeader(null, base)).toBe('"All newsletters" <all.news.example.com>');
  });

  it('refuse an unsubscribe URL that could break out of the header', () => {
    expect(() => subscriberHeaders('https://x.example/u?t=a\r\nBcc: y@example.com', null, base)).toThrow(
      HeaderInjectionError,
    );
    expect(() => subscriberHeaders('javascript:alert(1)', null, base)).toThrow(HeaderInjectionError);
  });
});

describe('recipient', () => {
  it('strips CR/LF and other control characters from the display name', () => {
    expect(recipient('jane@example.com', 'Jane\r\nBcc: victim@example.com')).toEqual({
      name: 'Jane Bcc: victim@example.com',
      address: 'jane@example.com',
    });
    expect(recipient('jane@example.com', '  ')).toEqual({ address: 'jane@example.com' });
    expect(recipient('jane@example.com', null)).toEqual({ address: 'jane@example.com' });
  });

  it('refuses addresses carrying header or address syntax', () => {
    for (const bad of [
      'jane@example.com\r\nBcc: x@y.z',
      'a@b.c, d@e.f',
      'Jane <jane@example.com>',
      'jane@exa mple.com',
      'no-at-sign',
      'a@b@c',
    ]) {
      expect(() => recipient(bad, 'Jane')).toThrow(HeaderInjectionError);
    }
  });

  it('accepts unicode addresses', () => {
    expect(recipient('józef@bücher.example', 'Józef').address).toBe('józef@bücher.example');
  });
});

describe('Message-ID', () => {
  it('is stable for the same ids and differs for others', () => {
    const a = stableMessageId(['issue', 'i-1', 's-1'], 'example.com');
    expect(a).toMatch(/^<issue\.[0-9a-f]{32}@example\.com>$/);
    expect(stableMessageId(['issue', 'i-1', 's-1'], 'example.com')).toBe(a);
    expect(stableMessageId(['issue', 'i-1', 's-2'], 'example.com')).not.toBe(a);
    // Joining is unambiguous: ['a-b','c'] and ['a','b-c'] are different messages.
    expect(stableMessageId(['x', 'a-b', 'c'], 'e.com')).not.toBe(stableMessageId(['x', 'a', 'b-c'], 'e.com'));
  });

  it('uses the MAIL_FROM domain', () => {
    const headers = new MailHeaders({
      mailFrom: 'News <news@mail.example.org>',
      publicBaseUrl: 'https://news.example.com',
    });
    expect(headers.messageId('confirm', 'job-1')).toMatch(/@mail\.example\.org>$/);
    expect(
      headers.forSubscriber('https://news.example.com/unsubscribe?token=t', { slug: 'a', name: 'A' })['List-Id'],
    ).toBe('"A" <a.news.example.com>');
  });
});
