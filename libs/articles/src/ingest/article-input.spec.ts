import { ArticlePayloadError, parseArticlePayload } from './article-input';

const valid = {
  url: 'https://news.example.com/a',
  title: 'A title',
  body: '<p>Body</p>',
  topics: ['markets'],
  publishedAt: '2025-03-01T10:00:00Z',
};

function errorOf(body: unknown, max?: number): ArticlePayloadError {
  try {
    parseArticlePayload(body, max);
  } catch (err) {
    if (err instanceof ArticlePayloadError) return err;
    throw err;
  }
  throw new Error('expected an ArticlePayloadError');
}

describe('parseArticlePayload', () => {
  it('accepts one article, an array, or { articles }', () => {
    expect(parseArticlePayload(valid)).toHaveLength(1);
    expect(parseArticlePayload([valid, valid])).toHaveLength(2);
    expect(parseArticlePayload({ articles: [valid] })).toHaveLength(1);
  });

  it('names the field of a single article', () => {
    const err = errorOf({ ...valid, title: '   ', publishedAt: 'yesterday' });
    expect(err.status).toBe(400);
    expect(err.errors.map((e) => e.field).sort()).toEqual(['publishedAt', 'title']);
  });

  it('names the index and field in a list', () => {
    const err = errorOf([valid, valid, valid, { ...valid, url: 'javascript:alert(1)', topics: 'x' }]);
    expect(err.errors.map((e) => e.field)).toEqual(expect.arrayContaining(['articles[3].url', 'articles[3].topics']));
    expect(err.message).toContain('articles[3].url');
  });

  it('refuses more articles than allowed with 413, and non-objects with 400', () => {
    expect(errorOf([valid, valid, valid], 2).status).toBe(413);
    expect(errorOf('text').status).toBe(400);
    expect(errorOf([]).status).toBe(400);
    expect(errorOf([valid, 5]).errors[0].field).toBe('articles[1]');
  });

  it('drops unknown properties', () => {
    const [input] = parseArticlePayload({ ...valid, admin: true });
    expect(input).not.toHaveProperty('admin');
  });
});
