import { simpleParser } from 'mailparser';
import { adminRequest, ApiProcess, PROFILE_DIR, startApi, startWorker, WorkerProcess } from '../lib/apps';
import { rssMb } from '../lib/children';
import { CpuMeter, CpuWindow, describeCpu, describeThreads, ThreadCores, ThreadMeter } from '../lib/cpu';
import { log } from '../lib/log';
import { createPrivateEnv } from '../lib/private-env';
import { BENCH_NEWSLETTER, seedArticles, seedReaders } from '../lib/seed';
import { Sink } from '../lib/sink';
import { PreRendered } from '../lib/bare-send';

export interface FanoutResult {
  readers: number;
  workers: number;
  elapsedMs: number;
  /** From the POST to the first message accepted: building the issue and creating the deliveries. */
  firstMessageMs: number;
  messagesPerSecond: number;
  bytesPerMessage: number;
  /** Peak RSS of each worker process over the run (VmHWM), MB. */
  workerPeakRssMb: number[];
  issue: Record<string, unknown>;
  /** Messages the sink counted in total, to catch duplicates. */
  received: number;
  cpu: CpuWindow;
  /** Each worker's threads: the main one (building messages) and the busiest other (the SMTP thread). */
  workerThreads: ThreadCores[];
  profiles: string[];
  /** How the 20 articles got in: the admin API, or SQL while that API is missing. */
  articlesVia: 'api' | 'sql';
  /** Each worker's RSS every 2 s, against the messages sent so far. */
  rssTimeline: RssSample[];
}

export interface RssSample {
  sent: number;
  rssMb: number[];
}

interface IssueStatus {
  status: string;
  recipients: number;
  sent: number;
  failed: number;
  skipped: number;
}

/**
 * The real pipeline: API + `workers` worker processes from dist/, a private database with
 * `readers` confirmed readers, timed from POST /admin/newsletters/:slug/issues to the last
 * message the sink accepted.
 */
export async function runFanout(
  sink: Sink,
  opts: { readers: number; workers: number; concurrency: number; profile?: boolean; label: string },
): Promise<FanoutResult> {
  const penv = await createPrivateEnv(`fanout${opts.readers}x${opts.workers}`, {
    SMTP_URL: sink.url,
    SEND_CONCURRENCY: String(opts.concurrency),
  });
  let api: ApiProcess | undefined;
  const workers: WorkerProcess[] = [];
  try {
    await seedReaders(penv, opts.readers);
    api = await startApi(penv.env);
    const articlesVia = await seedArticles(api, penv);
    for (let i = 0; i < opts.workers; i++) {
      const profile = opts.profile ? { dir: PROFILE_DIR, name: `${opts.label}-worker${i + 1}` } : undefined;
      workers.push(await startWorker(penv.env, profile));
    }
    await sink.reset();
    for (const w of workers) await w.startProfile();
    const cpu = new CpuMeter();
    const threads = new ThreadMeter(workers.map((w) => w.pid));
    cpu.start();
    threads.start();
    const startedAt = Date.now();
    const created = await adminRequest<{ id: string }>(
      api,
      'POST',
      `/admin/newsletters/${BENCH_NEWSLETTER}/issues`,
      {},
    );
    if (created.status !== 202) {
      throw new Error(`POST issues answered ${created.status}: ${JSON.stringify(created.body).slice(0, 300)}`);
    }
    const issueId = created.body.id;
    let lastLog = Date.now();
    let lastSample = 0;
    const rssTimeline: RssSample[] = [];
    const stats = await sink.waitForCount(opts.readers, 60_000, (s) => {
      // The worker's RSS along the run: flat means memory does not grow with the readers sent.
      if (Date.now() - lastSample >= 2000) {
        lastSample = Date.now();
        rssTimeline.push({ sent: s.count, rssMb: workers.map((w) => Math.round(rssMb(w.pid) ?? NaN)) });
      }
      if (Date.now() - lastLog < 5000) return;
      lastLog = Date.now();
      log(`${opts.label}: ${s.count.toLocaleString('en-GB')}/${opts.readers.toLocaleString('en-GB')} messages`);
    });
    const window = cpu.stop({
      worker: workers.map((w) => w.pid),
      api: [api.pid],
      sink: [sink.pid!],
      bench: [process.pid],
    });
    const workerThreads = threads.stop();
    const elapsedMs = stats.lastAt - startedAt;
    const firstMessageMs = stats.firstAt - startedAt;
    const workerPeakRssMb = workers.map((w) => Math.round(w.peakRssMb() ?? NaN));
    const issue = await waitForIssueDone(api, issueId);
    // A short grace period catches duplicates still in flight.
    await new Promise((r) => setTimeout(r, 1000));
    const received = (await sink.stats()).count;
    const profiles: string[] = [];
    for (const w of workers) {
      const file = await w.writeProfile();
      if (file) profiles.push(file);
    }
    log(`${opts.label}: ${describeCpu(window)}; worker threads: ${describeThreads(workerThreads)}`);
    return {
      readers: opts.readers,
      workers: opts.workers,
      elapsedMs,
      firstMessageMs,
      messagesPerSecond: (opts.readers * 1000) / elapsedMs,
      bytesPerMessage: Math.round(stats.bytes / stats.count),
      workerPeakRssMb,
      issue: issue as unknown as Record<string, unknown>,
      received,
      cpu: window,
      workerThreads,
      profiles,
      articlesVia,
      rssTimeline,
    };
  } finally {
    for (const w of workers) await w.stop();
    await api?.stop();
    await penv.cleanup();
  }
}

async function waitForIssueDone(api: ApiProcess, id: string): Promise<IssueStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await adminRequest<IssueStatus>(api, 'GET', `/admin/issues/${id}`);
    if (res.status === 200 && ['sent', 'failed', 'skipped'].includes(res.body.status)) return res.body;
    if (Date.now() > deadline) return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The first message of the run, as the pipeline rendered it: the baseline sends copies of it. */
export async function sampleMessage(
  sink: Sink,
): Promise<{ raw: Buffer; parts: Extract<PreRendered, { parts: unknown }>['parts'] } | undefined> {
  const raw = await sink.sample();
  if (!raw) return undefined;
  const mail = await simpleParser(raw);
  const headers: Record<string, string> = {};
  for (const line of mail.headerLines) {
    if (!/^(list-|x-)/i.test(line.key)) continue;
    const colon = line.line.indexOf(':');
    headers[line.line.slice(0, colon)] = line.line
      .slice(colon + 1)
      .replace(/\r?\n\s+/g, ' ')
      .trim();
  }
  return {
    raw,
    parts: {
      subject: mail.subject ?? '',
      html: typeof mail.html === 'string' ? mail.html : '',
      text: mail.text ?? '',
      headers,
    },
  };
}
