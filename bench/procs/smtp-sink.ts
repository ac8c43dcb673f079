/**
 * Local SMTP sink in its own process: accepts and discards every message, counting them.
 * The parent talks to it over IPC: `stats` (count, bytes, time of the last accepted
 * message), `reset`, `sample` (the first message received, raw, for the baseline).
 */
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

const SAMPLE_LIMIT = 2 * 1024 * 1024;

let count = 0;
let bytes = 0;
let firstAt = 0;
let lastAt = 0;
let sample: Buffer | undefined;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  size: 50 * 1024 * 1024,
  maxClients: 1000, // smtp-server sets TCP_NODELAY on its side of every connection itself
  onData(stream, _session, callback) {
    const keep = sample === undefined ? ([] as Buffer[]) : undefined;
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (keep && size <= SAMPLE_LIMIT) keep.push(chunk);
    });
    stream.on('end', () => {
      count += 1;
      bytes += size;
      lastAt = Date.now();
      if (count === 1) firstAt = lastAt;
      if (keep && sample === undefined) sample = Buffer.concat(keep);
      callback();
    });
  },
});

server.on('error', (err) => process.stderr.write(`sink error: ${err.message}\n`));

server.listen(0, '127.0.0.1', () => {
  const { port } = server.server.address() as AddressInfo;
  process.send!({ type: 'ready', port });
});

process.on('message', (msg: { type: string }) => {
  switch (msg.type) {
    case 'stats':
      process.send!({ type: 'stats:reply', count, bytes, firstAt, lastAt });
      break;
    case 'reset':
      count = bytes = firstAt = lastAt = 0;
      sample = undefined;
      process.send!({ type: 'reset:reply' });
      break;
    case 'sample':
      process.send!({ type: 'sample:reply', raw: sample?.toString('latin1') ?? null });
      break;
  }
});

process.on('disconnect', () => server.close(() => process.exit(0)));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
