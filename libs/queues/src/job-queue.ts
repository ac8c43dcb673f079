import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, JobData, JobName } from './jobs';
import { QueueName } from './queue-names';

interface WaitingAdd {
  job: { name: JobName; data: unknown; opts: JobsOptions };
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Typed producer: knows which queue each job name belongs to. */
@Injectable()
export class JobQueue {
  private readonly queues: Record<QueueName, Queue>;
  /** addCoalesced() calls waiting for this turn of the event loop to end, per queue. */
  private readonly waitingAdds = new Map<QueueName, WaitingAdd[]>();

  constructor(
    @InjectQueue(QueueName.transactional) transactional: Queue,
    @InjectQueue(QueueName.digest) digest: Queue,
    @InjectQueue(QueueName.delivery) delivery: Queue,
    @InjectQueue(QueueName.feeds) feeds: Queue,
    @InjectQueue(QueueName.maintenance) maintenance: Queue,
  ) {
    this.queues = { transactional, digest, delivery, feeds, maintenance };
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  all(): Queue[] {
    return Object.values(this.queues);
  }

  async add<N extends JobName>(name: N, data: JobData<N>, options: JobsOptions = {}): Promise<void> {
    await this.queues[JOB_QUEUE[name]].add(name, data, options);
  }

  /**
   * Like add(), but the adds requested in one turn of the event loop go to Redis as one
   * addBulk (one round trip): for request handlers under load, such as sign-ups, whose
   * jobs finish their database work together. Resolves or rejects with that bulk.
   */
  addCoalesced<N extends JobName>(name: N, data: JobData<N>, options: JobsOptions = {}): Promise<void> {
    const queueName = JOB_QUEUE[name];
    let waiting = this.waitingAdds.get(queueName);
    if (!waiting) {
      waiting = [];
      this.waitingAdds.set(queueName, waiting);
      setImmediate(() => void this.flushCoalesced(queueName));
    }
    const batch = waiting;
    return new Promise((resolve, reject) => batch.push({ job: { name, data, opts: options }, resolve, reject }));
  }

  async addBulk<N extends JobName>(name: N, jobs: Array<{ data: JobData<N>; opts?: JobsOptions }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.queues[JOB_QUEUE[name]].addBulk(jobs.map((j) => ({ name, data: j.data, opts: j.opts })));
  }

  private async flushCoalesced(queueName: QueueName): Promise<void> {
    const batch = this.waitingAdds.get(queueName) ?? [];
    this.waitingAdds.delete(queueName);
    try {
      await this.queues[queueName].addBulk(batch.map((w) => w.job));
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
