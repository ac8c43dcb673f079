import { ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');

/** Every process the bench starts, so that one exit path can end them all, by pid. */
const running = new Set<ChildProcess>();

export interface Started {
  proc: ChildProcess;
  /** Last lines of stdout+stderr, for error messages when a child dies. */
  tail(): string;
}

function track(proc: ChildProcess, name: string): Started {
  running.add(proc);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(`[${name}] ${line}`);
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.on('exit', () => running.delete(proc));
  return { proc, tail: () => lines.join('\n') };
}

/** Starts a built app (dist/) directly with node, so the pid we sample is the app itself. */
export function startNode(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  ipc = false,
): Started {
  const proc = spawn(process.execPath, [...nodeArgs, join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  return track(proc, name);
}

/** Forks a TypeScript script under ts-node (with tsconfig paths), with an IPC channel. */
export function forkTs(name: string, script: string, env: Record<string, string> = {}, args: string[] = []): Started {
  const proc = fork(join(ROOT, script), args, {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', ...env },
    execArgv: ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return track(proc, name);
}

const PROCS_OUT = join(ROOT, 'var', 'bench-procs');

/**
 * Forks one of the bench's own helpers (bench/procs/*.ts, which import only packages) as
 * plain JavaScript, transpiled here. Not under ts-node: ts-node loads node:domain, which
 * wraps every event emit and async callback and would slow the baselines being measured.
 */
export function forkProc(name: string, script: string, env: Record<string, string> = {}): Started {
  mkdirSync(PROCS_OUT, { recursive: true });
  const { outputText } = ts.transpileModule(readFileSync(join(ROOT, script), 'utf8'), {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  const out = join(PROCS_OUT, basename(script).replace(/\.ts$/, '.js'));
  writeFileSync(out, outputText);
  const proc = fork(out, [], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return track(proc, name);
}

/** The processes `pid` started (Linux: each task lists its children), for CPU accounting. */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return []; // already gone
  }
}

/** Resolves when a line matching `pattern` appears on the child's stdout; rejects if it exits first. */
export function waitForOutput(child: Started, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error(`timed out waiting for ${pattern}\n${child.tail()}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      if (pattern.test(buffer)) done();
    };
    const onExit = (code: number | null) => fail(new Error(`exited (${code}) before ${pattern}\n${child.tail()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.proc.stdout?.off('data', onData);
      child.proc.off('exit', onExit);
    };
    const done = () => (cleanup(), resolve());
    const fail = (err: Error) => (cleanup(), reject(err));
    child.proc.stdout?.on('data', onData);
    child.proc.once('exit', onExit);
  });
}

/** Sends one IPC request and resolves with the first reply of type `${type}:reply`. */
export function request<T>(child: Started, type: string, payload: object = {}, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`no reply to ${type}\n${child.tail()}`)), timeoutMs);
    const onMessage = (msg: { type?: string; error?: string }) => {
      if (msg?.type !== `${type}:reply`) return;
      if (msg.error) finish(new Error(msg.error));
      else finish(undefined, msg as T);
    };
    const onExit = (code: number | null) => finish(new Error(`exited (${code}) during ${type}\n${child.tail()}`));
    const finish = (err?: Error, value?: T) => {
      clearTimeout(timer);
      child.proc.off('message', onMessage);
      child.proc.off('exit', onExit);
      if (err) reject(err);
      else resolve(value!);
    };
    child.proc.on('message', onMessage);
    child.proc.once('exit', onExit);
    child.proc.send({ type, ...payload });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stop(child: Started | undefined, graceMs = 10_000): Promise<void> {
  if (!child) return;
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Last-resort cleanup on any exit path: kills every child still running, by its own pid. */
export function killAllChildren(): void {
  for (const proc of running) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

export function runningCount(): number {
  return running.size;
}

function statusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size of a process so far (VmHWM), in MB; undefined once it has exited. */
export function peakRssMb(pid: number | undefined): number | undefined {
  return statusMb(pid, 'VmHWM');
}

/** Current resident set size (VmRSS), in MB. */
export function rssMb(pid: number | undefined): number | undefined {
  return statusMb(pid, 'VmRSS');
}
