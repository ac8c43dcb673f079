import { NEWSLETTER_SCHEDULER_PREFIX } from '../digest.constants';

/** What slotOf needs from a BullMQ job (kept structural so it is testable without Redis). */
export interface ScheduledJobLike {
  data: { slot?: string };
  timestamp: number;
  opts: { prevMillis?: number; delay?: number };
}

/**
 * The scheduled time an issue job stands for. Job-scheduler jobs carry it as
 * opts.prevMillis (the cron occurrence they were created for), so every worker and
 * every retry of the same occurrence derives the same slot, whenever it actually runs.
 * An explicit data.slot (an operator backfilling a missed slot) wins. Rounded to the
 * second: cron has no finer resolution, and it keeps the unique key stable.
 */
export function slotOf(job: ScheduledJobLike): Date {
  if (job.data.slot) {
    const explicit = new Date(job.data.slot);
    if (Number.isNaN(explicit.getTime())) throw new Error(`invalid slot "${job.data.slot}"`);
    return roundToSecond(explicit.getTime());
  }
  const scheduledFor = job.opts.prevMillis ?? job.timestamp + (job.opts.delay ?? 0);
  return roundToSecond(scheduledFor);
}

function roundToSecond(ms: number): Date {
  return new Date(Math.round(ms / 1000) * 1000);
}

export function schedulerIdFor(newsletterId: string): string {
  return `${NEWSLETTER_SCHEDULER_PREFIX}${newsletterId}`;
}

export function newsletterIdOfScheduler(schedulerId: string): string | null {
  return schedulerId.startsWith(NEWSLETTER_SCHEDULER_PREFIX)
    ? schedulerId.slice(NEWSLETTER_SCHEDULER_PREFIX.length)
    : null;
}
