import { canonicalUrl, InvalidUrlError } from './canonical-url';

describe('canonicalUrl', () => {
  it('lower-cases the host, drops the fragment, tracking parameters and the trailing slash', () => {
    expect(
      canonicalUrl('HTTPS://News.Example.COM:443/World/Story-1/?utm_source=nl&utm_medium=email&fbclid=x#comments'),
    ).toBe('https://news.example.com/World/Story-1');
  });

  it('keeps parameters that select content, in a stable order', () => {
    expect(canonicalUrl('https://example.com/article?page=2&id=7&utm_campaign=x')).toBe(
      'https://example.com/article?id=7&page=2',
    );
    expect(canonicalUrl('https://example.com/article?id=7&page=2')).toBe(
      canonicalUrl('https://example.com/article/?page=2&id=7'),
    );
  });

  it('keeps the root path and a non-default port', () => {
    expect(canonicalUrl('http://example.com')).toBe('http://example.com/');
    expect(canonicalUrl('http://example.com:8080/a/')).toBe('http://example.com:8080/a');
  });

  it('refuses non-http schemes and garbage', () => {
    expect(() => canonicalUrl('javascript:alert(1)')).toThrow(InvalidUrlError);
    expect(() => canonicalUrl('ftp://example.com/a')).toThrow(InvalidUrlError);
    expect(() => canonicalUrl('not a url')).toThrow(InvalidUrlError);
  });
});
