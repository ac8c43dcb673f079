import { DataSource } from 'typeorm';
import { SignUpWriter, SuppressionService } from '@app/subscriptions';
import { RunningApi, startApi } from '../helpers/api-app';
import { createTestEnv, TestEnv } from '../helpers/test-env';
import { createNewsletter } from '../e2e/subscriptions-helpers';

/**
 * Sign-ups that arrive together are written by one statement (SignUpWriter): a burst must
 * still give every reader exactly what a lone sign-up gives, the same address twice must
 * be one reader, and one sign-up Postgres refuses must not take the others down with it.
 */
describe('sign-ups written together', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: DataSource;
  let morning: { id: string; slug: string };

  beforeAll(async () => {
    env = await createTestEnv('sign_up_batches');
    api = await startApi();
    db = api.app.get(DataSource);
    morning = await createNewsletter(api, env, { slug: 'morning', name: 'Morning', topics: ['world'] });
  });
  afterAll(async () => {
    await api?.close();
    await env?.cleanup();
  });

  const post = (email: string) =>
    fetch(`${api.baseUrl}/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'burst-test' },
      body: JSON.stringify({ email, name: 'Burst Reader', newsletters: ['morning'], consent: true }),
    });

  it('stores a burst of sign-ups as lone ones would: one reader per address, duplicates and suppressed addresses included', async () => {
    const suppressed = 'bounced@burst.test';
    await api.app.get(SuppressionService).suppress(suppressed, 'hard_bounce');
    const fresh = Array.from({ length: 40 }, (_, i) => `reader${i}@burst.test`);
    const posted = [...fresh, 'Twice@Burst.test', 'twice@burst.test', 'TWICE@burst.test', suppressed];

    const statuses = await Promise.all(posted.map(async (email) => (await post(email)).status));

    expect(new Set(statuses)).toEqual(new Set([202]));
    const readers: Array<{ email: string; status: string; events: number }> = await db.query(
      `SELECT lower(r.email) AS email, s.status,
              (SELECT count(*)::int FROM consent_events e WHERE e.subscriber_id = r.id) AS events
       FROM subscribers r JOIN subscriptions s ON s.subscriber_id = r.id AND s.newsletter_id = $1
       WHERE r.email ILIKE '%@burst.test' ORDER BY 1`,
      [morning.id],
    );
    // The three spellings of one address are one reader with one consent event (repeats within the retry window).
    expect(readers).toEqual(
      [...fresh, 'twice@burst.test'].sort().map((email) => ({ email, status: 'pending', events: 1 })),
    );
  });

  it('writes the others when Postgres refuses one sign-up of the statement, and fails that one alone', async () => {
    const writer = api.app.get(SignUpWriter);
    const hashes = (email: string) => api.app.get(SuppressionService).hashesOf(email);
    const signUp = (email: string, name: string) =>
      writer.write({
        email,
        name,
        newsletters: [{ id: morning.id, name: 'Morning' }],
        suppressionHashes: hashes(email),
        consentColumns: ['subscribe', ['morning'], 'v1', null, null, null, 'test', null],
      });

    // Submitted in one turn of the event loop: one batch. A NUL character cannot be stored in Postgres text.
    const outcomes = await Promise.allSettled([
      signUp('first@refused.test', 'First'),
      signUp('bad@refused.test', 'Bad \u0000 Name'),
      signUp('last@refused.test', 'Last'),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[0]).toMatchObject({ value: { outcome: 'recorded', pendingIds: [morning.id] } });
    const stored: Array<{ email: string }> = await db.query(
      `SELECT email FROM subscribers WHERE email LIKE '%@refused.test' ORDER BY email`,
    );
    expect(stored.map((r) => r.email)).toEqual(['first@refused.test', 'last@refused.test']);
  });
});
