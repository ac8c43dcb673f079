import cluster, { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { CLUSTER_METRICS_REPLY, CLUSTER_METRICS_REQUEST, ClusterMetricsRequest } from './cluster-metrics';

/** How long the processes get to drain and exit after SIGTERM before they are killed. */
const SHUTDOWN_TIMEOUT_MS = 30_000;
/** A process that dies is replaced after this pause (so a crash loop does not spin a core). */
const RESTART_DELAY_MS = 1_000;
/** A process that served less than this before dying counts as a crash loop: the next pause doubles... */
const STABLE_AFTER_MS = 30_000;
/** ...up to this. */
const MAX_RESTART_DELAY_MS = 60_000;

type Say = (line: string) => void;

/**
 * The primary of an API started with API_PROCESSES > 1: forks that many API processes,
 * which share the listening port (node:cluster hands each new connection to one of them).
 * It runs no Nest application itself, only:
 * - replacing a process that dies once it has served (after a pause that doubles while the
 *   replacements keep dying young), and giving up (exit 1) when one dies before it ever
 *   listened: bad configuration or an unreachable database at start-up would only die again;
 * - on SIGTERM/SIGINT, passing the signal on, so each process drains its requests as a
 *   lone API would, and exiting once all have exited (0 when all exited cleanly);
 * - answering the processes' requests for the metrics of all of them (prom-client's
 *   AggregatorRegistry), so GET /metrics describes the whole API, whichever process answers.
 */
export function runApiCluster(processes: number, say: Say): void {
  const listenedAt = new WeakMap<Worker, number>();
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let failed = false;
  let quickDeathsInARow = 0;

  const start = () =>
    cluster.fork().once('listening', function (this: Worker) {
      listenedAt.set(this, Date.now());
    });

  /** RESTART_DELAY_MS, doubled for each death in a row of a process that served under STABLE_AFTER_MS. */
  const restartDelay = (servedMs: number): number => {
    quickDeathsInARow = servedMs < STABLE_AFTER_MS ? quickDeathsInARow + 1 : 0;
    return Math.min(RESTART_DELAY_MS * 2 ** Math.max(0, quickDeathsInARow - 1), MAX_RESTART_DELAY_MS);
  };

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      // A process the signal ended without its drain (SIGTERM's default action) did not exit cleanly either.
      if (code !== 0) failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const listenedSince = listenedAt.get(worker);
    if (listenedSince === undefined) {
      say(`API process ${worker.process.pid} exited (${how}) before it listened: stopping the API`);
      failed = true;
      return stopAll();
    }
    const delay = restartDelay(Date.now() - listenedSince);
    say(`API process ${worker.process.pid} exited (${how}): starting a new one in ${delay / 1000} s`);
    // Not unref'd: with every process gone, this timer is what keeps the primary alive to replace them.
    setTimeout(() => stopping || start(), delay);
  });

  cluster.on('message', (worker, message: ClusterMetricsRequest) => {
    if (message?.type !== CLUSTER_METRICS_REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: CLUSTER_METRICS_REPLY, id: message.id, text }),
      (err: Error) => worker.send({ type: CLUSTER_METRICS_REPLY, id: message.id, error: err.message }),
    );
  });

  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    const running = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    if (running.length === 0) process.exit(failed ? 1 : 0);
    for (const worker of running) worker.process.kill('SIGTERM');
    setTimeout(() => {
      say(`API processes still running ${SHUTDOWN_TIMEOUT_MS} ms after SIGTERM: killing them`);
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
  };
  process.on('SIGTERM', stopAll);
  process.on('SIGINT', stopAll);

  for (let i = 0; i < processes; i++) start();
}
