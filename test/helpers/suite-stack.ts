import type { INestApplicationContext } from '@nestjs/common';
import { Pool } from 'pg';
import { migrate } from '@app/database';
import { RunningApi, startApi } from './api-app';
import { createTestEnv, TestEnv } from './test-env';
import { startWorker } from './worker-app';
import { WorkerProcess } from './worker-process';

/** Direct SQL for seeding and checking, independent of the apps under test (which may be down or killed). */
export function testDb(databaseUrl: string): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  // A database stopped under the pool, or the suite's forced DROP DATABASE reaching a client
  // pool.end() has not finished closing, makes idle clients error: not a test failure.
  pool.on('error', () => undefined);
  return pool;
}

/** A mail server the apps send to: the SmtpSink, or the fault suites' FaultySmtpServer. */
export interface MailServer {
  readonly url: string;
  stop(): Promise<void>;
}

export interface StackOptions<M extends MailServer> {
  /** Starts the mail server; SMTP_URL points at it. */
  mail: () => Promise<M>;
  /** More environment for createTestEnv. */
  env?: Record<string, string>;
  /** A database of the suite's own elsewhere (on a private cluster): migrated, and used instead. */
  databaseUrl?: string;
  /** Boot the API in this process. */
  api?: boolean;
  /** The WorkerModule in this process, or that many real worker processes (apps/worker/src/main.ts). */
  worker?: 'in-process' | number;
}

/**
 * What most integration suites start in beforeAll and close in afterAll: a mail server,
 * their environment, a direct database pool, and the API and workers they ask for.
 */
export class SuiteStack<M extends MailServer> {
  /** Real worker processes; a suite may stop, replace or add some (all are ended on close). */
  readonly workerProcesses: WorkerProcess[] = [];
  env!: TestEnv;
  db!: Pool;
  private runningApi?: RunningApi;
  private inProcessWorker?: INestApplicationContext;

  private constructor(readonly mail: M) {}

  static async start<M extends MailServer>(suite: string, options: StackOptions<M>): Promise<SuiteStack<M>> {
    const stack = new SuiteStack(await options.mail());
    try {
      stack.env = await createTestEnv(suite, {
        SMTP_URL: stack.mail.url,
        ...options.env,
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      });
      if (options.databaseUrl) await migrate(options.databaseUrl);
      stack.db = testDb(options.databaseUrl ?? stack.env.databaseUrl);
      if (options.api) stack.runningApi = await startApi();
      if (options.worker === 'in-process') stack.inProcessWorker = await startWorker();
      else if (options.worker) {
        const started = await Promise.all(Array.from({ length: options.worker }, () => WorkerProcess.start()));
        stack.workerProcesses.push(...started);
      }
      return stack;
    } catch (err) {
      await stack.close();
      throw err;
    }
  }

  get api(): RunningApi {
    if (!this.runningApi) throw new Error('this suite started no API (api: true)');
    return this.runningApi;
  }

  get worker(): INestApplicationContext {
    if (!this.inProcessWorker) throw new Error("this suite started no in-process worker (worker: 'in-process')");
    return this.inProcessWorker;
  }

  /** Workers first (they may still be sending), then the API, the mail server, the pool and the environment. */
  async close(): Promise<void> {
    await Promise.all(this.workerProcesses.map((w) => w.ensureStopped()));
    await this.inProcessWorker?.close();
    await this.runningApi?.close();
    await this.mail.stop();
    await this.db?.end();
    await this.env?.cleanup();
  }
}
