import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobQueue, QueueName } from '@app/queues';
import { DeliveryRepository } from '../delivery/delivery.repository';
import { sendBatchJobId } from '../delivery/fan-out.service';
import { buildJobId } from '../issues/issue.service';
import { ensureJob } from './job-ensurer';

export interface ReconcileReport {
  /** Issues whose build job had to be enqueued again. */
  buildsResumed: number;
  /** send-batch jobs enqueued again (their deliveries were queued but Redis had no live job). */
  batchesRequeued: number;
  /** Issues found finished (nothing queued) but not yet marked sent. */
  issuesCompleted: number;
}

/**
 * Postgres is the truth, Redis only carries work: after a crash or a flushed Redis,
 * rebuild the work from the rows. Unfinished builds get their build job back; queued
 * deliveries whose batch job is gone get it back; issues with nothing left are closed.
 * Safe to run anywhere, any time, concurrently: every job id is deterministic.
 */
@Injectable()
export class ReconcilerService {
  private readonly logger = new Logger(ReconcilerService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly jobQueue: JobQueue,
  ) {}

  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = { buildsResumed: 0, batchesRequeued: 0, issuesCompleted: 0 };
    const unfinished = (await this.db.query(
      `SELECT id, status FROM issues WHERE status IN ('building', 'sending') ORDER BY created_at`,
    )) as Array<{ id: string; status: 'building' | 'sending' }>;
    for (const issue of unfinished) {
      if (issue.status === 'building') {
        const digest = this.jobQueue.queue(QueueName.digest);
        if (await ensureJob(digest, 'build-issue', { issueId: issue.id }, buildJobId(issue.id))) report.buildsResumed++;
        continue;
      }
      const batches = await this.deliveries.queuedBatches(issue.id);
      if (batches.length === 0) {
        if (await this.deliveries.completeIssueIfDone(issue.id)) report.issuesCompleted++;
        continue;
      }
      report.batchesRequeued += await this.requeueMissingBatches(issue.id, batches);
    }
    if (report.buildsResumed || report.batchesRequeued || report.issuesCompleted) {
      this.logger.warn(
        `reconciled: ${report.buildsResumed} builds resumed, ${report.batchesRequeued} batches re-enqueued, ` +
          `${report.issuesCompleted} issues closed`,
      );
    }
    return report;
  }

  private async requeueMissingBatches(issueId: string, batches: number[]): Promise<number> {
    const delivery = this.jobQueue.queue(QueueName.delivery);
    let added = 0;
    // A few at a time: a million-reader issue has thousands of batches.
    for (let i = 0; i < batches.length; i += 50) {
      const results = await Promise.all(
        batches
          .slice(i, i + 50)
          .map((batch) => ensureJob(delivery, 'send-batch', { issueId, batch }, sendBatchJobId(issueId, batch))),
      );
      added += results.filter(Boolean).length;
    }
    return added;
  }
}
