import type { QueuedDelivery, Sendability } from './delivery.repository';
import { SendabilityLookahead } from './sendability-lookahead';
import { SendThrottle } from './send-throttle';

const OK: Sendability = { queued: true, subscribed: true, suppressed: false };

function rows(count: number, erased: number[] = []): QueuedDelivery[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(i),
    subscriberId: `s${i}`,
    email: erased.includes(i) ? null : `r${i}@example.com`,
    name: null,
    attempts: 0,
  }));
}

/** A lookahead over `batch` whose checks are recorded as the statements they would share (one per call of check). */
function recorded(batch: QueuedDelivery[], window: number, clock = { now: 0 }) {
  const statements: string[][] = [];
  let current: string[] | undefined;
  const lookahead = new SendabilityLookahead(
    batch,
    (row) => {
      current!.push(row.id);
      return Promise.resolve({ ...OK, subscribed: row.id !== '3' });
    },
    { window, maxAgeMs: 250, now: () => clock.now },
  );
  const check = (index: number) => {
    current = [];
    const result = lookahead.check(index);
    if (current.length > 0) statements.push(current);
    return result;
  };
  return { statements, check, clock };
}

describe('SendabilityLookahead', () => {
  it('takes the checks of the next rows together with the one asked for, and answers them from it', async () => {
    const { statements, check } = recorded(rows(10), 4);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await check(i));
    expect(statements).toEqual([
      ['0', '1', '2', '3'],
      ['4', '5', '6', '7'],
      ['8', '9'],
    ]);
    // Each row gets its own answer, not its neighbour's.
    expect(answers.map((a) => a.subscribed)).toEqual([true, true, true, false, true, true, true, true, true, true]);
  });

  it('skips erased rows (they are never checked) without shrinking the window', async () => {
    const { statements, check } = recorded(rows(8, [1, 2]), 3);
    for (const i of [0, 3, 4, 5, 6, 7]) await check(i);
    expect(statements).toEqual([
      ['0', '3', '4'],
      ['5', '6', '7'],
    ]);
  });

  it('takes a check again once it is older than maxAgeMs, with the stale ones after it', async () => {
    const { statements, check, clock } = recorded(rows(6), 3);
    await check(0);
    clock.now = 251;
    await check(1);
    await check(2);
    expect(statements).toEqual([
      ['0', '1', '2'],
      ['1', '2', '3'],
    ]);
  });

  it('does not leave a failed statement unhandled for rows that never ask', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const lookahead = new SendabilityLookahead(rows(4), () => Promise.reject(new Error('database gone')), {
        window: 4,
        maxAgeMs: 250,
      });
      await expect(lookahead.check(0)).rejects.toThrow('database gone');
      await new Promise((r) => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
      // A row that does ask gets the failure.
      await expect(lookahead.check(1)).rejects.toThrow('database gone');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('SendThrottle.checkLookahead', () => {
  it('looks as many messages ahead as start within 100 ms when paced, 32 when not', () => {
    expect(new SendThrottle({ sendConcurrency: 8, sendRatePerSecond: 0 }).checkLookahead().window).toBe(32);
    expect(new SendThrottle({ sendConcurrency: 8, sendRatePerSecond: 30 }).checkLookahead().window).toBe(3);
    expect(new SendThrottle({ sendConcurrency: 8, sendRatePerSecond: 5 }).checkLookahead().window).toBe(1);
    expect(new SendThrottle({ sendConcurrency: 8, sendRatePerSecond: 10_000 }).checkLookahead().window).toBe(32);
  });
});
