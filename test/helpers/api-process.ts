import { ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { waitFor } from './test-env';

const ROOT = join(__dirname, '..', '..');

/** A GET on a fresh connection (no keep-alive agent), as a new client would open one. */
export function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

export interface ApiProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote on stdout and stderr so far. */
  output(): string;
  /** Resolves once GET /health/live answers 200. */
  waitUntilLive(timeoutMs?: number): Promise<void>;
  /** SIGKILL, unless it has already exited (for finally blocks). */
  ensureStopped(): void;
}

/**
 * The API as `npm run start:api` runs it (apps/api/src/main.ts under ts-node), with the current
 * process.env (set by createTestEnv) plus `env`, on `port`.
 */
export function startApiProcess(port: number, env: Record<string, string> = {}): ApiProcess {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const live = async () =>
    (await getOnNewConnection(`http://127.0.0.1:${port}/health/live`).catch(() => ({ status: 0 }))).status === 200;
  return {
    child,
    exited,
    output: () => output,
    waitUntilLive: async (timeoutMs = 60_000) => {
      await waitFor(live, timeoutMs, 'the API to listen');
    },
    ensureStopped: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
