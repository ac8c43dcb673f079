import fc from 'fast-check';
import { validateBody } from '../validate-body';
import { ConfirmDto, PreferencesDto, UnsubscribeFormDto } from './reader-forms.dto';
import { clearlyValidSubscribe, SubscribeDto } from './subscribe.dto';

describe('SubscribeDto', () => {
  const valid = { email: 'reader@example.com', newsletters: ['morning-briefing'], consent: true };
  const fieldsOf = (body: Record<string, unknown>) =>
    (validateBody(SubscribeDto, body).errors ?? []).map((e) => e.field);

  it('accepts JSON with consent true and a newsletter list', () => {
    const { value } = validateBody(SubscribeDto, { ...valid, name: 'Jane', source: 'article-footer' });
    expect(value).toMatchObject({
      email: 'reader@example.com',
      name: 'Jane',
      newsletters: ['morning-briefing'],
      consent: true,
    });
  });

  it('accepts a form post: one newsletter as a string, consent "on", padded email', () => {
    const { value } = validateBody(SubscribeDto, {
      email: '  reader@example.com ',
      newsletters: 'world-affairs',
      consent: 'on',
    });
    expect(value).toMatchObject({ email: 'reader@example.com', newsletters: ['world-affairs'], consent: true });
  });

  it('accepts an internationalised domain', () => {
    expect(fieldsOf({ ...valid, email: 'jörg@bücher.de' })).toEqual([]);
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
  ])('names the field for %s', (_what, patch, field) => {
    expect(fieldsOf({ ...valid, ...patch })).toContain(field);
  });

  it('accepts markup in a name as plain text (it is escaped wherever it is shown)', () => {
    expect(fieldsOf({ ...valid, name: '<script>alert(1)</script>' })).toEqual([]);
  });

  it('drops unknown fields', () => {
    const { value } = validateBody(SubscribeDto, { ...valid, status: 'active', isAdmin: true });
    expect(value).not.toHaveProperty('status');
    expect(value).not.toHaveProperty('isAdmin');
  });
});

describe('clearlyValidSubscribe (the sign-up fast path)', () => {
  const valid = { email: 'reader@example.com', newsletters: ['morning-briefing'], consent: true };

  it('takes the common JSON and form bodies without the decorators', () => {
    expect(clearlyValidSubscribe({ ...valid, name: 'Jane', source: 'footer' })).toEqual(
      validateBody(SubscribeDto, { ...valid, name: 'Jane', source: 'footer' }).value,
    );
    expect(clearlyValidSubscribe({ email: ' jo@Bücher.de ', newsletters: 'world', consent: 'on' })).toMatchObject({
      email: 'jo@Bücher.de',
      newsletters: ['world'],
      consent: true,
    });
  });

  it('leaves refusals to the decorators, which word the errors', () => {
    expect(clearlyValidSubscribe({ ...valid, consent: 'off' })).toBeNull();
    expect(clearlyValidSubscribe({ ...valid, name: 'Jane\r\nBcc: x@example.com' })).toBeNull();
  });

  // Values near each rule's edges, of every type a JSON or form body can carry.
  const text = (max: number) =>
    fc.oneof(
      fc.string({ maxLength: max + 2 }),
      fc.constantFrom(
        '',
        ' ',
        'x'.repeat(max),
        'x'.repeat(max + 1),
        'a\nb',
        'tab\there',
        '\u202eevil',
        '😀'.repeat(max / 2),
      ),
    );
  const anyValue = fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer(), fc.object());
  const body = fc.record(
    {
      email: fc.oneof(
        fc.emailAddress(),
        fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
        fc.constantFrom('jörg@bücher.de', 'a@b', 'no-at-sign', '@example.com', `${'x'.repeat(250)}@e.com`),
        anyValue,
      ),
      name: fc.oneof(text(100), anyValue),
      newsletters: fc.oneof(text(64), fc.array(fc.oneof(text(64), anyValue), { maxLength: 52 }), anyValue),
      consent: fc.oneof(fc.constantFrom(true, false, 'on', 'off', 'true', 'yes', 1), anyValue),
      source: fc.oneof(text(100), anyValue),
      website: fc.string(),
    },
    { requiredKeys: [] },
  );

  it('accepts only what the decorators accept, with the same value', () => {
    let accepted = 0;
    fc.assert(
      fc.property(body, (b) => {
        const fast = clearlyValidSubscribe(b);
        if (fast === null) return;
        accepted++;
        const checked = validateBody(SubscribeDto, b);
        expect(checked.errors).toBeNull();
        expect(fast).toEqual(checked.value);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});

describe('reader form DTOs', () => {
  it('require a token and a known unsubscribe scope', () => {
    expect(validateBody(ConfirmDto, {}).errors?.[0].field).toBe('token');
    expect(validateBody(UnsubscribeFormDto, { scope: 'everything' }).errors?.[0].field).toBe('scope');
    expect(validateBody(UnsubscribeFormDto, { scope: 'all' }).value).toEqual({ scope: 'all' });
  });

  it('read no ticked newsletter as an empty choice', () => {
    expect(validateBody(PreferencesDto, { token: 't' }).value?.newsletters).toEqual([]);
    expect(validateBody(PreferencesDto, { token: 't', newsletters: 'a' }).value?.newsletters).toEqual(['a']);
  });
});
