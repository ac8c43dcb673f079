import autocannon from 'autocannon';
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
  api: LoadResult;
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
function load(
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
  profile?: boolean;
}): Promise<SubscribeResult> {
  const penv = await createPrivateEnv('subscribe', { SUBSCRIBE_RATE_LIMIT: '0' });
  try {
    await penv.query(`INSERT INTO newsletters (slug, name, topics) VALUES ($1, 'Bench Daily', '{world}')`, [
      BENCH_NEWSLETTER,
    ]);
    const countSubscribers = async (tag: string) =>
      Number(
        (await penv.query<{ n: string }>(`SELECT count(*) AS n FROM subscribers WHERE email LIKE $1`, [`${tag}.%`]))[0]
          .n,
      );

    let profile: string | undefined;
    const api = await startApi(penv.env, opts.profile ? { dir: PROFILE_DIR, name: 'subscribe-api' } : undefined);
    let apiResult: LoadResult;
    let httpFloor: LoadResult;
    try {
      await load(api.baseUrl, 2, opts.connections, 'warmup-api');
      log(`subscribe: real API, ${opts.connections} connections for ${opts.seconds}s`);
      await api.startProfile();
      const meter = new CpuMeter();
      meter.start();
      const r = await load(api.baseUrl, opts.seconds, opts.connections, 'api');
      const cpu = meter.stop({ api: [api.pid], 'autocannon (bench)': [process.pid] });
      apiResult = summarise(r, await countSubscribers('api'), cpu);
      log(`subscribe: API ${Math.round(apiResult.requestsPerSecond)} req/s; ${describeCpu(cpu)}`);
      profile = await api.writeProfile();

      log(`subscribe: HTTP stack alone (honeypot posts), ${opts.connections} connections for ${opts.seconds}s`);
      const floorMeter = new CpuMeter();
      floorMeter.start();
      const floor = await load(api.baseUrl, opts.seconds, opts.connections, 'floor', true);
      const floorCpu = floorMeter.stop({ api: [api.pid], 'autocannon (bench)': [process.pid] });
      httpFloor = summarise(floor, await countSubscribers('floor'), floorCpu);
      log(`subscribe: HTTP stack alone ${Math.round(httpFloor.requestsPerSecond)} req/s; ${describeCpu(floorCpu)}`);
    } finally {
      await api.stop();
    }

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
      api: apiResult,
      httpFloor,
      bare: bareResult,
      nestFloor,
      nestFastifyFloor,
      profile,
    };
  } finally {
    await penv.cleanup();
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
    log(`subscribe: ${label} server, ${opts.connections} connections for ${opts.seconds}s`);
    const meter = new CpuMeter();
    meter.start();
    const r = await load(url, opts.seconds, opts.connections, tag);
    const cpu = meter.stop({ [`${label} server`]: [child.proc.pid!], 'autocannon (bench)': [process.pid] });
    const result = summarise(r, await countSubscribers(tag), cpu);
    log(`subscribe: ${label} ${Math.round(result.requestsPerSecond)} req/s; ${describeCpu(cpu)}`);
    return result;
  } finally {
    await stop(child);
  }
}
