/**
 * `npm run bench` (quick, under 3 minutes) / `npm run bench -- --full` (large sizes).
 * Measures the real send path against the bare limit of the same machine in the same run,
 * prints a table and writes bench/results/<timestamp>.json. See bench/README.md.
 */
import { loadavg } from 'node:os';
import { basename } from 'node:path';
import { workerNodeFlags } from './lib/apps';
import { bareSend, syntheticMessage } from './lib/bare-send';
import { runBenchScript } from './lib/entry';
import { CpuWindow } from './lib/cpu';
import { log } from './lib/log';
import { selfTimeByPackage, topSelfTime } from './lib/profile-summary';
import { formatTable, machine, Results, writeResults } from './lib/report';
import { Sink } from './lib/sink';
import { fanoutRows, FanoutFigures } from './rows';
import { ingestionRows, personaliseRows, subscribeRows } from './rows';
import { FanoutResult, runFanout, sampleMessage } from './suites/fanout';
import { runIngestion } from './suites/ingestion';
import { runPersonalise } from './suites/personalise';
import { runSubscribe } from './suites/subscribe';

const SUITES = ['fanout', 'personalise', 'subscribe', 'ingestion'] as const;
type Suite = (typeof SUITES)[number];

export interface Options {
  full: boolean;
  suites: Suite[];
  readers: number;
  largeReaders: number;
  concurrency: number;
  subscribeSeconds: number;
  connections: number;
  /** API_PROCESSES of the subscribe run (default 1, as `npm run start:api`; one per core is measured beside it). */
  apiProcesses: number;
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const full = flag('full');
  const only = value('only')?.split(',') as Suite[] | undefined;
  for (const s of only ?? [])
    if (!SUITES.includes(s)) throw new Error(`--only: unknown suite "${s}" (${SUITES.join(', ')})`);
  return {
    full,
    suites: only ?? [...SUITES],
    readers: Number(value('readers') ?? (full ? 100_000 : 20_000)),
    largeReaders: Number(value('large-readers') ?? 500_000),
    concurrency: Number(value('concurrency') ?? process.env.SEND_CONCURRENCY ?? 8),
    subscribeSeconds: Number(value('seconds') ?? (full ? 20 : 5)),
    connections: Number(value('connections') ?? 50),
    apiProcesses: Number(value('api-processes') ?? 1),
    profile: flag('profile'),
  };
}

async function fanoutSuite(opts: Options, results: Results): Promise<void> {
  const sink = await Sink.start();
  try {
    const figures: FanoutFigures = { readers: opts.readers, concurrency: opts.concurrency, full: opts.full };
    const run = async (
      readers: number,
      workers: number,
      label: string,
      concurrency = opts.concurrency,
    ): Promise<FanoutResult | undefined> => {
      log(`fan-out: ${readers.toLocaleString('en-GB')} readers, ${workers} worker(s)`);
      try {
        const r = await runFanout(sink, {
          readers,
          workers,
          concurrency,
          profile: opts.profile,
          label,
        });
        log(
          `fan-out ${label}: ${Math.round(r.messagesPerSecond)} msg/s, worker peak RSS ${r.workerPeakRssMb.join('/')} MB`,
        );
        results.details[`fanout_${label}`] = r;
        return r;
      } catch (err) {
        results.errors.push({ suite: `fanout ${label}`, message: (err as Error).message });
        log(`fan-out ${label} failed: ${(err as Error).message}`);
        return undefined;
      }
    };

    figures.one = await run(opts.readers, 1, `${opts.readers}x1`);
    const sample = figures.one ? await sampleMessage(sink) : undefined;
    // The baseline sends the pipeline's own first message, pre-built, as the worker hands its
    // messages to nodemailer; before the pipeline works, a stand-in of typical size.
    const raw = sample?.raw ?? syntheticMessage(90_000);
    figures.baselineSource = sample ? 'the pipeline’s first message' : 'a synthetic 90 kB message';
    log(`bare limit: ${opts.readers.toLocaleString('en-GB')} pre-rendered messages, ${opts.concurrency} connections`);
    figures.bare = await bareSend(sink, { raw }, opts.readers, opts.concurrency);
    if (sample) {
      // A reference, not a target's baseline: a steady rate shows within the first thousand or two messages.
      const count = Math.min(opts.readers, opts.full ? 20_000 : 1_000);
      figures.bareComposed = await bareSend(sink, { parts: sample.parts }, count, opts.concurrency);
      // Another reference: as fast as the bare sender, so a few thousand show its rate.
      const viaConnections = Math.min(opts.readers, opts.full ? 20_000 : 5_000);
      figures.bareConnections = await bareSend(sink, { raw }, viaConnections, opts.concurrency, 1, 'connections');
    }
    // Full mode: the machine's bare limit, to set against its two workers: a sender process per
    // core, each with the connections one of those workers gets, so both sides have as many.
    if (opts.full) {
      figures.sharedConnections = Math.max(1, Math.floor(opts.concurrency / 2));
      figures.bareMachine = await bareSend(sink, { raw }, opts.readers, figures.sharedConnections * 2, 2);
    }
    results.details.bare = {
      raw: figures.bare,
      composed: figures.bareComposed,
      connections: figures.bareConnections,
      machine: figures.bareMachine,
      source: figures.baselineSource,
    };
    log(
      `bare limit: ${Math.round(figures.bare.messagesPerSecond)} msg/s` +
        (figures.bareComposed
          ? `; ${Math.round(figures.bareComposed.messagesPerSecond)} msg/s composing each message`
          : '') +
        (figures.bareConnections
          ? `; ${Math.round(figures.bareConnections.messagesPerSecond)} msg/s over the pipeline's SMTP connections`
          : '') +
        (figures.bareMachine ? `; 2 sender processes: ${Math.round(figures.bareMachine.messagesPerSecond)} msg/s` : ''),
    );

    figures.two = await run(opts.readers, 2, `${opts.readers}x2`);
    // Full mode: two workers with the bare senders' connections split between them (one worker machine as deployed).
    if (figures.sharedConnections)
      figures.twoShared = await run(opts.readers, 2, `${opts.readers}x2-shared`, figures.sharedConnections);
    if (opts.full) figures.large = await run(opts.largeReaders, 1, `${opts.largeReaders}x1`);
    results.rows.push(...fanoutRows(figures, opts.largeReaders));
  } finally {
    await sink.stop();
  }
}

/** The most CPU (cores) that processes outside the benchmark took during any measured window. */
function outsideWork(results: Results): number {
  const windows: CpuWindow[] = [];
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const w = v as Partial<CpuWindow>;
    if (typeof w.machineBusy === 'number' && w.cores) windows.push(w as CpuWindow);
    else for (const child of Object.values(v)) visit(child);
  };
  visit(results.details);
  // Kernel threads always show a little; other people's processes are what skews a run.
  const outside = (w: CpuWindow) => (w.cores.other ?? 0) + (w.unattributed ?? 0);
  return Math.max(0, ...windows.map(outside));
}

/** Every CPU profile the run wrote, summarised into the results (top self time, time by package). */
function summariseProfiles(results: Results): Results['profiles'] {
  const files: string[] = [];
  for (const d of Object.values(results.details) as Array<{ profiles?: string[]; profile?: string }>) {
    files.push(...(d?.profiles ?? []), ...(d?.profile ? [d.profile] : []));
  }
  const out: NonNullable<Results['profiles']> = {};
  for (const f of files)
    out[basename(f)] = { file: f, ...topSelfTime(f, 25), byArea: selfTimeByPackage(f).slice(0, 15) };
  return files.length ? out : undefined;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const results: Results = {
    startedAt: new Date().toISOString(),
    mode: opts.full ? 'full' : 'quick',
    machine: machine(),
    // The worker's node flags (heap sizing) change its memory figures: recorded with them.
    settings: { ...opts, workerNodeFlags: workerNodeFlags() },
    rows: [],
    errors: [],
    details: {},
  };
  log(
    `mode ${results.mode}; ${results.machine.cpus} × ${results.machine.cpuModel}; load ${loadavg()[0].toFixed(2)}; ` +
      `worker node flags: ${workerNodeFlags().join(' ') || 'none'}`,
  );
  const guarded = async (suite: Suite, fn: () => Promise<void>) => {
    if (!opts.suites.includes(suite)) return;
    try {
      await fn();
    } catch (err) {
      results.errors.push({ suite, message: (err as Error).message });
      log(`${suite} failed: ${(err as Error).stack ?? err}`);
    }
  };

  await guarded('fanout', () => fanoutSuite(opts, results));
  await guarded('personalise', async () => {
    const r = await runPersonalise(opts.full ? 20_000 : 5_000, opts.full ? 50 : 20);
    results.details.personalise = r;
    results.rows.push(...personaliseRows(r));
  });
  await guarded('subscribe', async () => {
    const r = await runSubscribe({
      seconds: opts.subscribeSeconds,
      connections: opts.connections,
      apiProcesses: opts.apiProcesses,
      compareProcessCounts: opts.full,
      profile: opts.profile,
    });
    results.details.subscribe = r;
    results.rows.push(...subscribeRows(r, opts.full));
  });
  await guarded('ingestion', async () => {
    const r = await runIngestion(opts.full, opts.full ? 30 * 60_000 : 90_000);
    results.details.ingestion = r;
    results.rows.push(...ingestionRows(r, opts.full));
  });

  results.profiles = summariseProfiles(results);
  results.finishedAt = new Date().toISOString();
  results.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const file = writeResults(results);
  process.stdout.write(
    `\nDispatch benchmarks (${results.mode}) — ${results.machine.cpus} CPUs, ${results.machine.cpuModel}, Node ${results.machine.node}\n\n`,
  );
  process.stdout.write(`${formatTable(results.rows)}\n`);
  const noise = outsideWork(results);
  if (noise >= 0.2) {
    process.stdout.write(
      `\nNote: the machine was not quiet: up to ${noise.toFixed(2)} cores were used by processes outside the ` +
        'bench during a measurement; figures vary with it.\n',
    );
  }
  for (const e of results.errors) process.stdout.write(`\nERROR in ${e.suite}: ${e.message}\n`);
  for (const [name, summary] of Object.entries(results.profiles ?? {})) {
    process.stdout.write(`\nCPU profile ${name} (top self time):\n`);
    for (const s of summary.top.slice(0, 12))
      process.stdout.write(`  ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.fn}  ${s.where}\n`);
  }
  process.stdout.write(`\nresults: ${file}\n`);
  process.exitCode = results.errors.length ? 1 : 0;
}

runBenchScript('bench', main);
