import autocannon from 'autocannon';
import { availableParallelism } from 'node:os';
import { PROFILE_DIR, startApi } from '../lib/apps';
import { forkProc, stop } from '../lib/children';
import { CpuMeter, CpuWindow, describeCpu } from '../lib/cpu';
import { log } from '../lib/log';
import { createPrivateEnv } from '../lib/private-env';
import { BENCH_NEWSLETTER } from '../lib/seed';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** Rows actually stored, to prove the load did real sign-ups. */
  storedSubscribers: number;
  /** Where the machine's CPU went during the load. */
  cpu: CpuWindow;
}

export interface SubscribeResult {
  seconds: number;
  connections: number;
  /** API_PROCESSES of the main run. */
  apiProcesses: number;
  api: LoadResult;
  /** API_PROCESSES of the second run: one per core when the main run has one process, else one. */
  otherProcesses: number;
  /** The API as `otherProcesses` processes; absent in quick mode and on a one-core machine. */
  apiOtherProcesses?: LoadResult;
  /**
   * The same route answering posts with the honeypot field filled: the whole HTTP stack
   * (express, Nest, middleware, origin and body checks, the 202) without the sign-up's
   * database and Redis work. What the API could reach if the sign-up cost nothing.
   */
  httpFloor: LoadResult;
  bare: LoadResult;
  /**
   * The bare server's one INSERT answered from a minimal NestJS app (express, no middleware):
   * what the fixed stack costs before any of the product's own work.
   */
  nestFloor: LoadResult;
  /** The same minimal app on @nestjs/platform-fastify instead of express. */
  nestFastifyFloor: LoadResult;
  /** CPU profile of the API during the load (--profile). */
  profile?: string;
}

/** autocannon against POST /subscriptions, every request with a new address (`honeypot`: filled in, as bots do). */
export function load(
  url: string,
  seconds: number,
  connections: number,
  tag: string,
  honeypot = false,
): Promise<autocannon.Result> {
  let n = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/subscriptions',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({
                email: `${tag}.${n++}@bench.test`,
                name: `Reader ${n}`,
                newsletters: [BENCH_NEWSLETTER],
                consent: true,
                source: 'bench',
                ...(honeypot ? { website: 'https://bot.example' } : {}),
              }),
            }),
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

function summarise(r: autocannon.Result, stored: number, cpu: CpuWindow): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {}))
    statusCodes[code] = Number((v as { count: number }).count);
  const done = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    requestsPerSecond: done / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: done,
    non2xx: r.non2xx,
    errors: r.errors,
    statusCodes,
    storedSubscribers: stored,
    cpu,
  };
}

/** The real API (rate limit off) and then the bare server, against the same database, one after the other. */
export async function runSubscribe(opts: {
  seconds: number;
  connections: number;
  /** API_PROCESSES of the API under load (the one-process run is measured as well). */
  apiProcesses: number;
  /** Also the API as another number of processes (an information row; full mode). */
  compareProcessCounts: boolean;
  profile?: boolean;
}): Promise<SubscribeResult> {
  const { penv, countSubscribers } = await createSubscribeEnv();
  try {
    const measureApi = (processes: number, tag: string, extra: { httpFloor?: boolean; profile?: boolean }) =>
      measureApiLoad(penv.env, processes, tag, opts, countSubscribers, extra);
    const main = await measureApi(opts.apiProcesses, 'api', { httpFloor: true });
    const otherProcesses = opts.apiProcesses === 1 ? availableParallelism() : 1;
    const other =
      !opts.compareProcessCounts || otherProcesses === opts.apiProcesses
        ? undefined
        : await measureApi(otherProcesses, 'other', {});
    // A run of its own: profiling slows the API, so no measured row is profiled. One process,
    // because the profile hook answers on the process the bench started.
    const profiled = opts.profile ? await measureApi(1, 'profiled', { profile: true }) : undefined;

    const server = (script: string, label: string, tag: string, env: Record<string, string> = {}) =>
      measureServer(script, label, tag, { DATABASE_URL: penv.databaseUrl, ...env }, opts, countSubscribers);
    const bareResult = await server('bench/procs/bare-subscribe-server.ts', 'bare', 'bare');
    const nestFloor = await server('bench/procs/nest-floor-server.ts', 'Nest floor', 'nest');
    const nestFastifyFloor = await server('bench/procs/nest-floor-server.ts', 'Nest fastify floor', 'fastify', {
      NEST_FLOOR_PLATFORM: 'fastify',
    });
    return {
      seconds: opts.seconds,
      connections: opts.connections,
      apiProcesses: opts.apiProcesses,
      api: main.load,
      otherProcesses,
      apiOtherProcesses: other?.load,
      httpFloor: main.httpFloor!,
      bare: bareResult,
      nestFloor,
      nestFastifyFloor,
      profile: profiled?.profile,
    };
  } finally {
    await penv.cleanup();
  }
}

/** A private database with the one newsletter the load signs up to, and a count of the readers stored per tag. */
export async function createSubscribeEnv() {
  const penv = await createPrivateEnv('subscribe', { SUBSCRIBE_RATE_LIMIT: '0' });
  await penv.query(`INSERT INTO newsletters (slug, name, topics) VALUES ($1, 'Bench Daily', '{world}')`, [
    BENCH_NEWSLETTER,
  ]);
  const countSubscribers = async (tag: string) =>
    Number(
      (await penv.query<{ n: string }>(`SELECT count(*) AS n FROM subscribers WHERE email LIKE $1`, [`${tag}.%`]))[0].n,
    );
  return { penv, countSubscribers };
}

/**
 * One measured load: autocannon on `url` for the configured time, the machine's CPU meanwhile
 * (the named `processes` apart, and autocannon, which runs in this process), the readers stored.
 */
async function measuredLoad(
  label: string,
  url: string,
  tag: string,
  honeypot: boolean,
  processes: () => Record<string, number[]>,
  opts: { seconds: number; connections: number },
  countSubscribers: (tag: string) => Promise<number>,
): Promise<LoadResult> {
  log(`subscribe: ${label}, ${opts.connections} connections for ${opts.seconds}s`);
  const meter = new CpuMeter();
  meter.start();
  const r = await load(url, opts.seconds, opts.connections, tag, honeypot);
  const cpu = meter.stop({ ...processes(), 'autocannon (bench)': [process.pid] });
  const result = summarise(r, await countSubscribers(tag), cpu);
  log(`subscribe: ${label}: ${Math.round(result.requestsPerSecond)} req/s; ${describeCpu(cpu)}`);
  return result;
}

/**
 * The API as `processes` processes under POST /subscriptions with new addresses; optionally
 * also the honeypot posts (the HTTP stack alone) and a CPU profile of the sign-ups.
 */
export async function measureApiLoad(
  env: Record<string, string>,
  processes: number,
  tag: string,
  opts: { seconds: number; connections: number },
  countSubscribers: (tag: string) => Promise<number>,
  extra: { httpFloor?: boolean; profile?: boolean },
): Promise<{ load: LoadResult; httpFloor?: LoadResult; profile?: string }> {
  const api = await startApi(env, extra.profile ? { dir: PROFILE_DIR, name: 'subscribe-api' } : undefined, processes);
  const label = `API (${processes} process${processes > 1 ? 'es' : ''})`;
  const measure = (what: string, loadTag: string, honeypot: boolean) =>
    measuredLoad(
      `${label}, ${what}`,
      api.baseUrl,
      loadTag,
      honeypot,
      () => ({ api: api.pids() }),
      opts,
      countSubscribers,
    );
  try {
    await load(api.baseUrl, 2, opts.connections, `warmup-${tag}`);
    await api.startProfile();
    const signUps = await measure('sign-ups', tag, false);
    const profile = await api.writeProfile();
    const httpFloor = extra.httpFloor ? await measure('honeypot posts', 'floor', true) : undefined;
    return { load: signUps, httpFloor, profile };
  } finally {
    await api.stop();
  }
}

/** Starts a baseline server (a forked script that reports its port), loads it, stops it. */
async function measureServer(
  script: string,
  label: string,
  tag: string,
  env: Record<string, string>,
  opts: { seconds: number; connections: number },
  countSubscribers: (tag: string) => Promise<number>,
): Promise<LoadResult> {
  const child = forkProc(label, script, env);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.proc.once('message', (m: { port: number }) => resolve(m.port));
      child.proc.once('exit', (code) => reject(new Error(`${label} server exited (${code})\n${child.tail()}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    await load(url, 2, opts.connections, `warmup-${tag}`);
    const processes = () => ({ [`${label} server`]: [child.proc.pid!] });
    return await measuredLoad(`${label} server`, url, tag, false, processes, opts, countSubscribers);
  } finally {
    await stop(child);
  }
}
