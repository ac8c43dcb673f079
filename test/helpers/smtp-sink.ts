import { AddressInfo } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { waitFor } from './test-env';

export interface ReceivedMail {
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
  header(name: string): string | undefined;
}

/** How the sink answers the next messages: accept, or an SMTP error code. */
export type SinkAnswer = 'accept' | { code: number; message: string };

/**
 * A real SMTP server in the test process. Collects every message; `answers`
 * queues scripted replies (e.g. one 421 then accept) for retry tests.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  readonly answers: SinkAnswer[] = [];
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 50 * 1024 * 1024,
      onData: (stream, session, callback) => this.receive(stream, session, callback),
    });
    // A client killed mid-conversation (crash tests) is an ordinary event for a mail server, not a test failure.
    this.server.on('error', () => {});
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  to(address: string): ReceivedMail[] {
    const a = address.toLowerCase();
    return this.messages.filter((m) => m.envelopeTo.some((t) => t.toLowerCase() === a));
  }

  async waitForCount(count: number, timeoutMs = 15000): Promise<ReceivedMail[]> {
    await waitFor(() => this.messages.length >= count, timeoutMs, `${count} messages (have ${this.messages.length})`);
    return this.messages;
  }

  async waitForMailTo(address: string, count = 1, timeoutMs = 15000): Promise<ReceivedMail[]> {
    await waitFor(() => this.to(address).length >= count, timeoutMs, `mail to ${address}`);
    return this.to(address);
  }

  private receive(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const answer = this.answers.shift() ?? 'accept';
      if (answer !== 'accept') {
        const err = Object.assign(new Error(answer.message), { responseCode: answer.code });
        return callback(err);
      }
      const raw = Buffer.concat(chunks);
      const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
      simpleParser(raw)
        .then((parsed) => {
          this.messages.push({
            envelopeTo,
            raw,
            parsed,
            header: (name) => {
              const v = parsed.headers.get(name.toLowerCase());
              if (v === undefined) return undefined;
              return typeof v === 'string' ? v : JSON.stringify(v);
            },
          });
          callback();
        })
        .catch((err: Error) => callback(err));
    });
  }
}
