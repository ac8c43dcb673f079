import { InvalidTokenError, TokenService } from './token.service';

describe('TokenService', () => {
  const subscriberId = '6f1c1a3e-4b4e-4a53-9d55-2f0d5a1b8c01';
  const newsletterId = '0d9f4c8a-1111-4222-8333-944455566677';
  let clock = Date.UTC(2026, 0, 1);
  const tokens = new TokenService({ appSecrets: ['current-secret-0123456789'] }, () => clock);

  beforeEach(() => (clock = Date.UTC(2026, 0, 1)));

  it('round-trips the claims it signs', () => {
    const t = tokens.sign({ subscriberId, newsletterId, purpose: 'unsubscribe' });
    expect(tokens.verify(t, 'unsubscribe')).toMatchObject({ subscriberId, newsletterId, purpose: 'unsubscribe' });
  });

  it('refuses a token used for another purpose (an unsubscribe token cannot confirm)', () => {
    const t = tokens.sign({ subscriberId, newsletterId, purpose: 'unsubscribe' });
    expect(() => tokens.verify(t, 'confirm')).toThrow(InvalidTokenError);
  });

  it('refuses tampered, truncated and garbage tokens', () => {
    const t = tokens.sign({ subscriberId, newsletterId, purpose: 'unsubscribe' });
    const [payload, sig] = t.split('.');
    const otherReader = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace(subscriberId, '00000000-0000-4000-8000-000000000000'),
    ).toString('base64url');
    for (const bad of [
      `${otherReader}.${sig}`,
      t.slice(0, -3),
      `${t}.x`,
      '',
      'garbage',
      '..',
      42,
      null,
      'a'.repeat(600),
    ]) {
      expect(() => tokens.verify(bad, 'unsubscribe')).toThrow(InvalidTokenError);
    }
  });

  it('expires confirm tokens after 7 days but never unsubscribe tokens', () => {
    const confirm = tokens.sign({ subscriberId, newsletterId: 'all', purpose: 'confirm' });
    const unsubscribe = tokens.sign({ subscriberId, newsletterId, purpose: 'unsubscribe' });
    clock += 6 * 24 * 3600 * 1000;
    expect(tokens.verify(confirm, 'confirm').subscriberId).toBe(subscriberId);
    clock += 2 * 24 * 3600 * 1000;
    expect(() => tokens.verify(confirm, 'confirm')).toThrow(/expired/);
    clock += 3650 * 24 * 3600 * 1000;
    expect(tokens.verify(unsubscribe, 'unsubscribe').newsletterId).toBe(newsletterId);
  });

  it('keeps accepting links signed with a previous secret after rotation', () => {
    const old = new TokenService({ appSecrets: ['old-secret-0123456789'] }).sign({
      subscriberId,
      newsletterId,
      purpose: 'unsubscribe',
    });
    const rotated = new TokenService({ appSecrets: ['new-secret-0123456789', 'old-secret-0123456789'] });
    expect(rotated.verify(old, 'unsubscribe').subscriberId).toBe(subscriberId);
    const forgotten = new TokenService({ appSecrets: ['new-secret-0123456789'] });
    expect(() => forgotten.verify(old, 'unsubscribe')).toThrow(InvalidTokenError);
  });
});
