import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { Coalescer } from '@app/common';
import { JOB_QUEUE, JobData, JobName } from './jobs';
import { QueueName } from './queue-names';

type BulkJob = { name: JobName; data: unknown; opts: JobsOptions };

/** Typed producer: knows which queue each job name belongs to. */
@Injectable()
export class JobQueue {
  private readonly queues: Record<QueueName, Queue>;
  /** addCoalesced(): the adds to each queue that arrive together go to Redis as one addBulk. */
  private readonly bulkAdders = new Map<QueueName, Coalescer<BulkJob, void>>();

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
   * Like add(), but adds that arrive together (same turn of the event loop, or while the
   * previous bulk is on its way) go to Redis as one addBulk, one round trip: for request
   * handlers under load, such as sign-ups. Resolves or rejects with that bulk.
   */
  addCoalesced<N extends JobName>(name: N, data: JobData<N>, options: JobsOptions = {}): Promise<void> {
    const queueName = JOB_QUEUE[name];
    let adder = this.bulkAdders.get(queueName);
    if (!adder) {
      const queue = this.queues[queueName];
      adder = new Coalescer<BulkJob, void>(async (jobs) => {
        await queue.addBulk(jobs);
        return jobs.map(() => undefined);
      });
      this.bulkAdders.set(queueName, adder);
    }
    return adder.submit({ name, data, opts: options });
  }

  async addBulk<N extends JobName>(name: N, jobs: Array<{ data: JobData<N>; opts?: JobsOptions }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.queues[JOB_QUEUE[name]].addBulk(jobs.map((j) => ({ name, data: j.data, opts: j.opts })));
  }
}
