import { jobId } from '@app/queues';

/**
 * The send-confirmation job id for a reader in the hour `nowMs` falls in. Sign-ups and
 * the maintenance requeue share it, so a repeat within the hour collapses into one job;
 * the database claim in TransactionalMailService is what limits mails to one an hour.
 */
export function confirmationJobId(subscriberId: string, nowMs: number): string {
  return jobId('confirmation', subscriberId, Math.floor(nowMs / 3_600_000));
}
