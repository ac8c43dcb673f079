import { newsletterIdOfScheduler, schedulerIdFor, slotOf } from './slot';

describe('slotOf', () => {
  it('uses the occurrence a scheduler job was created for, whenever it runs', () => {
    const occurrence = Date.UTC(2025, 2, 10, 7, 0, 0);
    const job = { data: {}, timestamp: occurrence - 3_600_000, opts: { prevMillis: occurrence, delay: 3_600_123 } };
    expect(slotOf(job).toISOString()).toBe('2025-03-10T07:00:00.000Z');
  });

  it('falls back to creation time plus delay, rounded to the second', () => {
    const job = { data: {}, timestamp: Date.UTC(2025, 2, 10, 6, 59, 59, 900), opts: { delay: 200 } };
    expect(slotOf(job).toISOString()).toBe('2025-03-10T07:00:00.000Z');
  });

  it('lets an explicit slot in the data win (backfilling a missed slot)', () => {
    const job = { data: { slot: '2025-03-09T07:00:00Z' }, timestamp: Date.now(), opts: { prevMillis: 1 } };
    expect(slotOf(job).toISOString()).toBe('2025-03-09T07:00:00.000Z');
  });

  it('rejects a slot that is not a time', () => {
    expect(() => slotOf({ data: { slot: 'tomorrow' }, timestamp: 0, opts: {} })).toThrow(/invalid slot/);
  });
});

describe('scheduler ids', () => {
  it('round-trips a newsletter id and ignores other schedulers', () => {
    const id = '6f1c2a0e-6d5b-4c1e-9a59-0d3c8f0b1e2a';
    expect(newsletterIdOfScheduler(schedulerIdFor(id))).toBe(id);
    expect(newsletterIdOfScheduler('reconcile-deliveries')).toBeNull();
  });
});
