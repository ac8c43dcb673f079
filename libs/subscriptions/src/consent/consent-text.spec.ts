import { createHash } from 'node:crypto';
import { consentText, CURRENT_CONSENT_VERSION, isKnownConsentVersion } from './consent-text';

describe('consent text', () => {
  it('fingerprints the exact wording shown with SHA-256', () => {
    const shown = consentText(['Morning Briefing']);
    expect(shown.sha256).toBe(createHash('sha256').update(shown.text, 'utf8').digest('hex'));
    expect(shown.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(shown.version).toBe(CURRENT_CONSENT_VERSION);
  });

  it('names the chosen newsletters and promises only related recommendations besides', () => {
    const text = consentText(['Morning Briefing', 'World Affairs', 'Sport Extra']).text;
    expect(text).toContain('Morning Briefing, World Affairs and Sport Extra');
    expect(text).toContain('recommendations for other related newsletters');
    expect(text).toContain('unsubscribe at any time');
  });

  it('refers to the ticked boxes on the hosted page, where no single newsletter is named', () => {
    expect(consentText(null).text).toContain('the newsletters I have ticked');
  });

  it('is stable per version and differs between wordings', () => {
    expect(consentText(['A']).sha256).toBe(consentText(['A']).sha256);
    expect(consentText(['A']).sha256).not.toBe(consentText(['B']).sha256);
    expect(consentText(null).sha256).not.toBe(consentText(['A']).sha256);
  });

  it('keeps apart the texts of name lists that join alike (texts are remembered per list)', () => {
    expect(consentText(['A\nB']).text).not.toBe(consentText(['A', 'B']).text);
  });

  it('refuses a version that was never published', () => {
    expect(isKnownConsentVersion(CURRENT_CONSENT_VERSION)).toBe(true);
    expect(isKnownConsentVersion('1999-01-01')).toBe(false);
    expect(() => consentText(null, '1999-01-01')).toThrow(/unknown consent text version/);
  });
});
