import type { JobsOptions, Queue } from 'bullmq';

/** Job states in which a job will still run (or is running): leave it alone. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Makes sure a job with this id will run: adds it when Redis has no such job, and
 * replaces a finished (completed or failed) one, since BullMQ ignores an add whose id
 * already exists. Returns whether a job was added.
 */
export async function ensureJob(
  queue: Queue,
  name: string,
  data: object,
  jobId: string,
  opts: JobsOptions = {},
): Promise<boolean> {
  const existing = await queue.getJob(jobId);
  if (existing) {
    const state = await existing.getState();
    if (LIVE_STATES.has(state)) return false;
    try {
      await existing.remove();
    } catch {
      // Locked by a worker right now (it was just picked up): it will run.
      return false;
    }
  }
  await queue.add(name, data, { ...opts, jobId });
  return true;
}
