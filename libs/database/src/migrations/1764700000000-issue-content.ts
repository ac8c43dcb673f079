import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An issue keeps the content it was built from (articles, summaries, related reads),
 * so its web version, archive entry and feed item show what readers were sent, even
 * after articles are edited or the related-article index moves on. Dry runs keep it
 * too without claiming the articles for the newsletter.
 */
export class IssueContent1764700000000 implements MigrationInterface {
  name = 'IssueContent1764700000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE issues ADD COLUMN content jsonb`);
    // The archive and the feed list a newsletter's sent issues, newest first.
    await q.query(
      `CREATE INDEX issues_newsletter_sent_idx ON issues (newsletter_id, finished_at DESC) WHERE status = 'sent' AND NOT dry_run`,
    );
    // The reconciler looks for unfinished issues.
    await q.query(`CREATE INDEX issues_unfinished_idx ON issues (status) WHERE status IN ('building', 'sending')`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS issues_unfinished_idx`);
    await q.query(`DROP INDEX IF EXISTS issues_newsletter_sent_idx`);
    await q.query(`ALTER TABLE issues DROP COLUMN IF EXISTS content`);
  }
}
