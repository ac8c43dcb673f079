import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type DKIM from 'nodemailer/lib/dkim';
import type Mail from 'nodemailer/lib/mailer';
import { APP_CONFIG, AppConfig, DkimConfig } from '@app/config';
import { assertHeaderValue, isValidMessageId, MailAddress, MailHeaderMap, recipient } from '../headers/mail-headers';
import { MimeTemplate, PreparedMail } from '../mime/mime-template';
import { CompiledMail } from '../render/compiled-mail';
import { MailSendError } from './smtp-errors';
import { addressesOf } from './smtp-thread-protocol';
import { ThreadedSmtpPool } from './threaded-smtp-pool';

/** One message to one reader, fully rendered. */
export interface OutgoingMail {
  to: MailAddress;
  subject: string;
  html: string;
  text: string;
  /** `<id@domain>`, stable per logical message (see MailHeaders.messageId). */
  messageId: string;
  /** Extra headers, e.g. MailHeaders.forSubscriber(...). Single-line ASCII values only. */
  headers?: MailHeaderMap;
}

export interface SendResult {
  messageId: string;
  /** Recipients the server (or the outbox) accepted. */
  accepted: string[];
}

/** Signed on every message when DKIM is configured; RFC 8058 wants both List-Unsubscribe headers signed. */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

/** The outbox's in-process nodemailer stream transport, or the SMTP pool in its thread. */
interface Sender {
  sendMail(mail: Mail.Options): Promise<{ accepted?: Array<string | Mail.Address>; message?: unknown }>;
  close(): void | Promise<void>;
}

/**
 * Sends mail: over SMTP_URL's server when set (SEND_CONCURRENCY connections in a thread
 * of their own, see ThreadedSmtpPool), otherwise one .eml file per message under OUTBOX_DIR (so a
 * first run needs no mail server). DKIM-signs when configured.
 * Failures are thrown as MailSendError, classified temporary or permanent.
 */
@Injectable()
export class MailTransport implements OnApplicationShutdown {
  readonly mode: 'smtp' | 'outbox';
  private readonly logger = new Logger(MailTransport.name);
  private readonly mailer: Sender;
  private readonly outboxDir: string;
  /** The envelope sender of pre-built messages: MAIL_FROM's address, as nodemailer derives it for composed ones. */
  private readonly envelopeFrom: string;
  private readonly inFlight = new Set<Promise<unknown>>();
  private outboxReady?: Promise<unknown>;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG)
    private readonly config: Pick<AppConfig, 'smtpUrl' | 'outboxDir' | 'mailFrom' | 'dkim' | 'sendConcurrency'>,
  ) {
    this.mode = config.smtpUrl ? 'smtp' : 'outbox';
    this.outboxDir = resolve(config.outboxDir);
    this.envelopeFrom = addressparser(config.mailFrom, { flatten: true })[0]?.address ?? '';
    const dkim = dkimOptions(config.dkim);
    this.mailer = config.smtpUrl
      ? new ThreadedSmtpPool({
          url: config.smtpUrl,
          dkim,
          // Nodemailer 10 turns Nagle off on every SMTP socket itself (setNoDelay in
          // SMTPConnection#_onConnect), so no custom socket is needed for that.
          maxConnections: config.sendConcurrency,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 60_000,
        })
      : nodemailer.createTransport({
          dkim,
          disableFileAccess: true,
          disableUrlAccess: true,
          streamTransport: true,
          buffer: true,
          newline: 'windows',
        });
  }

  /**
   * Sends one message: composed here from its parts (OutgoingMail), or pre-built MIME
   * (PreparedMail, see MimeTemplate) passed through as it is. Both are DKIM-signed when configured.
   */
  async send(mail: OutgoingMail | PreparedMail): Promise<SendResult> {
    const pending = this.deliver(mail);
    this.inFlight.add(pending);
    try {
      return await pending;
    } finally {
      this.inFlight.delete(pending);
    }
  }

  /** A compiled mail as MIME built once, From this transport's sender (MAIL_FROM), for `send` per reader. */
  mimeTemplate(compiled: CompiledMail): MimeTemplate {
    return new MimeTemplate(compiled, { from: this.config.mailFrom });
  }

  /** Lets messages already handed to the server finish, then closes the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.mailer.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async deliver(mail: OutgoingMail | PreparedMail): Promise<SendResult> {
    let message: Mail.Options;
    try {
      if (!isValidMessageId(mail.messageId)) throw new Error(`bad Message-ID ${mail.messageId}`);
      message = 'raw' in mail ? this.prebuilt(mail) : this.toNodemailer(mail);
    } catch (err) {
      throw new MailSendError(err);
    }
    if (this.closed) throw new MailSendError(new Error('mail transport is closed (shutting down)'));
    try {
      const info = await this.mailer.sendMail(message);
      if (this.mode === 'outbox') await this.writeOutboxFile(mail.messageId, info.message as Buffer);
      return {
        messageId: mail.messageId,
        accepted: this.mode === 'outbox' ? [mail.to.address] : addressesOf(info.accepted),
      };
    } catch (err) {
      const failure = new MailSendError(err);
      this.logger.warn(`send ${mail.messageId} failed (${failure.kind}): ${failure.message}`);
      throw failure;
    }
  }

  /** Nodemailer skips composing a `raw` message (its DKIM signer still signs it); the envelope must be given. */
  private prebuilt(mail: PreparedMail): Mail.Options {
    if (!this.envelopeFrom) throw new Error('MAIL_FROM has no address for the envelope');
    const to = recipient(mail.to.address, mail.to.name);
    return { envelope: { from: this.envelopeFrom, to: [to.address] }, raw: mail.raw, messageId: mail.messageId };
  }

  private toNodemailer(mail: OutgoingMail): Mail.Options {
    const headers: Record<string, { prepared: true; value: string }> = {};
    for (const [name, value] of Object.entries(mail.headers ?? {})) {
      assertHeaderValue(name, value);
      if (!/^[\x20-\x7e]*$/.test(value)) throw new Error(`header ${name} must be ASCII`);
      // Prepared: written exactly as built, never re-folded, so signatures and URLs stay intact.
      headers[name] = { prepared: true, value };
    }
    return {
      from: this.config.mailFrom,
      // Re-validated here so no caller can hand a raw reader name to a header.
      to: recipient(mail.to.address, mail.to.name),
      subject: mail.subject.replace(/\p{Cc}+/gu, ' '),
      html: mail.html,
      text: mail.text,
      messageId: mail.messageId,
      headers,
    };
  }

  private async writeOutboxFile(messageId: string, raw: Buffer): Promise<void> {
    this.outboxReady ??= mkdir(this.outboxDir, { recursive: true });
    await this.outboxReady;
    // Named after the Message-ID: a retried send replaces its file instead of adding a copy.
    const name = messageId.slice(1, -1).replace(/[^A-Za-z0-9.@_-]/g, '_');
    const path = join(this.outboxDir, `${name}.eml`);
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, raw);
    await rename(tmp, path);
  }
}

function dkimOptions(dkim: DkimConfig | undefined): DKIM.Options | undefined {
  if (!dkim) return undefined;
  return {
    domainName: dkim.domain,
    keySelector: dkim.selector,
    privateKey: dkim.privateKey,
    headerFieldNames: DKIM_SIGNED_HEADERS,
  };
}
