/**
 * Paired fan-out runs of several builds, for deciding whether a change to the send path
 * helps on a noisy machine: each round runs every build's worker on the same fan-out,
 * back to back, and the bare sender once, so each round's figures share that round's
 * machine speed (it varied by up to 60% between minutes on the 2-core VMs used so far).
 *
 *   npm run build && cp -r dist dist-a     # one build per variant, inside the repository
 *   COMPARE_DISTS=dist-a,dist-b npx ts-node --transpile-only -r tsconfig-paths/register \
 *     bench/compare-builds.ts [rounds=3] [readers=10000]
 *
 * An entry may carry the worker's node flags after a "|" ("dist|--max-semi-space-size=16"),
 * so one build can also be compared under different flags; without, the default flags.
 */
import { bareSend } from './lib/bare-send';
import { describeThreads } from './lib/cpu';
import { runBenchScript } from './lib/entry';
import { log } from './lib/log';
import { Sink } from './lib/sink';
import { runFanout, sampleMessage } from './suites/fanout';

/** CPU milliseconds per message of each busy process group. */
function msPerMessage(cores: Record<string, number>, perSecond: number): string {
  return Object.entries(cores)
    .filter(([, c]) => c > 0.05)
    .map(([group, c]) => `${group} ${((c * 1000) / perSecond).toFixed(2)}`)
    .join(', ');
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const readers = Number(process.argv[3] ?? 10_000);
  const builds = (process.env.COMPARE_DISTS ?? 'dist').split(',');
  const sink = await Sink.start();
  for (let round = 1; round <= rounds; round++) {
    let bare: Awaited<ReturnType<typeof bareSend>> | undefined;
    for (const variant of builds) {
      const [build, flags] = variant.split('|');
      process.env.BENCH_DIST = build;
      if (flags === undefined) delete process.env.BENCH_WORKER_FLAGS;
      else process.env.BENCH_WORKER_FLAGS = flags;
      const run = await runFanout(sink, { readers, workers: 1, concurrency: 8, label: `compare-${round}` });
      if (!bare) bare = await bareSend(sink, { raw: (await sampleMessage(sink))!.raw }, readers, 8);
      log(
        `round ${round} ${variant}: ${Math.round(run.messagesPerSecond)} msg/s, bare ${Math.round(bare.messagesPerSecond)} ` +
          `(${(run.messagesPerSecond / bare.messagesPerSecond).toFixed(2)}×); CPU ms per message: ` +
          `${msPerMessage(run.cpu.cores, run.messagesPerSecond)}; bare sender ${msPerMessage({ sender: bare.cpu.cores.sender }, bare.messagesPerSecond)}; ` +
          `worker threads: ${describeThreads(run.workerThreads)}; worker peak RSS ${run.workerPeakRssMb.join('/')} MB`,
      );
    }
  }
}

runBenchScript('compare-builds', main);
