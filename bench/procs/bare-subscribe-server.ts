/**
 * The subscribe baseline: a bare node:http server doing the one essential write of a
 * sign-up (INSERT … ON CONFLICT through pg, pool as large as the API's) and nothing else.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body: { email?: string; name?: string };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"statusCode":400}');
      return;
    }
    pool
      .query(`INSERT INTO subscribers (email, name) VALUES ($1, $2) ON CONFLICT ((lower(email))) DO NOTHING`, [
        body.email,
        body.name ?? null,
      ])
      .then(() => res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"pending_confirmation"}'))
      .catch(() => res.writeHead(500).end());
  });
});

server.listen(0, '127.0.0.1', () => process.send!({ type: 'ready', port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
