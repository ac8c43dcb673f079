import { nextScheduledSend } from './next-send';

describe('nextScheduledSend', () => {
  const now = new Date('2025-03-29T12:00:00Z'); // the Saturday before Europe/London moves to BST

  it('follows the newsletter time zone across a DST change', () => {
    // 07:00 London on Sunday 30 March is already BST (UTC+1): 06:00Z.
    expect(nextScheduledSend('0 7 * * *', 'Europe/London', now)?.toISOString()).toBe('2025-03-30T06:00:00.000Z');
    expect(nextScheduledSend('0 7 * * *', 'UTC', now)?.toISOString()).toBe('2025-03-30T07:00:00.000Z');
  });

  it('is null for on-demand newsletters and broken expressions', () => {
    expect(nextScheduledSend(null, 'UTC', now)).toBeNull();
    expect(nextScheduledSend('not a cron', 'UTC', now)).toBeNull();
    expect(nextScheduledSend('0 7 * * *', 'Not/AZone', now)).toBeNull();
  });
});
