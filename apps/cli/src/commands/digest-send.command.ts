import type { INestApplicationContext } from '@nestjs/common';
import { IssueService, IssueView, NewsletterInactiveError } from '@app/digests';
import { NewsletterNotFoundError } from '@app/subscriptions';
import { CliCommand, ProgressPrinter, progressPrinter } from '../command';

const USAGE = 'digest:send <newsletter-slug> [--dry-run]';
const POLL_MS = 500;
/** Building normally takes a second or two; longer usually means no worker is running. */
const NO_WORKER_HINT_AFTER_MS = 15_000;

/**
 * `npm run cli -- digest:send <slug> [--dry-run]`: the CLI twin of
 * POST /admin/newsletters/:slug/issues. The issue is built and sent by the workers; this
 * command follows it and prints progress until it is sent (Ctrl-C stops watching, not sending).
 */
export const digestSendCommand: CliCommand = {
  name: 'digest:send',
  usage: USAGE,
  description: 'build an issue of a newsletter now and send it (workers do the work); shows progress until sent',
  async run(app: INestApplicationContext, args: string[]): Promise<number> {
    const dryRun = args.includes('--dry-run');
    const rest = args.filter((a) => a !== '--dry-run');
    if (rest.length !== 1 || rest[0].startsWith('-')) {
      process.stderr.write(`usage: npm run cli -- ${USAGE}\n`);
      return 2;
    }
    const issues = app.get(IssueService);
    let issueId: string;
    try {
      issueId = await issues.createNow(rest[0], { dryRun });
    } catch (err) {
      if (err instanceof NewsletterNotFoundError || err instanceof NewsletterInactiveError) {
        process.stderr.write(`${err.message}\n`);
        return 1;
      }
      throw err;
    }
    process.stdout.write(`issue ${issueId} of ${rest[0]} created${dryRun ? ' (dry run)' : ''}; building\n`);
    const view = await follow(issues, issueId);
    return report(view);
  },
};

async function follow(issues: IssueService, issueId: string): Promise<IssueView> {
  const started = Date.now();
  let hinted = false;
  let progress: ProgressPrinter | null = null;
  for (;;) {
    const view = await issues.view(issueId);
    if (!view) throw new Error(`issue ${issueId} disappeared`);
    if (view.status === 'sending' || view.status === 'sent') {
      progress ??= startProgress(view);
      progress.update(view.sent + view.failed + view.skipped);
    }
    if (view.status !== 'building' && view.status !== 'sending') {
      progress?.done();
      return view;
    }
    if (view.status === 'building' && !hinted && Date.now() - started > NO_WORKER_HINT_AFTER_MS) {
      hinted = true;
      process.stdout.write('still building: is a worker running? (npm run start:worker)\n');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function startProgress(view: IssueView): ProgressPrinter {
  process.stdout.write(`sending "${view.subject}" to ${view.recipients} readers\n`);
  return progressPrinter('delivered', view.recipients);
}

function report(view: IssueView): number {
  switch (view.status) {
    case 'sent':
      process.stdout.write(
        `issue ${view.id} sent: ${view.sent} sent, ${view.failed} failed, ${view.skipped} skipped ` +
          `of ${view.recipients} readers\n`,
      );
      return 0;
    case 'skipped':
      process.stdout.write(
        view.dryRun
          ? `dry run ${view.id} rendered ("${view.subject}"), nothing sent; preview: GET /admin/issues/${view.id}/preview\n`
          : `issue ${view.id} skipped: ${view.error ?? 'nothing to send'}\n`,
      );
      return 0;
    default:
      process.stderr.write(`issue ${view.id} ${view.status}: ${view.error ?? 'unknown error'}\n`);
      return 1;
  }
}
