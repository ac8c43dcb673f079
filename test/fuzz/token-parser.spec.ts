import fc from 'fast-check';
import { ALL_NEWSLETTERS, InvalidTokenError, TokenPurpose, TokenService } from '@app/subscriptions';

/** Property-based checks of the token parser: whatever arrives in a link, it answers claims or InvalidTokenError. */
describe('token parser (fuzz)', () => {
  const purposes: TokenPurpose[] = ['confirm', 'unsubscribe', 'preferences', 'export'];
  const now = Date.UTC(2026, 5, 1);
  const tokens = new TokenService({ appSecrets: ['fuzz-current-secret-0123', 'fuzz-previous-secret-0123'] }, () => now);
  const purpose = fc.constantFrom(...purposes);
  const claims = fc.record({
    subscriberId: fc.uuid(),
    newsletterId: fc.oneof(fc.uuid(), fc.constant(ALL_NEWSLETTERS)),
    purpose,
  });

  /** Either valid claims or the one expected error type; anything else (TypeError, RangeError...) fails. */
  const verifyOrRefuse = (token: unknown, p: TokenPurpose) => {
    try {
      return tokens.verify(token, p);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidTokenError);
      return null;
    }
  };

  it('never throws anything but InvalidTokenError, whatever the input', () => {
    const anyInput = fc.oneof(
      fc.string({ maxLength: 600 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      fc.base64String({ maxLength: 200 }).map((s) => `${s}.${s}`),
      fc.array(fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/), { maxLength: 4 }).map((parts) => parts.join('.')),
      fc.anything(),
    );
    fc.assert(
      fc.property(anyInput, purpose, (input, p) => {
        expect(verifyOrRefuse(input, p)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every truncation, extension and one-character change of a valid token', () => {
    fc.assert(
      fc.property(
        claims,
        fc.nat(),
        fc.constantFrom('truncate', 'extend', 'replace'),
        fc.string({ minLength: 1, maxLength: 3 }),
        (c, position, mutation, extra) => {
          const token = tokens.sign(c);
          const at = position % token.length;
          const forged =
            mutation === 'truncate'
              ? token.slice(0, at)
              : mutation === 'extend'
                ? token.slice(0, at) + extra + token.slice(at)
                : token.slice(0, at) + extra[0] + token.slice(at + 1);
          fc.pre(forged !== token);
          expect(verifyOrRefuse(forged, c.purpose)).toBeNull();
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('a token only ever works for its own purpose, and carries exactly what was signed', () => {
    fc.assert(
      fc.property(claims, purpose, (c, asked) => {
        const verified = verifyOrRefuse(tokens.sign(c), asked);
        if (asked === c.purpose) expect(verified).toMatchObject(c);
        else expect(verified).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('a payload re-encoded for another reader or newsletter is refused (the signature covers it)', () => {
    fc.assert(
      fc.property(claims, fc.uuid(), (c, other) => {
        fc.pre(other !== c.subscriberId && other !== c.newsletterId);
        const [payload, signature] = tokens.sign(c).split('.');
        const decoded = Buffer.from(payload, 'base64url').toString('utf8');
        for (const swapped of [decoded.replace(c.subscriberId, other), decoded.replace(c.newsletterId, other)]) {
          const forged = `${Buffer.from(swapped).toString('base64url')}.${signature}`;
          expect(verifyOrRefuse(forged, c.purpose)).toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });
});
