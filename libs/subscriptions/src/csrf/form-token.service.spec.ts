import { FORM_TOKEN_LIFETIME_SECONDS, FormTokenService, InvalidFormTokenError } from './form-token.service';

describe('FormTokenService (CSRF tokens of the hosted forms)', () => {
  let clock = Date.UTC(2026, 0, 1);
  const secrets = { appSecrets: ['current-secret-0123456789'] };
  const tokens = new FormTokenService(secrets, () => clock);
  const onlySubscribe = (form: string) => form.startsWith('subscribe:');

  beforeEach(() => (clock = Date.UTC(2026, 0, 1)));

  it('vouches for the form it was issued with and the consent text that form showed', () => {
    const token = tokens.issue('subscribe:page', { version: 'v1', sha256: 'ab'.repeat(32) });
    expect(tokens.verify(token, onlySubscribe)).toMatchObject({
      form: 'subscribe:page',
      consentVersion: 'v1',
      consentSha256: 'ab'.repeat(32),
    });
  });

  it('gives every served form a different token', () => {
    expect(tokens.issue('confirm')).not.toBe(tokens.issue('confirm'));
  });

  it('refuses a token issued for another form', () => {
    const token = tokens.issue('preferences');
    expect(() => tokens.verify(token, onlySubscribe)).toThrow(InvalidFormTokenError);
  });

  it('refuses missing, garbage, truncated and tampered tokens', () => {
    const token = tokens.issue('subscribe:page');
    const [payload, mac] = token.split('.');
    const forgedClaims = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('subscribe:page', 'subscribe:embed:x'),
    ).toString('base64url');
    for (const bad of [
      undefined,
      null,
      42,
      '',
      'garbage',
      '..',
      token.slice(0, -2),
      `${token}.x`,
      `${forgedClaims}.${mac}`,
      'a'.repeat(2000),
    ]) {
      expect(() => tokens.verify(bad, onlySubscribe)).toThrow(InvalidFormTokenError);
    }
  });

  it('refuses a token signed with a secret this deployment does not hold', () => {
    const foreign = new FormTokenService({ appSecrets: ['someone-elses-secret-0123'] }, () => clock).issue(
      'subscribe:page',
    );
    expect(() => tokens.verify(foreign, onlySubscribe)).toThrow(/signature/);
  });

  it('expires after a day, and keeps working across a secret rotation until then', () => {
    const token = tokens.issue('subscribe:page');
    const rotated = new FormTokenService(
      { appSecrets: ['next-secret-0123456789', secrets.appSecrets[0]] },
      () => clock,
    );
    clock += (FORM_TOKEN_LIFETIME_SECONDS - 60) * 1000;
    expect(rotated.verify(token, onlySubscribe).form).toBe('subscribe:page');
    clock += 120 * 1000;
    expect(() => rotated.verify(token, onlySubscribe)).toThrow(/expired/);
  });
});
