import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764200000000 implements MigrationInterface {
  name = 'InitialSchema1764200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE newsletters (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        topics text[] NOT NULL DEFAULT '{}',
        schedule text,
        timezone text NOT NULL DEFAULT 'UTC',
        max_articles int NOT NULL DEFAULT 10,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE subscribers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text,
        name text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'erased')),
        last_confirmation_sent_at timestamptz,
        erased_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX subscribers_email_lower_key ON subscribers (lower(email))`);
    await q.query(`
      CREATE TABLE subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        newsletter_id uuid NOT NULL REFERENCES newsletters(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
        confirmed_at timestamptz,
        unsubscribed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (subscriber_id, newsletter_id)
      )`);
    await q.query(
      `CREATE INDEX subscriptions_newsletter_status_idx ON subscriptions (newsletter_id, status, subscriber_id)`,
    );
    await q.query(
      `CREATE INDEX subscriptions_pending_created_idx ON subscriptions (created_at) WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE consent_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        action text NOT NULL CHECK (action IN ('subscribe', 'confirm', 'unsubscribe', 'preferences', 'import', 'erase')),
        newsletters text[] NOT NULL DEFAULT '{}',
        consent_version text,
        consent_text_sha256 text,
        ip text,
        user_agent text,
        source text,
        details jsonb,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX consent_events_subscriber_idx ON consent_events (subscriber_id, at)`);
    await q.query(`
      CREATE TABLE suppressions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email_hash text NOT NULL UNIQUE,
        reason text NOT NULL,
        detail text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE articles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL UNIQUE,
        title text NOT NULL,
        body text NOT NULL,
        body_text text NOT NULL DEFAULT '',
        summary text NOT NULL DEFAULT '',
        summary_generated boolean NOT NULL DEFAULT false,
        topics text[] NOT NULL DEFAULT '{}',
        section text,
        author text,
        published_at timestamptz NOT NULL,
        image_url text,
        content_hash text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX articles_published_at_idx ON articles (published_at DESC)`);
    await q.query(`CREATE INDEX articles_topics_idx ON articles USING gin (topics)`);
    await q.query(`CREATE INDEX articles_content_hash_idx ON articles (content_hash)`);
    await q.query(`
      CREATE TABLE related_articles (
        article_id uuid NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        related_id uuid NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        score double precision NOT NULL,
        PRIMARY KEY (article_id, related_id),
        CHECK (article_id <> related_id)
      )`);
    await q.query(`CREATE INDEX related_articles_related_idx ON related_articles (related_id)`);
    await q.query(`
      CREATE TABLE feeds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL UNIQUE,
        topics text[] NOT NULL DEFAULT '{}',
        etag text,
        last_modified text,
        last_polled_at timestamptz,
        last_error text,
        interval_minutes int NOT NULL DEFAULT 10,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE issues (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        newsletter_id uuid NOT NULL REFERENCES newsletters(id) ON DELETE CASCADE,
        slot timestamptz,
        status text NOT NULL DEFAULT 'building' CHECK (status IN ('building', 'sending', 'sent', 'failed', 'skipped')),
        dry_run boolean NOT NULL DEFAULT false,
        subject text NOT NULL DEFAULT '',
        web_slug text NOT NULL DEFAULT '',
        html text,
        text text,
        recipients int NOT NULL DEFAULT 0,
        sent int NOT NULL DEFAULT 0,
        failed int NOT NULL DEFAULT 0,
        skipped int NOT NULL DEFAULT 0,
        error text,
        started_at timestamptz,
        finished_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (newsletter_id, slot)
      )`);
    await q.query(`CREATE INDEX issues_newsletter_created_idx ON issues (newsletter_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE issue_articles (
        issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
        article_id uuid NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        newsletter_id uuid NOT NULL REFERENCES newsletters(id) ON DELETE CASCADE,
        position int NOT NULL,
        PRIMARY KEY (issue_id, article_id),
        UNIQUE (newsletter_id, article_id)
      )`);
    await q.query(`
      CREATE TABLE deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        batch int NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
        message_id text,
        attempts int NOT NULL DEFAULT 0,
        error text,
        last_event text,
        sent_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (issue_id, subscriber_id)
      )`);
    await q.query(`CREATE INDEX deliveries_issue_batch_idx ON deliveries (issue_id, batch) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX deliveries_message_id_idx ON deliveries (message_id)`);
    await q.query(`CREATE INDEX deliveries_subscriber_idx ON deliveries (subscriber_id)`);
    await q.query(`
      CREATE TABLE email_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type text NOT NULL CHECK (type IN ('hard_bounce', 'soft_bounce', 'complaint', 'delivered')),
        email_hash text NOT NULL,
        message_id text,
        delivery_id bigint REFERENCES deliveries(id) ON DELETE SET NULL,
        reason text,
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX email_events_hash_type_at_idx ON email_events (email_hash, type, at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'email_events',
      'deliveries',
      'issue_articles',
      'issues',
      'feeds',
      'related_articles',
      'articles',
      'suppressions',
      'consent_events',
      'subscriptions',
      'subscribers',
      'newsletters',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
