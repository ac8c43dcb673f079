import fc from 'fast-check';

/** Payloads aimed at HTML, script, header and SQL contexts. */
export const INJECTIONS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE subscribers; --",
  'x\r\nBcc: victim@example.org',
  'x\nX-Injected: yes',
  '{{constructor.constructor("return process")()}}',
  '%0d%0aSet-Cookie:%20a=b',
  '\u0000\u0007\u001b[31m',
  '\u202egnp.exe',
  'javascript:alert(1)',
  '../../../../etc/passwd',
  '${7*7}',
  '<svg/onload=alert(1)>',
];

/** Unicode and IDN addresses real readers have, plus hostile address-shaped strings. */
export const ADDRESSES = [
  'jöhn.dœ@exämple.de',
  '用户@例子.广告',
  'user@xn--exmple-cua.de',
  'δοκιμή@παράδειγμα.δοκιμή',
  'very.common@example.com',
  'x+tag@sub.example.co.uk',
  '"quoted local"@example.com',
  'a@b',
  'name@example.com\r\nBcc: victim@example.org',
  '<script>@example.com',
  'a'.repeat(300) + '@example.com',
];

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTIONS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(...ADDRESSES) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 20000 }).map((n) => 'A'.repeat(n)) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 10 })).map(([a, b]) => `${b}${a}${b}`),
  },
);

export const emailLike = fc.oneof(
  { weight: 3, arbitrary: fc.emailAddress() },
  { weight: 2, arbitrary: fc.constantFrom(...ADDRESSES) },
  { weight: 1, arbitrary: hostileString },
);

/** Any JSON-ish value of the wrong type for a field. */
export const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

export const fieldValue = fc.oneof({ weight: 4, arbitrary: hostileString }, { weight: 1, arbitrary: wrongType });

/** Bodies that are not valid JSON, or valid JSON of the wrong shape. */
export const brokenJson = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,2', '{"email":"a@b.c",}', 'null', '"x"', '42', '[]', '{}', '\u0000', ''),
  fc.string({ maxLength: 100 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
);

/** Asserts an HTTP status is an answer, not a crash. */
export function notServerError(status: number): boolean {
  return status < 500;
}
