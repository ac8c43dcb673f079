/**
 * Paired sign-up loads on several builds of the API, for deciding whether a change to the
 * sign-up path helps on a noisy machine: each round runs every build's API under the same
 * load, back to back, so the builds of one round share that round's machine speed.
 *
 *   npm run build && cp -r dist dist-a     # one build per variant, inside the repository
 *   COMPARE_DISTS=dist-a,dist-b npx ts-node --transpile-only -r tsconfig-paths/register \
 *     bench/compare-subscribe.ts [rounds=3] [seconds=6] [apiProcesses=1]
 *
 * An entry may carry environment variables for its API after a "|" ("dist|API_PROCESSES=2 LOG_LEVEL=info"),
 * and node flags for it as FLAGS, comma-separated ("dist|FLAGS=--single-threaded-gc,--trace-gc").
 */
import { runBenchScript } from './lib/entry';
import { log } from './lib/log';
import { createSubscribeEnv, measureApiLoad } from './suites/subscribe';

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const seconds = Number(process.argv[3] ?? 6);
  const processes = Number(process.argv[4] ?? 1);
  const builds = (process.env.COMPARE_DISTS ?? 'dist').split(',');
  const { penv, countSubscribers } = await createSubscribeEnv();
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of builds) {
        const [build, settings = ''] = variant.split('|');
        process.env.BENCH_DIST = build;
        const { FLAGS: flags, ...extraEnv } = Object.fromEntries(
          settings
            .split(' ')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        useApiFlags(flags);
        const { load } = await measureApiLoad(
          { ...penv.env, ...extraEnv },
          Number(extraEnv.API_PROCESSES ?? processes),
          `r${round}-${variant.replace(/\W/g, '')}`,
          { seconds, connections: 50 },
          countSubscribers,
          {},
        );
        const apiMs = ((load.cpu.cores.api ?? 0) * 1000) / load.requestsPerSecond;
        log(
          `round ${round} ${variant}: ${Math.round(load.requestsPerSecond)} sign-ups/s, p50 ${load.p50Ms} ms, ` +
            `p99 ${load.p99Ms} ms, API ${apiMs.toFixed(3)} ms CPU per sign-up, machine ${Math.round(load.cpu.machineBusy * 100)}% busy`,
        );
      }
    }
  } finally {
    await penv.cleanup();
  }
}

const flagsFromEnvironment = process.env.BENCH_API_FLAGS;

/** Node flags for the next API started: the entry's, else BENCH_API_FLAGS as given, else `start:api`'s. */
function useApiFlags(commaSeparated: string | undefined): void {
  const flags = commaSeparated?.split(',').join(' ') ?? flagsFromEnvironment;
  if (flags === undefined) delete process.env.BENCH_API_FLAGS;
  else process.env.BENCH_API_FLAGS = flags;
}

runBenchScript('compare-subscribe', main);
