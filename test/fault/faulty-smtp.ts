import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from '../helpers/test-env';

/**
 * How the server treats new connections:
 * - refuse: the TCP connection is reset at once (the server is down or overloaded);
 * - busy:   the greeting is "421 try again later";
 * - hold:   messages are taken in but not answered until release() (a send in progress),
 *           then refused with 451, so they count as not delivered;
 * - accept: messages are delivered.
 */
export type SmtpMode = 'refuse' | 'busy' | 'hold' | 'accept';

export interface Delivered {
  to: string;
  messageId: string;
}

/**
 * An SMTP server whose behaviour the test controls, counting every connection
 * attempt per mode. A TCP front end (so "refuse" really drops the connection)
 * forwards to a real smtp-server.
 */
export class FaultySmtpServer {
  mode: SmtpMode = 'accept';
  readonly delivered: Delivered[] = [];
  readonly attempts: Record<SmtpMode, number> = { refuse: 0, busy: 0, hold: 0, accept: 0 };
  private readonly held: Array<() => void> = [];
  private front!: Server;
  private smtp!: SMTPServer;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<this> {
    this.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onConnect: (_session, callback) => {
        if (this.mode === 'busy') return callback(Object.assign(new Error('Try again later'), { responseCode: 421 }));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.mode === 'hold') {
            this.held.push(() => callback(Object.assign(new Error('Local error, try again'), { responseCode: 451 })));
            return;
          }
          const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          simpleParser(Buffer.concat(chunks))
            .then((parsed) => {
              for (const address of to) this.delivered.push({ to: address, messageId: parsed.messageId ?? '' });
              callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    // Clients killed mid-conversation reset their sockets: not the server's problem.
    this.smtp.on('error', () => undefined);
    await new Promise<void>((resolve) => this.smtp.listen(0, '127.0.0.1', resolve));
    const backend = (this.smtp.server.address() as AddressInfo).port;

    this.front = createServer((client) => {
      const mode = this.mode;
      this.attempts[mode] += 1;
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => undefined);
      if (mode === 'refuse') {
        client.resetAndDestroy();
        return;
      }
      const upstream = new Socket();
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      upstream.connect(backend, '127.0.0.1', () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
    });
    await new Promise<void>((resolve) => this.front.listen(0, '127.0.0.1', resolve));
    this.port = (this.front.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Answers every held message with 451 (not delivered). */
  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  /** Messages delivered per recipient. */
  copiesPerRecipient(): Map<string, Delivered[]> {
    const byRecipient = new Map<string, Delivered[]>();
    for (const d of this.delivered) byRecipient.set(d.to, [...(byRecipient.get(d.to) ?? []), d]);
    return byRecipient;
  }

  async waitForDelivered(count: number, timeoutMs = 30000): Promise<void> {
    await waitFor(
      () => this.delivered.length >= count,
      timeoutMs,
      `${count} delivered (have ${this.delivered.length})`,
    );
  }

  async stop(): Promise<void> {
    this.release();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.front.close(() => resolve()));
    await new Promise<void>((resolve) => this.smtp.close(() => resolve()));
  }
}
