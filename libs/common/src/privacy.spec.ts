import { createHmac } from 'node:crypto';
import { emailHash } from './privacy';

describe('emailHash', () => {
  it('is the HMAC-SHA256 of the normalised address under "<secret>:email-hash", per secret', () => {
    const expected = (secret: string) =>
      createHmac('sha256', `${secret}:email-hash`).update('jane@example.com').digest('hex');
    expect(emailHash(' Jane@Example.com ', 'first-secret')).toBe(expected('first-secret'));
    expect(emailHash('jane@example.com', 'second-secret')).toBe(expected('second-secret'));
    expect(emailHash('jane@example.com', 'first-secret')).toBe(expected('first-secret'));
  });
});
