import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobType } from 'bullmq';
import { DataSource } from 'typeorm';
import { JobQueue, QueueName } from '@app/queues';
import { SEND_DURATION_BUCKETS, SharedMetricsReader, SharedMetricsSnapshot } from '@app/observability';
import { clusterMetricsOf, inApiCluster } from '../cluster/cluster-metrics';

/** Queue states exposed as dispatch_queue_jobs{state}. */
export const QUEUE_STATES: JobType[] = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
];

/**
 * The API's Prometheus metrics. Process and HTTP metrics are this replica's own (with
 * API_PROCESSES > 1, those of all its processes, summed by the cluster primary); the
 * dispatch_* figures are read at scrape time from shared sources (the Redis counters
 * every worker writes, queue counts, the consent ledger), so every API replica reports
 * the same deployment-wide values: aggregate them with max(), not sum().
 */
@Injectable()
export class PrometheusMetrics {
  /** This process's own metrics: runtime and HTTP. */
  private readonly processRegistry = new Registry();
  /** Deployment-wide figures read from Redis and Postgres at scrape time. */
  private readonly sharedRegistry = new Registry();
  /** The process metrics of every API process, when this is one of several (API_PROCESSES). */
  private readonly clusterProcessMetrics = inApiCluster() ? clusterMetricsOf(this.processRegistry) : null;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly logger = new Logger(PrometheusMetrics.name);
  /** Several metrics of one scrape share one Redis read while it is in flight. */
  private snapshot?: Promise<SharedMetricsSnapshot | null>;

  constructor(
    private readonly shared: SharedMetricsReader,
    private readonly jobQueue: JobQueue,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    collectDefaultMetrics({ register: this.processRegistry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, matched route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.processRegistry],
    });
    const registers = [this.sharedRegistry];
    this.emailCounter('sent', 'Emails handed to the mail server, per newsletter');
    this.emailCounter('failed', 'Emails that failed permanently, per newsletter');
    this.emailCounter('skipped', 'Emails skipped (suppressed, unsubscribed meanwhile), per newsletter');
    this.jobCounter('completed', 'Jobs completed, per queue (all workers)');
    this.jobCounter('failed', 'Job attempts that failed, per queue (all workers; retries included)');
    new SharedSendDurationHistogram(registers, () => this.sharedSnapshot());
    const queueJobs: Gauge<'queue' | 'state'> = new Gauge({
      name: 'dispatch_queue_jobs',
      help: 'Jobs per queue and state, read from Redis at scrape time',
      labelNames: ['queue', 'state'],
      registers,
      collect: () => this.collectQueueJobs(queueJobs),
    });
    const queueWorkers: Gauge<'queue'> = new Gauge({
      name: 'dispatch_queue_workers',
      help: 'Worker connections per queue, read from Redis at scrape time',
      labelNames: ['queue'],
      registers,
      collect: () => this.collectQueueWorkers(queueWorkers),
    });
    const subscriptions: Counter<'newsletter' | 'action'> = new Counter({
      name: 'dispatch_subscriptions_total',
      help: 'Consent ledger events per newsletter and action (subscribe, confirm, unsubscribe, import, erase, ...)',
      labelNames: ['newsletter', 'action'],
      registers,
      collect: () => this.collectSubscriptions(subscriptions),
    });
  }

  async metrics(): Promise<string> {
    const [own, shared] = await Promise.all([
      this.clusterProcessMetrics ? this.clusterProcessMetrics() : this.processRegistry.metrics(),
      this.sharedRegistry.metrics(),
    ]);
    return `${own.trimEnd()}\n${shared}`;
  }

  get contentType(): string {
    return this.sharedRegistry.contentType;
  }

  private emailCounter(outcome: 'sent' | 'failed' | 'skipped', help: string): void {
    const counter: Counter<'newsletter'> = new Counter({
      name: `dispatch_emails_${outcome}_total`,
      help,
      labelNames: ['newsletter'],
      registers: [this.sharedRegistry],
      collect: async () => {
        const snapshot = await this.sharedSnapshot();
        counter.reset();
        for (const e of snapshot?.emails ?? []) {
          if (e.outcome === outcome) counter.inc({ newsletter: e.newsletter }, e.value);
        }
      },
    });
  }

  private jobCounter(outcome: 'completed' | 'failed', help: string): void {
    const counter: Counter<'queue'> = new Counter({
      name: `dispatch_jobs_${outcome}_total`,
      help,
      labelNames: ['queue'],
      registers: [this.sharedRegistry],
      collect: async () => {
        const snapshot = await this.sharedSnapshot();
        counter.reset();
        // Every queue appears, at 0 until its first job, so alerts have a series to watch.
        for (const queue of Object.values(QueueName)) counter.inc({ queue }, 0);
        for (const j of snapshot?.jobs ?? []) if (j.outcome === outcome) counter.inc({ queue: j.queue }, j.value);
      },
    });
  }

  /** null when Redis cannot be read: the dispatch_* series are then left out of this scrape. */
  private sharedSnapshot(): Promise<SharedMetricsSnapshot | null> {
    if (!this.snapshot) {
      this.snapshot = this.shared
        .read()
        .catch((err: Error) => {
          this.logger.warn(`metrics: shared counters unavailable: ${err.message}`);
          return null;
        })
        .finally(() => {
          this.snapshot = undefined;
        });
    }
    return this.snapshot;
  }

  private async collectQueueJobs(gauge: Gauge<'queue' | 'state'>): Promise<void> {
    gauge.reset();
    try {
      const counts = await Promise.all(
        this.jobQueue.all().map(async (q) => [q.name, await q.getJobCounts(...QUEUE_STATES)] as const),
      );
      for (const [queue, byState] of counts) {
        for (const state of QUEUE_STATES) gauge.set({ queue, state }, byState[state] ?? 0);
      }
    } catch (err) {
      this.logger.warn(`metrics: queue counts unavailable: ${(err as Error).message}`);
    }
  }

  private async collectQueueWorkers(gauge: Gauge<'queue'>): Promise<void> {
    gauge.reset();
    try {
      const counts = await Promise.all(
        this.jobQueue.all().map(async (q) => [q.name, await q.getWorkersCount()] as const),
      );
      for (const [queue, n] of counts) gauge.set({ queue }, n);
    } catch (err) {
      this.logger.warn(`metrics: worker counts unavailable: ${(err as Error).message}`);
    }
  }

  private async collectSubscriptions(counter: Counter<'newsletter' | 'action'>): Promise<void> {
    const rows = await this.countLedger();
    counter.reset();
    for (const r of rows) counter.inc({ newsletter: r.newsletter, action: r.action }, r.n);
  }

  /** One grouped count over the ledger per scrape: cheap next to a 15 s scrape interval even at millions of events. */
  private async countLedger(): Promise<Array<{ newsletter: string; action: string; n: number }>> {
    try {
      return await this.dataSource.query(
        `SELECT n.slug AS newsletter, e.action, count(*)::int AS n
           FROM consent_events e CROSS JOIN LATERAL unnest(e.newsletters) AS n(slug)
          GROUP BY n.slug, e.action`,
      );
    } catch (err) {
      this.logger.warn(`metrics: consent ledger unavailable: ${(err as Error).message}`);
      return [];
    }
  }
}

/**
 * dispatch_send_duration_seconds: the buckets live in Redis (written by every
 * sending process), so this histogram reports them instead of observing locally.
 */
type HistogramData = Awaited<ReturnType<Histogram<string>['get']>>;
const SEND_DURATION_HELP = 'Time to hand one email to the mail server (all sending processes)';

class SharedSendDurationHistogram extends Histogram<string> {
  constructor(
    registers: Registry[],
    private readonly source: () => Promise<SharedMetricsSnapshot | null>,
  ) {
    super({
      name: 'dispatch_send_duration_seconds',
      help: SEND_DURATION_HELP,
      buckets: SEND_DURATION_BUCKETS,
      registers,
    });
  }

  override get(): Promise<HistogramData> {
    return this.fromRedis();
  }

  /** The registry renders text through this method (untyped in prom-client's .d.ts), not get(). */
  getForPromString(): Promise<HistogramData> {
    return this.fromRedis();
  }

  private async fromRedis(): Promise<HistogramData> {
    const name = 'dispatch_send_duration_seconds';
    const snapshot = await this.source();
    const d = snapshot?.sendDuration;
    const data = {
      name,
      help: SEND_DURATION_HELP,
      type: 'histogram',
      aggregator: 'sum',
      values: !d
        ? []
        : [
            ...d.buckets.map((b) => ({ labels: { le: b.le }, value: b.count, metricName: `${name}_bucket` })),
            { labels: {}, value: d.sum, metricName: `${name}_sum` },
            { labels: {}, value: d.count, metricName: `${name}_count` },
          ],
    };
    // The shape prom-client's registry renders; its typings model only locally observed values.
    return data as unknown as HistogramData;
  }
}
