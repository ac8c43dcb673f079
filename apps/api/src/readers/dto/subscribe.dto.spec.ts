import { validateBody } from '../validate-body';
import { ConfirmDto, PreferencesDto, UnsubscribeFormDto } from './reader-forms.dto';
import { SubscribeDto } from './subscribe.dto';

describe('SubscribeDto', () => {
  const valid = { email: 'reader@example.com', newsletters: ['morning-briefing'], consent: true };
  const fieldsOf = async (body: Record<string, unknown>) =>
    ((validateBody(SubscribeDto, body)).errors ?? []).map((e) => e.field);

  it('accepts JSON with consent true and a newsletter list', async () => {
    const { value } = validateBody(SubscribeDto, { ...valid, name: 'Jane', source: 'article-footer' });
    expect(value).toMatchObject({
      email: 'reader@example.com',
      name: 'Jane',
      newsletters: ['morning-briefing'],
      consent: true,
    });
  });

  it('accepts a form post: one newsletter as a string, consent "on", padded email', async () => {
    const { value } = validateBody(SubscribeDto, {
      email: '  reader@example.com ',
      newsletters: 'world-affairs',
      consent: 'on',
    });
    expect(value).toMatchObject({ email: 'reader@example.com', newsletters: ['world-affairs'], consent: true });
  });

  it('accepts an internationalised domain', async () => {
    expect(await fieldsOf({ ...valid, email: 'jörg@bücher.de' })).toEqual([]);
  });

  it.each([
    ['missing consent', { consent: undefined }, 'consent'],
    ['consent false', { consent: false }, 'consent'],
    ['consent "off"', { consent: 'off' }, 'consent'],
    ['invalid email', { email: 'not-an-address' }, 'email'],
    ['email with a header injection', { email: 'a@example.com\r\nBcc: victim@example.com' }, 'email'],
    ['no newsletter', { newsletters: [] }, 'newsletters'],
    ['newsletters missing', { newsletters: undefined }, 'newsletters'],
    ['a newsletter that is not a string', { newsletters: [{ slug: 'x' }] }, 'newsletters'],
    ['CR/LF in the name', { name: 'Jane\r\nBcc: victim@example.com' }, 'name'],
    ['a very long name', { name: 'x'.repeat(101) }, 'name'],
    ['a name of the wrong type', { name: 42 }, 'name'],
    ['CR/LF in the source', { source: 'a\nb' }, 'source'],
  ])('names the field for %s', async (_what, patch, field) => {
    expect(await fieldsOf({ ...valid, ...patch })).toContain(field);
  });

  it('accepts markup in a name as plain text (it is escaped wherever it is shown)', async () => {
    expect(await fieldsOf({ ...valid, name: '<script>alert(1)</script>' })).toEqual([]);
  });

  it('drops unknown fields', async () => {
    const { value } = validateBody(SubscribeDto, { ...valid, status: 'active', isAdmin: true });
    expect(value).not.toHaveProperty('status');
    expect(value).not.toHaveProperty('isAdmin');
  });
});

describe('reader form DTOs', () => {
  it('require a token and a known unsubscribe scope', async () => {
    expect((validateBody(ConfirmDto, {})).errors?.[0].field).toBe('token');
    expect((validateBody(UnsubscribeFormDto, { scope: 'everything' })).errors?.[0].field).toBe('scope');
    expect((validateBody(UnsubscribeFormDto, { scope: 'all' })).value).toEqual({ scope: 'all' });
  });

  it('read no ticked newsletter as an empty choice', async () => {
    expect((validateBody(PreferencesDto, { token: 't' })).value?.newsletters).toEqual([]);
    expect((validateBody(PreferencesDto, { token: 't', newsletters: 'a' })).value?.newsletters).toEqual(['a']);
  });
});
