import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import ts from 'typescript';
import { childrenOf, peakRssMb, request, ROOT, startNode, Started, stop, waitForOutput } from './children';
import { ADMIN_TOKEN } from './private-env';

/** Where the built apps are: dist/ (what `npm run bench` builds), or BENCH_DIST for a private build. */
const dist = () => process.env.BENCH_DIST ?? 'dist';

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
  /** The started process and, with API_PROCESSES > 1, the API processes it forked. */
  pids(): number[];
  /** With a profile: starts sampling (call right before the measured window). */
  startProfile(): Promise<void>;
  /** With a profile: stops sampling and returns the .cpuprofile file written. */
  writeProfile(): Promise<string | undefined>;
  stop(): Promise<void>;
}

export interface ProfileOptions {
  dir: string;
  name: string;
}

/**
 * node arguments and env that preload the CPU-profile hook (bench/procs/cpu-profile-hook.ts),
 * transpiled to plain JS first: preloading ts-node would load node:domain into the app, which
 * wraps every event emit and callback and would distort the very profile being taken.
 */
function profiling(profile?: ProfileOptions): { nodeArgs: string[]; env: Record<string, string> } {
  if (!profile) return { nodeArgs: [], env: {} };
  mkdirSync(profile.dir, { recursive: true });
  const source = readFileSync(join(ROOT, 'bench/procs/cpu-profile-hook.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const hook = join(profile.dir, '.cpu-profile-hook.js');
  writeFileSync(hook, outputText);
  return {
    nodeArgs: ['-r', hook],
    env: { BENCH_PROFILE_DIR: profile.dir, BENCH_PROFILE_NAME: profile.name },
  };
}

function profileControls(child: Started, profile?: ProfileOptions) {
  return {
    startProfile: async () => {
      if (profile) await request(child, 'profile:start');
    },
    writeProfile: async () =>
      profile ? (await request<{ file: string }>(child, 'profile:stop', {}, 60_000)).file : undefined,
  };
}

/**
 * The real API from dist/, as `npm run start:api` runs it, as `processes` processes on one port
 * (API_PROCESSES); optionally CPU-profiled (see startWorker; one process only: the profile hook
 * answers on the IPC channel of the process the bench started).
 */
export async function startApi(
  env: Record<string, string>,
  profile?: ProfileOptions,
  processes = 1,
): Promise<ApiProcess> {
  if (profile && processes > 1) throw new Error('profile the API as one process');
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const p = profiling(profile);
  const child = startNode(
    'api',
    `${dist()}/apps/api/src/main.js`,
    { ...env, ...p.env, PORT: String(port), PUBLIC_BASE_URL: baseUrl, API_PROCESSES: String(processes) },
    [...apiNodeFlags(), ...p.nodeArgs],
    !!profile,
  );
  await waitForOutput(child, new RegExp(`(listening on[\\s\\S]*){${processes}}`, 'i'));
  const pid = child.proc.pid!;
  return {
    child,
    baseUrl,
    pid,
    pids: () => [pid, ...childrenOf(pid)],
    ...profileControls(child, profile),
    stop: () => stop(child),
  };
}

/** The node flags of `npm run start:api` (none today); BENCH_API_FLAGS replaces them. */
function apiNodeFlags(): string[] {
  return deployedNodeFlags('start:api', 'BENCH_API_FLAGS');
}

export interface WorkerProcess {
  child: Started;
  pid: number;
  /** Peak RSS so far (VmHWM); read it before stopping the worker. */
  peakRssMb(): number | undefined;
  /** With a profile: starts sampling (call right before the measured window). */
  startProfile(): Promise<void>;
  /** With a profile: stops sampling and returns the .cpuprofile file written. */
  writeProfile(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/**
 * The real worker from dist/, as `npm run start:worker` runs it. With `profile`, a preloaded
 * hook CPU-profiles it; call writeProfile() before stop() to get the .cpuprofile file.
 * `extraNodeArgs` go after the worker's own flags (e.g. --trace-gc to follow its heap).
 */
export async function startWorker(
  env: Record<string, string>,
  profile?: ProfileOptions,
  extraNodeArgs: string[] = [],
): Promise<WorkerProcess> {
  const p = profiling(profile);
  const nodeArgs = [...workerNodeFlags(), ...extraNodeArgs, ...p.nodeArgs];
  const child = startNode('worker', `${dist()}/apps/worker/src/main.js`, { ...env, ...p.env }, nodeArgs, !!profile);
  await waitForOutput(child, /worker started/i);
  const pid = child.proc.pid!;
  return {
    child,
    pid,
    peakRssMb: () => peakRssMb(pid),
    ...profileControls(child, profile),
    stop: () => stop(child, 30_000),
  };
}

/** The node flags of `npm run start:worker` (heap sizing); BENCH_WORKER_FLAGS replaces them. */
export function workerNodeFlags(): string[] {
  return deployedNodeFlags('start:worker', 'BENCH_WORKER_FLAGS');
}

/**
 * The node flags of one of package.json's start scripts, so the bench runs each app as
 * deployed; `overrideVar`, when set (space-separated, may be empty), replaces them.
 */
function deployedNodeFlags(script: 'start:api' | 'start:worker', overrideVar: string): string[] {
  const override = process.env[overrideVar];
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts[script]
    .split(/\s+/)
    .slice(1)
    .filter((arg) => arg.startsWith('--'));
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
