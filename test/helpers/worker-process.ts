import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from './test-env';

const ROOT = join(__dirname, '..', '..');
const READY_LINE = 'Dispatch worker started';

/** A real worker process (apps/worker/src/main.ts under ts-node), for crash and shutdown tests. */
export class WorkerProcess {
  private stdout = '';
  private stderr = '';
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Spawns a worker with the current process.env (set by createTestEnv) plus `env`, and
   * waits for its ready line.
   */
  static async start(env: Record<string, string> = {}, readyTimeoutMs = 60000): Promise<WorkerProcess> {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/worker/src/main.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const worker = new WorkerProcess(child);
    let exited = false;
    void worker.exit.then(() => (exited = true));
    await waitFor(() => worker.stdout.includes(READY_LINE) || exited, readyTimeoutMs, 'the worker ready line');
    if (exited) throw new Error(`worker exited before it was ready:\n${worker.output()}`);
    return worker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return `--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`;
  }

  /** Sends a signal and waits for the process to end. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exit;
  }

  /** Ends the process however it is doing (afterAll clean-up). */
  async ensureStopped(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }
}
