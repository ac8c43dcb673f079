import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';

/** Direct seeding for trust suites: rows as the subscription and digest flows leave them. */
export class Seeder {
  constructor(private readonly db: DataSource) {}

  async newsletter(slug: string, name = `The ${slug}`): Promise<string> {
    const rows = await this.db.query(
      `INSERT INTO newsletters (slug, name, topics) VALUES ($1, $2, '{news}') RETURNING id`,
      [slug, name],
    );
    return rows[0].id;
  }

  async subscriber(email: string, name: string | null = null): Promise<string> {
    const rows = await this.db.query(`INSERT INTO subscribers (email, name) VALUES ($1, $2) RETURNING id`, [
      email,
      name,
    ]);
    return rows[0].id;
  }

  async subscription(subscriberId: string, newsletterId: string, status = 'active'): Promise<void> {
    await this.db.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status, confirmed_at)
       VALUES ($1, $2, $3, CASE WHEN $3 = 'active' THEN now() ELSE NULL END)`,
      [subscriberId, newsletterId, status],
    );
  }

  async consent(
    subscriberId: string,
    action: string,
    newsletters: string[],
    extra: { ip?: string; userAgent?: string; source?: string; version?: string; sha?: string; at?: Date } = {},
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO consent_events (subscriber_id, action, newsletters, consent_version, consent_text_sha256, ip, user_agent, source, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        subscriberId,
        action,
        newsletters,
        extra.version ?? null,
        extra.sha ?? null,
        extra.ip ?? null,
        extra.userAgent ?? null,
        extra.source ?? null,
        extra.at ?? new Date(),
      ],
    );
  }

  async issue(newsletterId: string, subject = 'Morning digest'): Promise<string> {
    const rows = await this.db.query(
      `INSERT INTO issues (newsletter_id, status, subject, web_slug) VALUES ($1, 'sent', $2, 'morning') RETURNING id`,
      [newsletterId, subject],
    );
    return rows[0].id;
  }

  async delivery(
    issueId: string,
    subscriberId: string,
    fields: { messageId?: string; status?: string; error?: string } = {},
  ): Promise<string> {
    const rows = await this.db.query(
      `INSERT INTO deliveries (issue_id, subscriber_id, batch, status, message_id, error, sent_at)
       VALUES ($1, $2, 0, $3, $4, $5, now()) RETURNING id`,
      [issueId, subscriberId, fields.status ?? 'sent', fields.messageId ?? null, fields.error ?? null],
    );
    return rows[0].id;
  }
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs a webhook body, signed with `secret` unless a signature is given. */
export async function postWebhook(
  baseUrl: string,
  body: unknown,
  secret: string,
  options: { signature?: string | null; contentType?: string } = {},
): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const signature = options.signature === undefined ? signBody(text, secret) : options.signature;
  if (signature !== null) headers['x-dispatch-signature'] = signature;
  return fetch(`${baseUrl}/webhooks/events`, { method: 'POST', headers, body: text });
}

/** Every text value in a table, to assert an address appears nowhere in it. */
export async function tableText(db: DataSource, table: string): Promise<string> {
  const rows = await db.query(`SELECT row_to_json(t)::text AS j FROM ${table} t`);
  return rows.map((r: { j: string }) => r.j).join('\n');
}
