import { PageRenderer } from './page-renderer';

describe('PageRenderer', () => {
  const pages = new PageRenderer();

  it('starts every page with a doctype, so browsers render in standards mode', () => {
    const html = pages.render('privacy', { version: '1', notice: 'n', sections: [] }, { title: 'Privacy' });
    expect(html.startsWith('<!doctype html>\n<html')).toBe(true);
  });

  it('escapes values and marks compact pages with the bare class', () => {
    const html = pages.render(
      'privacy',
      { version: '<b>1</b>', sections: [] },
      { title: '<script>x</script>', bare: true },
    );
    expect(html).not.toContain('<script>x</script>');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).toMatch(/<body class=.bare.>/);
  });
});
