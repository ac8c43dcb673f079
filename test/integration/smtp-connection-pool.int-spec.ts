import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { classifySmtpError, ReadyMessage, SmtpConnectionPool } from '@app/mail';
import { waitFor } from '../helpers/test-env';

/** A real SMTP server that counts connections and messages and answers as scripted. */
class ScriptedServer {
  connections = 0;
  /** Messages whose data the server has begun to read. */
  dataStarted = 0;
  readonly received: string[][] = [];
  /** Replies for the next recipients (RCPT TO), in order; accepted when empty. */
  readonly recipientAnswers: Array<{ code: number; message: string }> = [];
  /** Replies for the next messages' data, in order; accepted when empty. */
  readonly answers: Array<{ code: number; message: string }> = [];
  /** How long the server takes to answer a message's data. */
  dataDelayMs = 0;
  private server!: SMTPServer;
  port = 0;

  async start(options: SMTPServerOptions = {}): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      ...options,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onRcptTo: (_address, _session, callback) => {
        const answer = this.recipientAnswers.shift();
        callback(answer && Object.assign(new Error(answer.message), { responseCode: answer.code }));
      },
      onData: (stream, session, callback) => {
        this.dataStarted++;
        stream.resume();
        stream.on('end', () => {
          const answer = this.answers.shift();
          setTimeout(() => {
            if (answer) return callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
            this.received.push(session.envelope.rcptTo.map((r) => r.address));
            callback();
          }, this.dataDelayMs);
        });
      },
    });
    this.server.on('error', () => {});
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  url(credentials = ''): string {
    return `smtp://${credentials}127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const message = (to: string): ReadyMessage => ({
  envelope: { from: 'news@example.com', to: [to] },
  raw: Buffer.from(`From: news@example.com\r\nTo: ${to}\r\nSubject: Hello\r\n\r\n.A line starting with a dot\r\n`),
});

describe('SmtpConnectionPool (nodemailer SMTP connections, pooled)', () => {
  let server: ScriptedServer;
  let pool: SmtpConnectionPool | undefined;

  beforeEach(async () => {
    server = await new ScriptedServer().start();
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await server.stop();
  });

  it('carries concurrent sends over at most maxConnections connections, kept open between messages', async () => {
    pool = new SmtpConnectionPool({ url: server.url(), maxConnections: 2 });
    const recipients = Array.from({ length: 12 }, (_, i) => `reader${i}@example.net`);
    const results = await Promise.all(recipients.map((to) => pool!.send(message(to))));
    expect(results.map((r) => r.accepted)).toEqual(recipients.map((to) => [to]));
    expect(server.received.flat().sort()).toEqual([...recipients].sort());
    expect(server.connections).toBe(2);
    await pool.send(message('later@example.net'));
    expect(server.connections).toBe(2);
  });

  it('goes on over the same connection after the server refuses a recipient or a message, each failing with its code', async () => {
    pool = new SmtpConnectionPool({ url: server.url(), maxConnections: 1 });
    server.recipientAnswers.push({ code: 550, message: 'No such user here' });
    const unknown = await pool.send(message('gone@example.net')).catch((err: unknown) => err);
    expect(unknown).toMatchObject({ responseCode: 550 });
    expect(classifySmtpError(unknown)).toBe('permanent');
    server.answers.push({ code: 554, message: 'Message refused' });
    const refused = await pool.send(message('spam@example.net')).catch((err: unknown) => err);
    expect(refused).toMatchObject({ responseCode: 554 });
    await expect(pool.send(message('next@example.net'))).resolves.toMatchObject({ accepted: ['next@example.net'] });
    expect(server.received).toEqual([['next@example.net']]);
    expect(server.connections).toBe(1);
  });

  it('drops a connection after a 421 (the server is closing it) and sends the next message over a new one', async () => {
    pool = new SmtpConnectionPool({ url: server.url(), maxConnections: 1 });
    server.answers.push({ code: 421, message: 'Try again later' });
    const deferred = await pool.send(message('busy@example.net')).catch((err: unknown) => err);
    expect(classifySmtpError(deferred)).toBe('temporary');
    await expect(pool.send(message('busy@example.net'))).resolves.toMatchObject({ accepted: ['busy@example.net'] });
    expect(server.connections).toBe(2);
  });

  it('replaces a connection the server closed while it was idle', async () => {
    await server.stop();
    server = await new ScriptedServer().start({ socketTimeout: 200 });
    pool = new SmtpConnectionPool({ url: server.url(), maxConnections: 1 });
    await pool.send(message('first@example.net'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await expect(pool.send(message('second@example.net'))).resolves.toMatchObject({
      accepted: ['second@example.net'],
    });
    expect(server.connections).toBe(2);
  });

  it("logs in with the URL's credentials, and a refused login fails the send as temporary", async () => {
    await server.stop();
    server = await new ScriptedServer().start({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) =>
        auth.username === 'dispatch' && auth.password === 's3cret'
          ? callback(null, { user: auth.username })
          : callback(new Error('Invalid username or password')),
    });
    pool = new SmtpConnectionPool({ url: server.url('dispatch:s3cret@'), maxConnections: 1 });
    await expect(pool.send(message('jane@example.net'))).resolves.toMatchObject({ accepted: ['jane@example.net'] });

    const wrong = new SmtpConnectionPool({ url: server.url('dispatch:wrong@'), maxConnections: 1 });
    try {
      const failure = await wrong.send(message('joe@example.net')).catch((err: unknown) => err);
      expect(failure).toMatchObject({ code: 'EAUTH' });
      expect(classifySmtpError(failure)).toBe('temporary');
    } finally {
      await wrong.close();
    }
    expect(server.received).toEqual([['jane@example.net']]);
  });

  it('fails every waiting message as temporary when the server cannot be reached', async () => {
    pool = new SmtpConnectionPool({ url: 'smtp://127.0.0.1:1', maxConnections: 2 });
    const failures = await Promise.all(
      ['a', 'b', 'c'].map((name) => pool!.send(message(`${name}@example.net`)).catch((err: unknown) => err)),
    );
    for (const failure of failures) {
      expect(failure).toMatchObject({ code: expect.stringMatching(/^E[A-Z]+$/) });
      expect(classifySmtpError(failure)).toBe('temporary');
    }
  });

  it('on close, lets the message on the wire finish and fails the ones still waiting', async () => {
    server.dataDelayMs = 300;
    pool = new SmtpConnectionPool({ url: server.url(), maxConnections: 1 });
    const onTheWire = pool.send(message('wire@example.net'));
    await waitFor(() => server.dataStarted === 1, 5000, 'the first message on the wire');
    const waiting = pool.send(message('waiting@example.net')).catch((err: unknown) => err);
    await pool.close();
    await expect(onTheWire).resolves.toMatchObject({ accepted: ['wire@example.net'] });
    expect(classifySmtpError(await waiting)).toBe('temporary');
    expect(server.received).toEqual([['wire@example.net']]);
    await expect(pool.send(message('after@example.net'))).rejects.toThrow('closed');
  });
});
