import { cleanName, isValidReaderEmail, plainTextProblem, toStoredEmail } from './reader-input';

describe('reader input', () => {
  it('stores internationalised domains in their ASCII form, lower-cased, keeping the local part', () => {
    expect(toStoredEmail(' Jo.Smith@Bücher.DE ')).toBe('Jo.Smith@xn--bcher-kva.de');
    expect(toStoredEmail('jo@xn--bcher-kva.de')).toBe('jo@xn--bcher-kva.de');
  });

  it('accepts ordinary and IDN addresses, refuses broken ones', () => {
    for (const ok of ['reader@example.com', 'jörg@bücher.de', 'a+tag@sub.example.co.uk'])
      expect(isValidReaderEmail(ok)).toBe(true);
    for (const bad of [
      '',
      'no-at-sign',
      'a@b',
      'a@localhost',
      'a b@example.com',
      'x@example.com\r\nBcc: y@z.com',
      42,
      null,
      `${'a'.repeat(250)}@example.com`,
    ]) {
      expect(isValidReaderEmail(bad)).toBe(false);
    }
  });

  it('refuses line breaks and control characters in names, not markup (escaped when shown)', () => {
    expect(plainTextProblem('Jane\r\nBcc: x@y.z', 100)).toMatch(/line breaks/);
    expect(plainTextProblem('Jane\u0000', 100)).toMatch(/control/);
    expect(plainTextProblem('evil\u202etxt.exe', 100)).toMatch(/control/);
    expect(plainTextProblem('<b>Jane</b> & "Co"', 100)).toBeNull();
    expect(plainTextProblem('x'.repeat(101), 100)).toMatch(/at most 100/);
  });

  it('trims names and turns empty ones into no name', () => {
    expect(cleanName('  Jane   Doe ')).toBe('Jane Doe');
    expect(cleanName('   ')).toBeNull();
    expect(cleanName(undefined)).toBeNull();
  });
});
