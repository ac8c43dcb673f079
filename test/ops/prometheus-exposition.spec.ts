import { parseExposition, sampleValue } from './prometheus-exposition';

describe('parseExposition (test helper)', () => {
  const valid =
    '# HELP a_total Things.\n# TYPE a_total counter\na_total{n="x \\"y\\""} 3\n' +
    '# TYPE h histogram\nh_bucket{le="0.1",k="m"} 1\nh_bucket{le="+Inf",k="m"} 2\nh_sum{k="m"} 0.5\nh_count{k="m"} 2\n' +
    'h_bucket{le="0.1",k="M"} 0\nh_bucket{le="+Inf",k="M"} 1\nh_sum{k="M"} 9\nh_count{k="M"} 1\n# TYPE g gauge\ng Nan\n';

  it('reads counters, escaped labels and labelled histograms', () => {
    const f = parseExposition(valid);
    expect(sampleValue(f, 'a_total', { n: 'x "y"' })).toBe(3);
    expect(f.get('h')!.histograms).toEqual([
      { labels: { k: 'm' }, buckets: { '0.1': 1, '+Inf': 2 }, sum: 0.5, count: 2 },
      { labels: { k: 'M' }, buckets: { '0.1': 0, '+Inf': 1 }, sum: 9, count: 1 },
    ]);
    expect(sampleValue(f, 'g')).toBeNaN();
  });

  it.each([
    ['garbage', 'hello world\n'],
    ['an undeclared family', 'b 1\n'],
    ['an unterminated label', '# TYPE a counter\na{x="1} 3\n'],
    ['a bad value', '# TYPE a counter\na 3x\n'],
    [
      'a non-cumulative histogram',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    ['a missing final newline', '# TYPE a counter\na 1'],
  ])('rejects %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow();
  });
});
