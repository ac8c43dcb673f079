import { CronExpressionParser } from 'cron-parser';

/** The next time a newsletter's schedule fires after `now`, in its own time zone; null when unscheduled or invalid. */
export function nextScheduledSend(schedule: string | null, timezone: string, now: Date): Date | null {
  if (!schedule) return null;
  try {
    return CronExpressionParser.parse(schedule, { tz: timezone || 'UTC', currentDate: now })
      .next()
      .toDate();
  } catch {
    return null;
  }
}

/** "Sun 30 Mar, 07:00 Europe/London": readable on a phone, in the zone that matters. */
export function formatWhen(date: Date | string | null, timezone = 'UTC'): string | null {
  if (!date) return null;
  const d = new Date(date);
  try {
    const text = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(d);
    return `${text} ${timezone}`;
  } catch {
    return d.toISOString();
  }
}
