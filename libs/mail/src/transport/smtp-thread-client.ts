import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Mail from 'nodemailer/lib/mailer';
import {
  errorFromFields,
  SmtpErrorFields,
  SmtpThreadData,
  SmtpThreadOptions,
  SmtpThreadReply,
  SmtpThreadRequest,
} from './smtp-thread-protocol';

interface PendingSend {
  resolve: (accepted: string[]) => void;
  reject: (err: Error) => void;
}

/** How long a closing thread may take to let its pool go before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * Nodemailer's SMTP pool in a worker thread of its own. Its data path (dot-stuffing each
 * byte of a message, the socket writes) is most of a sending process's CPU; in its own
 * thread it runs on the second core while the main thread checks, personalises and
 * records the next messages. A pre-built message's bytes are handed over, not copied.
 *
 * Started on the first send. If the thread dies, its pending sends fail as temporary
 * connection errors (retried like any dropped connection) and the next send starts a new one.
 */
export class SmtpThread {
  private worker?: Worker;
  private readonly pending = new Map<number, PendingSend>();
  private nextId = 1;

  constructor(private readonly options: SmtpThreadOptions) {}

  /** Sends through the thread's pool; resolves to the accepted recipients. */
  sendMail(message: Mail.Options): Promise<string[]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<string[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      const request: SmtpThreadRequest = { type: 'send', id, message };
      worker.postMessage(request, transferable(message.raw));
    });
  }

  /** Closes the pool (after its current messages) and waits for the thread to end. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const request: SmtpThreadRequest = { type: 'close' };
    worker.postMessage(request);
    const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private start(): Worker {
    const workerData: SmtpThreadData = { smtpThread: this.options };
    const worker = new Worker(threadScript(), { workerData, ...sourceLoader() });
    // An idle thread does not keep the process alive; one with sends in flight does.
    worker.unref();
    worker.on('message', (reply: SmtpThreadReply) => this.settle(reply));
    worker.on('error', (err) => this.failAll(worker, err.message));
    worker.on('exit', (code) => this.failAll(worker, `SMTP thread exited (${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(reply: SmtpThreadReply): void {
    const send = this.pending.get(reply.id);
    if (!send) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.type === 'sent') send.resolve(reply.accepted);
    else send.reject(errorFromFields(reply.error));
  }

  /** The thread is gone: what it had in hand may or may not have left, like a dropped connection. */
  private failAll(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const error: SmtpErrorFields = { name: 'Error', message: reason, code: 'ECONNECTION' };
    for (const send of this.pending.values()) send.reject(errorFromFields(error));
    this.pending.clear();
  }
}

/** The thread's script beside this file: compiled JavaScript, or TypeScript under ts-jest/ts-node. */
function threadScript(): string {
  return join(__dirname, `smtp-thread${extname(__filename)}`);
}

function sourceLoader(): { execArgv?: string[] } {
  return extname(__filename) === '.ts' ? { execArgv: ['--require', 'ts-node/register/transpile-only'] } : {};
}

/** A Buffer that owns its whole memory is moved to the thread; a slice of Node's shared pool is copied. */
function transferable(raw: Mail.Options['raw']): ArrayBuffer[] {
  if (!(raw instanceof Uint8Array)) return [];
  const whole = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
  return whole && raw.buffer instanceof ArrayBuffer ? [raw.buffer] : [];
}
