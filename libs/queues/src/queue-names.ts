/** Stable queue names: part of the public contract (API.md), never renamed. */
export const QueueName = {
  transactional: 'transactional',
  digest: 'digest',
  delivery: 'delivery',
  feeds: 'feeds',
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
export const ALL_QUEUES: QueueName[] = Object.values(QueueName);
