import { AddressInfo, Socket } from 'node:net';
import { MessageChannel, MessagePort } from 'node:worker_threads';
import { SMTPServer } from 'smtp-server';
import { serveSmtp } from './smtp-thread';
import { SmtpThreadReply, SmtpThreadRequest } from './smtp-thread-protocol';

/** The SMTP thread's body, served on a MessageChannel in this thread so that its sockets can be watched. */
describe('serveSmtp (the SMTP thread)', () => {
  let server: SMTPServer;
  let port: number;
  let client: MessagePort;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        stream.resume();
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
    // The pool opens its connection on the first send, so the tests can watch it open.
    const channel = new MessageChannel();
    client = channel.port1;
    serveSmtp(channel.port2, { url: `smtp://127.0.0.1:${port}`, pool: true, maxConnections: 1 });
  });
  afterAll(async () => {
    client?.postMessage({ type: 'close' } satisfies SmtpThreadRequest);
    client?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function send(request: SmtpThreadRequest & { type: 'send' }): Promise<SmtpThreadReply> {
    return new Promise((resolve) => {
      const onReply = (reply: SmtpThreadReply) => {
        if (reply.id !== request.id) return;
        client.off('message', onReply);
        resolve(reply);
      };
      client.on('message', onReply);
      client.postMessage(request);
    });
  }

  it('opens its SMTP connections with Nagle off (TCP_NODELAY), so messages do not wait for delayed ACKs', async () => {
    // Nodemailer 10 sets the option itself; this keeps that true across upgrades. The spy calls through.
    const spy = jest.spyOn(Socket.prototype, 'setNoDelay');
    try {
      const message = { from: 'news@example.com', to: 'nagle@example.net', subject: 'Nagle', text: 'off' };
      expect(await send({ type: 'send', id: 1, message })).toEqual({
        type: 'sent',
        id: 1,
        accepted: ['nagle@example.net'],
      });
      const clientSockets = spy.mock.contexts.filter((socket) => (socket as Socket).remotePort === port);
      expect(clientSockets.length).toBeGreaterThan(0);
      expect(spy.mock.calls[spy.mock.contexts.indexOf(clientSockets[0])]).toEqual([true]);
    } finally {
      spy.mockRestore();
    }
  });

  it('answers a refused message with the SMTP details the sender classifies it by', async () => {
    const message = {
      envelope: { from: 'news@example.com', to: [] as string[] },
      raw: Buffer.from('Subject: x\r\n\r\nx'),
    };
    const reply = await send({ type: 'send', id: 2, message });
    expect(reply).toMatchObject({ type: 'failed', id: 2, error: { code: 'EENVELOPE' } });
  });
});
