import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { peakRssMb, request, ROOT, startNode, Started, stop, waitForOutput } from './children';
import { ADMIN_TOKEN } from './private-env';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ApiProcess {
  child: Started;
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** The real API from dist/, as `npm run start:api` runs it. */
export async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = startNode('api', 'dist/apps/api/src/main.js', { ...env, PORT: String(port), PUBLIC_BASE_URL: baseUrl });
  await waitForOutput(child, /listening/i);
  return { child, baseUrl, pid: child.proc.pid!, stop: () => stop(child) };
}

export interface WorkerProcess {
  child: Started;
  pid: number;
  /** Peak RSS so far (VmHWM); read it before stopping the worker. */
  peakRssMb(): number | undefined;
  writeProfile(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/**
 * The real worker from dist/, as `npm run start:worker` runs it. With `profile`, a preloaded
 * hook CPU-profiles it; call writeProfile() before stop() to get the .cpuprofile file.
 */
export async function startWorker(
  env: Record<string, string>,
  profile?: { dir: string; name: string },
): Promise<WorkerProcess> {
  const nodeArgs: string[] = [];
  const extraEnv: Record<string, string> = {};
  if (profile) {
    mkdirSync(profile.dir, { recursive: true });
    nodeArgs.push('-r', 'ts-node/register/transpile-only', '-r', join(ROOT, 'bench/procs/cpu-profile-hook.ts'));
    Object.assign(extraEnv, { BENCH_PROFILE_DIR: profile.dir, BENCH_PROFILE_NAME: profile.name });
  }
  const child = startNode('worker', 'dist/apps/worker/src/main.js', { ...env, ...extraEnv }, nodeArgs, !!profile);
  await waitForOutput(child, /worker started/i);
  const pid = child.proc.pid!;
  return {
    child,
    pid,
    peakRssMb: () => peakRssMb(pid),
    writeProfile: async () =>
      profile ? (await request<{ file: string }>(child, 'profile:stop', {}, 60_000)).file : undefined,
    stop: () => stop(child, 30_000),
  };
}

export const PROFILE_DIR = join(ROOT, 'bench', 'results', 'profiles');

/** JSON over HTTP to the API as an operator. */
export async function adminRequest<T = unknown>(
  api: { baseUrl: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: res.status, body: parsed as T };
}
