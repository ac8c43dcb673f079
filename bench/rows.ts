/** Turns each suite's figures into table rows with their targets (issue 7). */
import { cpus } from 'node:os';
import { BareSendResult } from './lib/bare-send';
import { CpuWindow, describeThreads } from './lib/cpu';
import { atLeast, atMost, both, ratio, Row } from './lib/report';
import { FanoutResult } from './suites/fanout';
import { PersonaliseResult } from './suites/personalise';
import { LoadResult, SubscribeResult } from './suites/subscribe';

export interface FanoutFigures {
  readers: number;
  concurrency: number;
  full: boolean;
  one?: FanoutResult;
  two?: FanoutResult;
  /** 2 workers sharing the bare sender's connection count (half each): one worker machine as deployed. */
  twoShared?: FanoutResult;
  large?: FanoutResult;
  /** The bare limit: the pipeline's message, pre-built, through a plain nodemailer pool. */
  bare?: BareSendResult;
  /** The bare limit of the machine: two sender processes, `sharedConnections` each. */
  bareMachine?: BareSendResult;
  /** Connections per process when two workers (and two bare senders) share the machine (full mode). */
  sharedConnections?: number;
  /** Reference: the same message composed by nodemailer from its parts, per message. */
  bareComposed?: BareSendResult;
  /** Reference: the same pre-built message over the pipeline's own SMTP connections, nothing else. */
  bareConnections?: BareSendResult;
  baselineSource?: string;
}

const n = (x: number) => x.toLocaleString('en-GB');

/** Every reader got exactly one message and the issue says so. */
function delivered(r: FanoutResult): string | undefined {
  const issue = r.issue as { status?: string; sent?: number; failed?: number };
  const problems: string[] = [];
  if (r.received !== r.readers) problems.push(`sink received ${n(r.received)} for ${n(r.readers)} readers`);
  if (issue.status !== 'sent') problems.push(`issue status ${issue.status}`);
  if (issue.sent !== r.readers) problems.push(`issue counts sent=${issue.sent} failed=${issue.failed}`);
  return problems.length ? problems.join('; ') : undefined;
}

export function fanoutRows(f: FanoutFigures, largeReaders: number): Row[] {
  const rows: Row[] = [];
  const { one, two, large, bare, bareComposed, bareConnections } = f;
  const conn = `${f.concurrency} SMTP connections`;
  if (one) {
    const problem = delivered(one);
    const r = ratio(one.messagesPerSecond, bare?.messagesPerSecond);
    rows.push({
      id: 'fanout.throughput',
      measurement: `Fan-out, ${n(f.readers)} readers, 1 worker`,
      value: one.messagesPerSecond,
      baseline: bare?.messagesPerSecond ?? null,
      unit: 'msg/s',
      ratio: r,
      target: '≥ 0.8× bare',
      verdict: problem ? 'FAIL' : atLeast(r, 0.8),
      note:
        `baseline: ${n(bare?.count ?? 0)} copies of ${f.baselineSource} (${n(Math.round(bare?.bytesPerMessage ?? 0))} B), ` +
        `pre-built MIME handed as \`raw\` to a nodemailer pool, ${conn}, TCP_NODELAY, nothing else ` +
        `(CPU: ${bare ? describeCores(bare.cpu) : '—'}); pipeline messages average ${n(one.bytesPerMessage)} B; ` +
        `CPU during the run: ${describeCores(one.cpu)}; the worker's threads: ${describeThreads(one.workerThreads)}` +
        (problem ? `; DELIVERY PROBLEM: ${problem}` : ''),
    });
    rows.push(endToEndRow(f, one));
  }
  if (bareComposed) {
    rows.push({
      id: 'fanout.composed_reference',
      measurement: 'Bare nodemailer composing each message (reference)',
      value: bareComposed.messagesPerSecond,
      unit: 'msg/s',
      verdict: 'info',
      note:
        `${n(bareComposed.count)} copies of the same message given to nodemailer as subject/html/text/headers, ` +
        `composed per message as a plain nodemailer app would (CPU: ${describeCores(bareComposed.cpu)})`,
    });
  }
  if (bareConnections) {
    rows.push({
      id: 'fanout.connections_reference',
      measurement: "Bare sender over the pipeline's SMTP connections (reference)",
      value: bareConnections.messagesPerSecond,
      baseline: bare?.messagesPerSecond ?? null,
      unit: 'msg/s',
      ratio: ratio(bareConnections.messagesPerSecond, bare?.messagesPerSecond),
      verdict: 'info',
      note:
        `${n(bareConnections.count)} copies of the baseline's message through SmtpConnectionPool (nodemailer ` +
        `SMTPConnections without nodemailer's pool, as the worker's SMTP thread sends), ${conn}, nothing else ` +
        `(CPU: ${describeCores(bareConnections.cpu)}); the pipeline reaches ` +
        `${ratio(one?.messagesPerSecond ?? 0, bareConnections.messagesPerSecond)?.toFixed(2) ?? '—'}× of it`,
    });
  }
  if (one) {
    rows.push({
      id: 'memory.worker',
      measurement: `Worker peak RSS, ${n(f.readers)} readers`,
      value: one.workerPeakRssMb[0],
      unit: 'MB',
      target: '< 300 MB at 100,000',
      verdict: f.readers >= 100_000 ? atMost(one.workerPeakRssMb[0], 300) : 'info',
      note: [f.full ? '' : 'quick mode: the target is set at 100,000 and 500,000 readers: run --full', rssAlong(one)]
        .filter(Boolean)
        .join('; '),
    });
  }
  if (large && one) {
    const problem = delivered(large);
    const r = ratio(large.workerPeakRssMb[0], one.workerPeakRssMb[0]);
    rows.push({
      id: 'memory.worker_large',
      measurement: `Worker peak RSS, ${n(largeReaders)} readers`,
      value: large.workerPeakRssMb[0],
      baseline: one.workerPeakRssMb[0],
      unit: 'MB',
      ratio: r,
      target: `≤ 1.2× the ${n(f.readers)} figure`,
      verdict: problem ? 'FAIL' : atMost(r, 1.2),
      note:
        `${Math.round(large.messagesPerSecond)} msg/s at ${n(largeReaders)}; ${rssAlong(large)}` +
        (problem ? `; DELIVERY PROBLEM: ${problem}` : ''),
    });
  }
  if (two) {
    const problem = delivered(two);
    rows.push({
      id: 'fanout.scale_out',
      measurement: `Fan-out, ${n(f.readers)} readers, 2 workers`,
      value: two.messagesPerSecond,
      baseline: one?.messagesPerSecond ?? null,
      unit: 'msg/s',
      ratio: ratio(two.messagesPerSecond, one?.messagesPerSecond),
      target: 'report (baseline: 1 worker)',
      verdict: problem ? 'FAIL' : 'info',
      note: `each worker ${conn}; CPU: ${describeCores(two.cpu)}` + (problem ? `; DELIVERY PROBLEM: ${problem}` : ''),
    });
  }
  if (f.twoShared && f.sharedConnections) rows.push(sharedConnectionsRow(f, f.twoShared, f.sharedConnections));
  return rows;
}

/**
 * The machine's rate, from POST to the last message: the target speaks of one worker *machine*,
 * so the faster of its deployments measured here (one worker, or a worker process per core).
 */
function endToEndRow(f: FanoutFigures, one: FanoutResult): Row {
  const two = f.two && !delivered(f.two) ? f.two : undefined;
  const best = two && two.messagesPerSecond > one.messagesPerSecond ? two : one;
  const deployment = best === one ? '1 worker' : `2 workers, ${f.concurrency} SMTP connections each`;
  return {
    id: 'fanout.rate',
    measurement: `Fan-out end to end, ${n(f.readers)} readers, the machine's best (${best === one ? '1 worker' : '2 workers'})`,
    value: best.messagesPerSecond,
    unit: 'msg/s',
    target: '≥ 1,000 msg/s at 100,000',
    verdict: f.readers >= 100_000 ? atLeast(best.messagesPerSecond, 1000) : 'info',
    note:
      `${deployment}: ${(best.elapsedMs / 1000).toFixed(1)} s from POST to last message accepted (first after ` +
      `${((best.firstMessageMs ?? NaN) / 1000).toFixed(1)} s); CPU during the run: ` +
      describeCores(best.cpu) +
      (two ? `; 1 worker: ${n(Math.round(one.messagesPerSecond))} msg/s` : '') +
      (f.readers < 100_000 ? '; the target is set at 100,000 readers: run --full' : '') +
      (best.articlesVia === 'sql' ? '; articles seeded by SQL (POST /admin/articles unavailable)' : ''),
  };
}

/** The machine's two workers against its two bare senders, with the same connection count in all. */
function sharedConnectionsRow(f: FanoutFigures, shared: FanoutResult, each: number): Row {
  const problem = delivered(shared);
  const r = ratio(shared.messagesPerSecond, f.bareMachine?.messagesPerSecond);
  return {
    id: 'fanout.machine',
    measurement: `Fan-out, ${n(f.readers)} readers, 2 workers, ${each * 2} connections in all`,
    value: shared.messagesPerSecond,
    baseline: f.bareMachine?.messagesPerSecond ?? null,
    unit: 'msg/s',
    ratio: r,
    target: '≥ 0.8× bare (2 senders)',
    verdict: problem ? 'FAIL' : atLeast(r, 0.8),
    note:
      `one worker machine as deployed on ${cpus().length} cores: a worker process per core, each with ${each} SMTP ` +
      `connections; baseline: the bare sender as 2 processes with ${each} connections each ` +
      `(${f.bareMachine ? describeCores(f.bareMachine.cpu) : '—'}); against the one-process bare sender: ` +
      `${ratio(shared.messagesPerSecond, f.bare?.messagesPerSecond)?.toFixed(2) ?? '—'}×; CPU: ${describeCores(shared.cpu)}` +
      (problem ? `; DELIVERY PROBLEM: ${problem}` : ''),
  };
}

/** RSS of the first worker at a quarter, half, three quarters and the end of the sends. */
function rssAlong(r: FanoutResult): string {
  const t = r.rssTimeline ?? [];
  if (t.length < 4) return '';
  const at = (q: number) => t[Math.min(t.length - 1, Math.floor(q * (t.length - 1)))].rssMb[0];
  return `RSS along the run (25/50/75/100% of the time): ${[0.25, 0.5, 0.75, 1].map(at).join(' / ')} MB`;
}

function describeCores(cpu: CpuWindow): string {
  const parts = Object.entries(cpu.cores)
    .sort((a, b) => b[1] - a[1])
    .map(([g, c]) => `${g} ${c.toFixed(2)}`);
  const other = Object.entries(cpu.otherTop ?? {}).map(([c, v]) => `${c} ${v.toFixed(2)}`);
  return (
    `machine ${Math.round(cpu.machineBusy * 100)}% busy (cores: ${parts.join(', ')}` +
    (other.length ? `; other = ${other.join(', ')}` : '') +
    ((cpu.unattributed ?? 0) >= 0.1 ? `; ${cpu.unattributed.toFixed(2)} by processes that came and went` : '') +
    ')'
  );
}

export function personaliseRows(r: PersonaliseResult): Row[] {
  const speedup = ratio(r.mjmlMsPerReader, r.msPerReader);
  return [
    {
      id: 'personalise',
      measurement: 'Per-reader message from the compiled issue',
      value: r.msPerReader,
      baseline: r.mjmlMsPerReader,
      unit: 'ms/reader',
      ratio: speedup,
      target: '≤ 0.1 ms, ≥ 100× faster',
      verdict: both(atMost(r.msPerReader, 0.1), atLeast(speedup, 100)),
      note: `${r.description}; baseline: ${r.baselineDescription}; ratio = how many times faster`,
    },
    {
      id: 'personalise.composed',
      measurement: 'Per-reader message composed by nodemailer (reference)',
      value: r.composedMsPerMessage,
      unit: 'ms/msg',
      verdict: 'info',
      note: 'the same reader personalised, then composed from its parts by nodemailer (quoted-printable): what the pre-built MIME saves',
    },
  ];
}

/** The bare server's INSERT as the one route of a minimal Nest app on `platform`: the stack's own cost. */
function nestFloorRow(id: string, platform: 'express' | 'fastify', floor: LoadResult, bare: LoadResult): Row {
  return {
    id,
    measurement: `Subscribe baseline in a minimal Nest app on ${platform}`,
    value: floor.requestsPerSecond,
    baseline: bare.requestsPerSecond,
    unit: 'req/s',
    ratio: ratio(floor.requestsPerSecond, bare.requestsPerSecond),
    verdict: 'info',
    note:
      `the bare server's one INSERT … ON CONFLICT as a route of a minimal NestJS app (${platform}, no middleware, ` +
      `no validation, no logging)` +
      (platform === 'express' ? ": the fixed stack's own cost, on the API's platform" : ': the API is not on fastify') +
      `; p50 ${floor.p50Ms} ms, p99 ${floor.p99Ms} ms; ${n(floor.storedSubscribers)} readers stored`,
  };
}

function otherProcessesRow(load: LoadResult, processes: number, bare: LoadResult): Row {
  return {
    id: 'subscribe.rps_other_processes',
    measurement: `Subscribe API as ${processes} process${processes > 1 ? 'es' : ''} (API_PROCESSES=${processes})`,
    value: load.requestsPerSecond,
    baseline: bare.requestsPerSecond,
    unit: 'req/s',
    ratio: ratio(load.requestsPerSecond, bare.requestsPerSecond),
    verdict: 'info',
    note: `p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms; API ${load.cpu.cores.api?.toFixed(2) ?? '?'} cores`,
  };
}

export function subscribeRows(r: SubscribeResult, full: boolean): Row[] {
  const duration = `${r.seconds} s, ${r.connections} connections` + (full ? '' : ' (quick: 5 s; --full runs 20 s)');
  const loads: Array<[string, LoadResult]> = [
    ['API', r.api],
    ...(r.apiOtherProcesses ? [[`API as ${r.otherProcesses}`, r.apiOtherProcesses] as [string, LoadResult]] : []),
    ['bare', r.bare],
    ['Nest floor', r.nestFloor],
    ['Nest fastify floor', r.nestFastifyFloor],
  ];
  const problems = loads
    .map(([name, x]) => (x.non2xx || x.errors ? `${name}: ${x.non2xx} non-2xx, ${x.errors} errors` : ''))
    .filter(Boolean);
  const r1 = ratio(r.api.requestsPerSecond, r.bare.requestsPerSecond);
  const processes = `API_PROCESSES=${r.apiProcesses}`;
  return [
    {
      id: 'subscribe.rps',
      measurement: `Subscribe API, POST /subscriptions (${processes})`,
      value: r.api.requestsPerSecond,
      baseline: r.bare.requestsPerSecond,
      unit: 'req/s',
      ratio: r1,
      target: '≥ 0.5× bare',
      verdict: problems.length ? 'FAIL' : atLeast(r1, 0.5),
      note:
        `${duration}; ${n(r.api.storedSubscribers)} readers stored by the API, ${n(r.bare.storedSubscribers)} by the bare ` +
        `server (node:http + one INSERT … ON CONFLICT); API ${r.api.cpu.cores.api?.toFixed(2) ?? '?'} cores` +
        (problems.length ? `; ${problems.join('; ')}` : ''),
    },
    ...(r.apiOtherProcesses ? [otherProcessesRow(r.apiOtherProcesses, r.otherProcesses, r.bare)] : []),
    {
      id: 'subscribe.http_floor',
      measurement: `Subscribe API, HTTP stack alone (honeypot posts, ${processes})`,
      value: r.httpFloor.requestsPerSecond,
      baseline: r.bare.requestsPerSecond,
      unit: 'req/s',
      ratio: ratio(r.httpFloor.requestsPerSecond, r.bare.requestsPerSecond),
      verdict: 'info',
      note:
        'the same route and middleware answering 202 to posts with the honeypot field filled, no database or ' +
        `Redis work (${n(r.httpFloor.storedSubscribers)} readers stored: must be 0); p50 ${r.httpFloor.p50Ms} ms, ` +
        `p99 ${r.httpFloor.p99Ms} ms; API ${r.httpFloor.cpu.cores.api?.toFixed(2) ?? '?'} cores`,
    },
    nestFloorRow('subscribe.nest_floor', 'express', r.nestFloor, r.bare),
    nestFloorRow('subscribe.nest_fastify_floor', 'fastify', r.nestFastifyFloor, r.bare),
    {
      id: 'subscribe.p50',
      measurement: `Subscribe API latency p50 (${processes})`,
      value: r.api.p50Ms,
      baseline: r.bare.p50Ms,
      unit: 'ms',
      verdict: 'info',
    },
    {
      id: 'subscribe.p99',
      measurement: `Subscribe API latency p99 (${processes})`,
      value: r.api.p99Ms,
      baseline: r.bare.p99Ms,
      unit: 'ms',
      target: '< 50 ms',
      verdict: r.api.p99Ms < 50 ? 'pass' : 'FAIL',
    },
  ];
}

/** bench/ingestion.ts's JSON, as its author documents it; unknown keys are kept in the JSON details only. */
export function ingestionRows(r: Record<string, unknown>, full: boolean): Row[] {
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  const archive = num('archiveSize');
  const one = num('oneArticleMs');
  const rate = num('bulkArticlesPerSecond');
  const small = archive !== null && archive < 50_000;
  return [
    {
      id: 'ingestion.one',
      measurement: `Add one article to an archive of ${archive === null ? '?' : n(archive)}`,
      value: one,
      unit: 'ms',
      target: '< 200 ms at 50,000',
      verdict: small ? 'info' : atMost(one, 200),
      note: small ? `quick mode: smaller archive${full ? '' : '; --full uses 50,000'}` : undefined,
    },
    {
      id: 'ingestion.bulk',
      measurement: 'Bulk import',
      value: rate,
      unit: 'articles/s',
      verdict: 'info',
    },
  ];
}
