import { checkImportRow } from './import-row';

describe('checkImportRow', () => {
  const ids: Record<string, string> = { 'morning-briefing': 'id-mb', 'world-affairs': 'id-wa' };
  const lookup = (slug: string) => ids[slug];
  const now = Date.UTC(2026, 5, 1);
  const valid = {
    email: 'Reader@Bücher.de',
    name: ' Jane  Doe ',
    newsletters: ['morning-briefing'],
    consentedAt: '2024-03-01T09:30:00Z',
    consentSource: 'old-platform signup form',
  };
  const check = (patch: Record<string, unknown>) => checkImportRow({ ...valid, ...patch }, 7, lookup, now);

  it('normalises a valid row', () => {
    const result = check({});
    expect(result).toEqual({
      ok: true,
      row: {
        line: 7,
        email: 'Reader@xn--bcher-kva.de',
        name: 'Jane Doe',
        newsletterIds: ['id-mb'],
        consentedAt: new Date('2024-03-01T09:30:00Z'),
        consentSource: 'old-platform signup form',
      },
    });
  });

  it('reads CSV newsletter cells separated by ; or |', () => {
    const result = check({ newsletters: 'morning-briefing; world-affairs|morning-briefing' });
    expect(result.ok && result.row.newsletterIds).toEqual(['id-mb', 'id-wa']);
  });

  it.each([
    [{ email: 'not-an-address' }, /^email/],
    [{ email: undefined }, /^email/],
    [{ name: 'Jane\r\nBcc: x@y.z' }, /^name: must not contain line breaks/],
    [{ newsletters: [] }, /^newsletters: at least one/],
    [{ newsletters: 'sport-extra' }, /^newsletters: unknown newsletter "sport-extra"/],
    [{ newsletters: 42 }, /^newsletters: must be a list/],
    [{ consentedAt: 'last tuesday' }, /^consentedAt: must be an ISO 8601 date/],
    [{ consentedAt: '2024-13-45' }, /^consentedAt/],
    [{ consentedAt: '2027-01-01' }, /^consentedAt: must not be in the future/],
    [{ consentSource: '' }, /^consentSource: required/],
    [{ consentSource: 'line\nbreak' }, /^consentSource: must not contain/],
  ])('refuses %j naming the field', (patch, reason) => {
    const result = check(patch);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('refuses rows that are not objects', () => {
    for (const raw of [null, 'a@b.c', ['a@b.c'], 5]) {
      expect(checkImportRow(raw, 1, lookup, now)).toEqual({ ok: false, reason: 'row must be an object' });
    }
  });
});
