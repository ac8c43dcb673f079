import { terms } from './terms';

describe('terms', () => {
  it('stems, folds case and diacritics, drops stop words and stray numbers', () => {
    expect(terms("The minister's Elections: Café owners said 42 elected in 2024")).toEqual([
      'minist',
      'elect',
      'cafe',
      'owner',
      'elect',
      '2024',
    ]);
  });
});
