import { Injectable } from '@nestjs/common';
import { Coalescer } from '@app/common';
import { ConfirmationRequest, JobQueue, jobId } from '@app/queues';

/** Readers per send-confirmations job at most: a larger burst becomes several jobs. */
const MAX_READERS_PER_JOB = 200;

/**
 * The send-confirmation job id for a reader in the hour `nowMs` falls in, used by the
 * maintenance requeue, so a repeat within the hour collapses into one job; the database
 * claim in TransactionalMailService is what limits mails to one an hour.
 */
export function confirmationJobId(subscriberId: string, nowMs: number): string {
  return jobId('confirmation', subscriberId, Math.floor(nowMs / 3_600_000));
}

/**
 * Queues the confirmation mails of sign-ups: those that arrive together (in the same turn
 * of the event loop, or while the previous job is being added) go in one
 * `send-confirmations` job, so a burst of sign-ups costs Redis one job per batch rather than
 * one per reader (BullMQ's add is a script of several writes, and was a tenth of the
 * machine's CPU per sign-up under load). A reader posted twice in a batch is queued once.
 */
@Injectable()
export class ConfirmationQueue {
  private readonly batches = new Coalescer<ConfirmationRequest, void>(async (requests) => {
    await this.jobs.add('send-confirmations', { readers: mergedByReader(requests) });
    return requests.map(() => undefined);
  }, MAX_READERS_PER_JOB);

  constructor(private readonly jobs: JobQueue) {}

  /** Resolves once the job carrying the request is in Redis; rejects with that job's error. */
  request(confirmation: ConfirmationRequest): Promise<void> {
    return this.batches.submit(confirmation);
  }
}

/** One request per reader, in first-seen order, with the newsletters of all its requests. */
export function mergedByReader(requests: ConfirmationRequest[]): ConfirmationRequest[] {
  const byReader = new Map<string, Set<string>>();
  for (const { subscriberId, newsletterIds } of requests) {
    const ids = byReader.get(subscriberId) ?? new Set<string>();
    for (const id of newsletterIds) ids.add(id);
    byReader.set(subscriberId, ids);
  }
  return [...byReader].map(([subscriberId, ids]) => ({ subscriberId, newsletterIds: [...ids] }));
}
