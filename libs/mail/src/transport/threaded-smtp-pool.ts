import { Logger } from '@nestjs/common';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Mail from 'nodemailer/lib/mailer';
import type { SmtpConnectionPoolOptions } from './smtp-connection-pool';
import type { FromSmtpThread, SmtpFailure, SmtpThreadData, ToSmtpThread } from './smtp-thread-protocol';

export interface SentByThread {
  accepted: string[];
}

/** How long close() waits for the thread to say goodbye before ending it. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * SMTP connections (SmtpConnectionPool) run in their own thread (smtp-thread.ts). Per
 * message, a send is mostly nodemailer's byte work: in the thread it runs beside the work
 * that builds the next messages (database, queue, personalisation) instead of
 * taking turns with it, so one worker process uses a second core.
 *
 * The thread starts with the first send and again after it dies; a death fails
 * the sends it held with a temporary error (retried like a dropped connection).
 */
export class ThreadedSmtpPool {
  private readonly logger = new Logger(ThreadedSmtpPool.name);
  private thread?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: SentByThread) => void; reject: (e: Error) => void }>();

  /** `threadFile` is for tests (a thread that dies on cue); by default smtp-thread beside this file. */
  constructor(
    private readonly options: SmtpConnectionPoolOptions,
    private readonly threadFile = join(__dirname, `smtp-thread${extname(__filename)}`),
  ) {}

  sendMail(mail: Mail.Options): Promise<SentByThread> {
    const thread = this.running();
    const id = this.nextId++;
    // Held sends keep the process alive; an idle thread does not (a transport left open never hangs an exit).
    if (this.pending.size === 0) thread.ref();
    return new Promise<SentByThread>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      thread.postMessage({ type: 'send', id, mail } satisfies ToSmtpThread);
    });
  }

  /** Closes the pool's connections and ends the thread; sends still held fail. */
  async close(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    this.thread = undefined;
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    thread.ref();
    thread.postMessage({ type: 'close' } satisfies ToSmtpThread);
    const timer = setTimeout(() => void thread.terminate(), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private running(): Worker {
    if (this.thread) return this.thread;
    const thread = startThread(this.threadFile, { options: this.options });
    thread.on('message', (message: FromSmtpThread) => this.settle(message));
    thread.on('error', (err) => {
      this.logger.error(`SMTP thread failed: ${err.message}`);
      this.failAll(err);
    });
    thread.on('exit', (code) => {
      // Not after close(), which has already let go of it: an unexpected end.
      if (this.thread === thread) {
        this.thread = undefined;
        this.logger.error(`SMTP thread exited (${code}); the ${this.pending.size} sends it held fail as temporary`);
      }
      this.failAll(new Error(`SMTP thread exited (${code})`));
    });
    this.thread = thread;
    return thread;
  }

  private settle(message: FromSmtpThread): void {
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.thread?.unref();
    if (message.type === 'sent') waiter.resolve({ accepted: message.accepted });
    else waiter.reject(errorFrom(message.error));
  }

  private failAll(cause: Error): void {
    const waiters = [...this.pending.values()];
    this.pending.clear();
    // No code: classified temporary, so the deliveries are retried.
    for (const waiter of waiters) waiter.reject(new Error(`mail not confirmed sent: ${cause.message}`));
  }
}

/** A compiled thread file as it is; a TypeScript one (under ts-jest or ts-node) through ts-node. */
function startThread(file: string, data: SmtpThreadData): Worker {
  const execArgv = extname(file) === '.ts' ? ['--require', 'ts-node/register/transpile-only'] : [];
  // The thread's objects live only as long as a message is on the wire: a small young generation suffices.
  return new Worker(file, { workerData: data, execArgv, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
}

/** The nodemailer error again, with the fields classifySmtpError reads. */
function errorFrom(failure: SmtpFailure): Error {
  const { message, ...fields } = failure;
  return Object.assign(new Error(message), fields);
}
