import { articleHtmlToText, htmlToPlainText, looksLikeHtml, sanitiseArticleHtml, textToHtml } from './article-html';

const BASE = 'https://news.example.com/world/story';

describe('sanitiseArticleHtml', () => {
  it('strips scripts, styles, event handlers and dangerous URLs', () => {
    const dirty = [
      '<p onclick="steal()">Hello <strong>world</strong></p>',
      '<script>alert(document.cookie)</script>',
      '<style>body{display:none}</style>',
      '<img src="x.png" onerror="alert(1)" alt="Chart">',
      '<a href="javascript:alert(1)">click</a>',
      '<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>',
      '<img src="data:image/png;base64,AAAA" alt="inline">',
      '<iframe src="https://evil.example"></iframe>',
      '<p style="color:red" class="x">Styled</p>',
    ].join('');
    const clean = sanitiseArticleHtml(dirty, BASE);
    expect(clean).not.toMatch(/script|<style|style=|onclick|onerror|javascript:|data:|iframe|alert/i);
    expect(clean).toContain('<p>Hello <strong>world</strong></p>');
    expect(clean).toContain('<img src="https://news.example.com/world/x.png" alt="Chart" />');
    expect(clean).toContain('<a>click</a>');
    expect(clean).toContain('<p>Styled</p>');
  });

  it('keeps the whitelist and resolves relative links against the article URL', () => {
    const clean = sanitiseArticleHtml(
      '<h1>Top</h1><h3>Sub</h3><blockquote>Q</blockquote><ul><li><a href="/sport/match">Match</a></li></ul><b>B</b><i>I</i>',
      BASE,
    );
    expect(clean).toBe(
      '<h2>Top</h2><h3>Sub</h3><blockquote>Q</blockquote><ul><li><a href="https://news.example.com/sport/match">Match</a></li></ul><strong>B</strong><em>I</em>',
    );
  });
});

describe('plain text and HTML', () => {
  it('tells HTML from text', () => {
    expect(looksLikeHtml('<p>Hi</p>')).toBe(true);
    expect(looksLikeHtml('Profits rose 5% as 3 < 4 and costs > revenue.')).toBe(false);
  });

  it('turns text paragraphs into escaped HTML paragraphs', () => {
    expect(textToHtml('First <b>para</b>.\n\nSecond\nline.')).toBe(
      '<p>First &lt;b&gt;para&lt;/b&gt;.</p>\n<p>Second<br>line.</p>',
    );
  });

  it('extracts paragraph text without link targets or images', () => {
    const html = sanitiseArticleHtml(
      '<h2>Heading</h2><p>One <a href="https://x.example">link</a>.</p><img src="https://x/y.png" alt="pic"><ul><li>Related: other</li><li>More</li></ul><p>AT&amp;T &lt;3 &quot;quoted&quot; caf&eacute; &#8212; line<br>two</p>',
      BASE,
    );
    expect(articleHtmlToText(html)).toBe(
      'Heading\n\nOne link.\n\n• Related: other\n\n• More\n\nAT&T <3 "quoted" café — line\ntwo',
    );
  });

  it('turns untrusted HTML into text without any markup', () => {
    expect(htmlToPlainText('<div onclick="x()">Hi <script>alert(1)</script><b>there</b></div>')).toBe('Hi there');
  });
});
