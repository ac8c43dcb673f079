import fc from 'fast-check';
import { JsonArraySplitter, JsonStreamError } from './json-array-splitter';

function splitAll(chunks: string[]): Array<{ value: unknown; line: number }> {
  const splitter = new JsonArraySplitter();
  const out = chunks.flatMap((c) => splitter.push(c));
  splitter.end();
  return out.map((e) => ({ value: JSON.parse(e.text), line: e.line }));
}

describe('JsonArraySplitter', () => {
  const doc = [
    '[',
    '  {"email": "a@example.com", "newsletters": ["x", "y"], "note": "comma, ] and } inside"},',
    '  {"email": "b@example.com", "name": "Quote \\" and \\\\ backslash"},',
    '  {"nested": {"deep": [1, {"k": "v"}]}},',
    '  "just a string", 42, null',
    ']',
  ].join('\n');

  it('yields each element with the line it starts on', () => {
    const out = splitAll([doc]);
    expect(out.map((e) => e.line)).toEqual([2, 3, 4, 5, 5, 5]);
    expect(out[0].value).toMatchObject({ email: 'a@example.com', note: 'comma, ] and } inside' });
    expect(out[1].value).toMatchObject({ name: 'Quote " and \\ backslash' });
    expect(out.slice(3).map((e) => e.value)).toEqual(['just a string', 42, null]);
  });

  it('gives the same elements however the stream is chunked', () => {
    const whole = splitAll([doc]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: doc.length }), { maxLength: 12 }), (cuts) => {
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), doc.length];
        const chunks = points.slice(1).map((end, i) => doc.slice(points[i], end));
        expect(splitAll(chunks)).toEqual(whole);
      }),
    );
  });

  it('round-trips arbitrary JSON arrays', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.integer({ min: 1, max: 7 }), (values, size) => {
        const text = JSON.stringify(values, null, 1);
        const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
        expect(splitAll(chunks).map((e) => e.value)).toEqual(JSON.parse(text));
      }),
    );
  });

  it('leaves a malformed element to JSON.parse, so only that row fails', () => {
    const splitter = new JsonArraySplitter();
    const parts = splitter.push('[{"a": 1}, {"b": oops}, {"c": 3}]');
    splitter.end();
    expect(parts.map((p) => p.text.trim())).toEqual(['{"a": 1}', '{"b": oops}', '{"c": 3}']);
    expect(() => JSON.parse(parts[1].text)).toThrow();
  });

  it('accepts an empty array and a byte-order mark', () => {
    expect(splitAll(['\ufeff [ \n ] \n'])).toEqual([]);
  });

  it('refuses what is not one JSON array', () => {
    const fails = (text: string) => () => {
      const s = new JsonArraySplitter();
      s.push(text);
      s.end();
    };
    expect(fails('{"email": "a@b.c"}')).toThrow(JsonStreamError);
    expect(fails('[{"a": 1},')).toThrow(/end of the JSON array/);
    expect(fails('[{"a": 1}')).toThrow(/end of the JSON array/);
    expect(fails('[1,,2]')).toThrow(/unexpected ","/);
    expect(fails('[1] [2]')).toThrow(/after the closing/);
    expect(fails('')).toThrow(/end of the JSON array/);
  });
});
