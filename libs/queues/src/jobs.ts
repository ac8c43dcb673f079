import { QueueName } from './queue-names';

/**
 * Every job the system runs, as { queue, name, data }. Producers and processors
 * import these types; payloads carry ids, never entities.
 */
export type JobSpec =
  // transactional: mails to one reader
  | { queue: 'transactional'; name: 'send-confirmation'; data: ConfirmationRequest }
  // the confirmations of the sign-ups one API process took in together
  | { queue: 'transactional'; name: 'send-confirmations'; data: { readers: ConfirmationRequest[] } }
  | { queue: 'transactional'; name: 'send-welcome'; data: { subscriberId: string; newsletterIds: string[] } }
  | { queue: 'transactional'; name: 'send-unsubscribed'; data: { subscriberId: string; newsletterId: string | null } }
  | { queue: 'transactional'; name: 'send-data-export'; data: { subscriberId: string } }
  // digest: schedules and issue builds
  | { queue: 'digest'; name: 'sync-schedules'; data: Record<string, never> }
  // slot (ISO time) is optional: scheduler jobs carry it in their options; an operator may backfill a missed slot.
  | { queue: 'digest'; name: 'scheduled-issue'; data: { newsletterId: string; slot?: string } }
  | { queue: 'digest'; name: 'build-issue'; data: { issueId: string } }
  // delivery: one batch of an issue's sends
  | { queue: 'delivery'; name: 'send-batch'; data: { issueId: string; batch: number } }
  // feeds
  | { queue: 'feeds'; name: 'poll-feed'; data: { feedId: string } }
  // maintenance
  | { queue: 'maintenance'; name: 'reconcile-deliveries'; data: Record<string, never> }
  | { queue: 'maintenance'; name: 'purge-unconfirmed'; data: Record<string, never> }
  | { queue: 'maintenance'; name: 'requeue-confirmations'; data: Record<string, never> };

/** A double opt-in mail for the reader's pending subscriptions among `newsletterIds`. */
export interface ConfirmationRequest {
  subscriberId: string;
  newsletterIds: string[];
}

export type JobName = JobSpec['name'];
export type JobData<N extends JobName> = Extract<JobSpec, { name: N }>['data'];
export type QueueOfJob<N extends JobName> = Extract<JobSpec, { name: N }>['queue'];

export const JOB_QUEUE: { [N in JobName]: QueueOfJob<N> } = {
  'send-confirmation': QueueName.transactional,
  'send-confirmations': QueueName.transactional,
  'send-welcome': QueueName.transactional,
  'send-unsubscribed': QueueName.transactional,
  'send-data-export': QueueName.transactional,
  'sync-schedules': QueueName.digest,
  'scheduled-issue': QueueName.digest,
  'build-issue': QueueName.digest,
  'send-batch': QueueName.delivery,
  'poll-feed': QueueName.feeds,
  'reconcile-deliveries': QueueName.maintenance,
  'purge-unconfirmed': QueueName.maintenance,
  'requeue-confirmations': QueueName.maintenance,
};

/**
 * Deterministic job id from its parts. BullMQ forbids ':' in custom ids
 * (it is the key separator), so parts are joined with '-' and checked.
 */
export function jobId(...parts: Array<string | number>): string {
  const id = parts.join('-');
  if (id.includes(':')) throw new Error(`job id must not contain ':' (${id})`);
  return id;
}
