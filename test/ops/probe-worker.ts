import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Job, Queue } from 'bullmq';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { ConfigModule } from '@app/config';
import { LOG_DESTINATION, ObservabilityModule } from '@app/observability';
import { QueuesModule } from '@app/queues';

/** A queue of the tests' own, so the fixture processor never competes with the product's processors. */
export const PROBE_QUEUE = 'ops-probe';

export interface ProbeJob {
  email: string;
  /** Throw instead of completing. */
  fail?: boolean;
  /** Keep running this long, then enqueue a follow-up job through the Nest-managed queue. */
  holdMs?: number;
}

/** A real BullMQ processor that logs like product processors do (Nest Logger), fails or runs long on request. */
@Processor(PROBE_QUEUE)
export class ProbeProcessor extends WorkerHost {
  private readonly logger = new Logger(ProbeProcessor.name);

  constructor(@InjectQueue(PROBE_QUEUE) private readonly queue: Queue) {
    super();
  }

  async process(job: Job<ProbeJob>): Promise<string> {
    this.logger.log(`probe job for ${job.data.email}`);
    if (job.data.fail) throw new Error(`mailbox ${job.data.email} refused`);
    if (job.data.holdMs) {
      await new Promise((resolve) => setTimeout(resolve, job.data.holdMs));
      // Needs the queue's connection still open: shutdown must wait for this job before closing queues.
      await this.queue.add('follow-up', { email: job.data.email }, { jobId: `${job.id}-follow-up`, delay: 3_600_000 });
    }
    return 'done';
  }
}

/**
 * A worker-process context (worker Redis connection, ObservabilityModule) running
 * only the probe processor. `destination` receives the JSON log lines.
 */
export async function startProbeWorker(destination?: DestinationStream): Promise<INestApplicationContext> {
  let builder = Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(),
      QueuesModule.forRoot('worker'),
      ObservabilityModule,
      BullModule.registerQueue({ name: PROBE_QUEUE }),
    ],
    providers: [ProbeProcessor],
  });
  if (destination) builder = builder.overrideProvider(LOG_DESTINATION).useValue(destination);
  const app = await builder.compile();
  app.useLogger(app.get(PinoNestLogger));
  await app.init();
  return app;
}
