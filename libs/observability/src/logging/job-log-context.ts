import { Injectable } from '@nestjs/common';
import { ProcessorDecoratorService } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { storage, Store } from 'nestjs-pino/storage';
import type { Logger as Pino } from 'pino';

let rootLogger: (() => Pino) | undefined;

/**
 * Runs `fn` with a logger bound to the job, so every line logged through Nest's
 * Logger (routed to pino by nestjs-pino) while the job runs carries queue, jobId,
 * jobName and attempt. Processors log as usual; they add nothing themselves.
 */
export function runInJobContext<T>(job: Pick<Job, 'queueName' | 'id' | 'name' | 'attemptsMade'>, fn: () => T): T {
  const base = storage.getStore()?.logger ?? rootLogger?.();
  if (!base) return fn();
  const logger = base.child({ queue: job.queueName, jobId: job.id, jobName: job.name, attempt: job.attemptsMade + 1 });
  return storage.run(new Store(logger), fn);
}

const INSTALLED = Symbol.for('dispatch.observability.jobLogContext');
type Decorate = ProcessorDecoratorService['decorate'];
type Processor = Parameters<Decorate>[0];

/**
 * @nestjs/bullmq passes every processor through ProcessorDecoratorService.decorate
 * (its documented extension point) when it creates the workers. Wrapping it here
 * puts each job's processing inside runInJobContext, for every processor at once.
 */
function installProcessorWrapper(): void {
  const proto = ProcessorDecoratorService.prototype as ProcessorDecoratorService & { [INSTALLED]?: boolean };
  if (proto[INSTALLED]) return;
  const original: Decorate = proto.decorate;
  proto.decorate = function decorate(this: ProcessorDecoratorService, processor: Processor): Processor {
    const decorated = original.call(this, processor);
    return ((job: Job, ...rest: unknown[]) =>
      runInJobContext(job, () => (decorated as (...args: unknown[]) => unknown)(job, ...rest))) as Processor;
  };
  proto[INSTALLED] = true;
}

/** Installs the job logging context; the root logger is this process's pino logger. */
@Injectable()
export class JobLogContext {
  constructor(pino: PinoLogger) {
    // Outside any store PinoLogger.logger is nestjs-pino's process-wide root logger.
    rootLogger = () => pino.logger;
    installProcessorWrapper();
  }
}
