import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { JOB_QUEUE, JobData, JobName } from './jobs';
import { QueueName } from './queue-names';

/** Typed producer: knows which queue each job name belongs to. */
@Injectable()
export class JobQueue {
  private readonly queues: Record<QueueName, Queue>;

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

  async addBulk<N extends JobName>(name: N, jobs: Array<{ data: JobData<N>; opts?: JobsOptions }>): Promise<void> {
    if (jobs.length === 0) return;
    await this.queues[JOB_QUEUE[name]].addBulk(jobs.map((j) => ({ name, data: j.data, opts: j.opts })));
  }
}
