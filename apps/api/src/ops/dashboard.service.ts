import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, Clock, maskEmail } from '@app/common';
import { JobQueue } from '@app/queues';
import { scrubLogText } from '@app/observability';
import { formatWhen, nextScheduledSend } from './next-send';

export interface DashboardData {
  generatedAt: string;
  /** generatedAt as a wall-clock time, for the "updated" line. */
  generated: string;
  newsletters: Array<{
    slug: string;
    name: string;
    schedule: string;
    timezone: string;
    active: boolean;
    /** ISO time of the next scheduled send; nextSend is the same, for people. */
    nextSendAt: string | null;
    nextSend: string | null;
    subscribers: number;
  }>;
  issues: Array<{
    id: string;
    newsletter: string;
    subject: string;
    status: string;
    dryRun: boolean;
    recipients: number;
    sent: number;
    failed: number;
    skipped: number;
    /** 0..100: share of recipients with a final outcome. */
    progress: number;
    startedAt: string | null;
    finishedAt: string | null;
    started: string | null;
  }>;
  subscribers: {
    readers: number;
    activeSubscriptions: number;
    pending: number;
    growth: Array<{ period: string; confirmed: number; unsubscribed: number; net: number }>;
  };
  queues: Array<{ queue: string; waiting: number; active: number; delayed: number; failed: number; workers: number }>;
  failures: Array<{ kind: string; where: string; reason: string; at: string | null; when: string | null }>;
}

const RECENT_ISSUES = 15;
const RECENT_FAILURES = 10;

/** Everything the operator dashboard shows, read fresh on every call (the page polls it). */
@Injectable()
export class DashboardService {
  private readonly clock: Clock;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobQueue: JobQueue,
    @Optional() @Inject(CLOCK) clock?: Clock,
  ) {
    this.clock = clock ?? Date.now;
  }

  async snapshot(): Promise<DashboardData> {
    const now = new Date(this.clock());
    const [newsletters, issues, subscribers, queues, failures] = await Promise.all([
      this.newsletters(now),
      this.issues(),
      this.subscriberFigures(),
      this.queues(),
      this.failures(),
    ]);
    return {
      generatedAt: now.toISOString(),
      generated: `${now.toISOString().slice(11, 19)} UTC`,
      newsletters,
      issues,
      subscribers,
      queues,
      failures,
    };
  }

  private async newsletters(now: Date): Promise<DashboardData['newsletters']> {
    const rows: Array<{
      slug: string;
      name: string;
      schedule: string | null;
      timezone: string;
      active: boolean;
      subscribers: number;
    }> = await this.db.query(
      `SELECT n.slug, n.name, n.schedule, n.timezone, n.active,
                count(s.id) FILTER (WHERE s.status = 'active')::int AS subscribers
           FROM newsletters n LEFT JOIN subscriptions s ON s.newsletter_id = n.id
          GROUP BY n.id ORDER BY n.slug`,
    );
    return rows.map((r) => {
      const next = r.active ? nextScheduledSend(r.schedule, r.timezone, now) : null;
      return {
        slug: r.slug,
        name: r.name,
        schedule: r.schedule ?? 'on demand',
        timezone: r.timezone,
        active: r.active,
        nextSendAt: next?.toISOString() ?? null,
        nextSend: formatWhen(next, r.timezone),
        subscribers: r.subscribers,
      };
    });
  }

  private async issues(): Promise<DashboardData['issues']> {
    const rows: Array<{
      id: string;
      newsletter: string;
      subject: string;
      status: string;
      dry_run: boolean;
      recipients: number;
      sent: number;
      failed: number;
      skipped: number;
      started_at: Date | null;
      finished_at: Date | null;
    }> = await this.db.query(
      `SELECT i.id, n.slug AS newsletter, i.subject, i.status, i.dry_run, i.recipients, i.sent, i.failed, i.skipped,
              i.started_at, i.finished_at
         FROM issues i JOIN newsletters n ON n.id = i.newsletter_id
        ORDER BY i.created_at DESC LIMIT $1`,
      [RECENT_ISSUES],
    );
    return rows.map((r) => {
      const done = r.sent + r.failed + r.skipped;
      return {
        id: r.id,
        newsletter: r.newsletter,
        subject: r.subject,
        status: r.status,
        dryRun: r.dry_run,
        recipients: r.recipients,
        sent: r.sent,
        failed: r.failed,
        skipped: r.skipped,
        progress:
          r.recipients > 0 ? Math.min(100, Math.floor((done / r.recipients) * 100)) : r.status === 'sent' ? 100 : 0,
        startedAt: r.started_at ? new Date(r.started_at).toISOString() : null,
        finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
        started: formatWhen(r.started_at),
      };
    });
  }

  private async subscriberFigures(): Promise<DashboardData['subscribers']> {
    const [totals]: Array<{ readers: number; active: number; pending: number }> = await this.db.query(
      `SELECT (SELECT count(*)::int FROM subscribers WHERE status = 'active') AS readers,
              count(*) FILTER (WHERE status = 'active')::int AS active,
              count(*) FILTER (WHERE status = 'pending')::int AS pending
         FROM subscriptions`,
    );
    const growth: Array<{ days: number; confirmed: number; unsubscribed: number }> = await this.db.query(
      `SELECT d.days,
              (SELECT count(*)::int FROM subscriptions WHERE confirmed_at >= now() - make_interval(days => d.days)) AS confirmed,
              (SELECT count(*)::int FROM subscriptions WHERE unsubscribed_at >= now() - make_interval(days => d.days)) AS unsubscribed
         FROM (VALUES (1), (7), (30)) AS d(days) ORDER BY d.days`,
    );
    return {
      readers: totals.readers,
      activeSubscriptions: totals.active,
      pending: totals.pending,
      growth: growth.map((g) => ({
        period: g.days === 1 ? 'last 24 hours' : `last ${g.days} days`,
        confirmed: g.confirmed,
        unsubscribed: g.unsubscribed,
        net: g.confirmed - g.unsubscribed,
      })),
    };
  }

  private async queues(): Promise<DashboardData['queues']> {
    return Promise.all(
      this.jobQueue.all().map(async (q) => {
        const [c, workers] = await Promise.all([
          q.getJobCounts('waiting', 'active', 'delayed', 'failed'),
          q.getWorkersCount(),
        ]);
        return {
          queue: q.name,
          waiting: c.waiting ?? 0,
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
          workers,
        };
      }),
    );
  }

  /** Failed deliveries, failing feeds and failed jobs, newest first. Reasons are scrubbed of addresses and tokens. */
  private async failures(): Promise<DashboardData['failures']> {
    const deliveries: Array<{
      newsletter: string;
      issue_id: string;
      email: string | null;
      error: string | null;
      at: Date;
    }> = await this.db.query(
      `SELECT n.slug AS newsletter, d.issue_id, s.email, d.error, d.updated_at AS at
           FROM deliveries d
           JOIN issues i ON i.id = d.issue_id JOIN newsletters n ON n.id = i.newsletter_id
           LEFT JOIN subscribers s ON s.id = d.subscriber_id
          WHERE d.status = 'failed' ORDER BY d.updated_at DESC LIMIT $1`,
      [RECENT_FAILURES],
    );
    const feeds: Array<{ url: string; last_error: string; at: Date | null }> = await this.db.query(
      `SELECT url, last_error, last_polled_at AS at FROM feeds WHERE last_error IS NOT NULL
        ORDER BY last_polled_at DESC NULLS LAST LIMIT $1`,
      [RECENT_FAILURES],
    );
    const jobs = (
      await Promise.all(
        this.jobQueue.all().map(async (q) =>
          (await q.getFailed(0, RECENT_FAILURES - 1)).filter(Boolean).map((j) => ({
            kind: 'job',
            where: `${q.name} / ${j.name} #${j.id}`,
            reason: scrubLogText(j.failedReason ?? 'unknown'),
            at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
          })),
        ),
      )
    ).flat();
    const all = [
      ...deliveries.map((d) => ({
        kind: 'delivery',
        where: `${d.newsletter} issue ${d.issue_id.slice(0, 8)} → ${d.email ? maskEmail(d.email) : 'erased reader'}`,
        reason: scrubLogText(d.error ?? 'unknown'),
        at: new Date(d.at).toISOString(),
      })),
      ...feeds.map((f) => ({
        kind: 'feed',
        where: scrubLogText(f.url),
        reason: scrubLogText(f.last_error),
        at: f.at ? new Date(f.at).toISOString() : null,
      })),
      ...jobs,
    ];
    return all
      .sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''))
      .slice(0, RECENT_FAILURES * 2)
      .map((f) => ({ ...f, when: formatWhen(f.at) }));
  }
}
