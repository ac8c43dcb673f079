import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiExpressAdapter } from './http-platform';

interface Seen {
  requestPrototypeWasExpress: boolean;
  responsePrototypeWasExpress: boolean;
}

/** Serves one express route on the adapter's server; records each request's prototypes as node built it. */
async function serve(adapter: ExpressAdapter): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  adapter.initHttpServer({});
  const app = adapter.getInstance<Express>();
  app.set('trust proxy', 1);
  app.post('/echo', (req: Request, res: Response) => {
    res.status(201).json({ ip: req.ip, host: req.get('host'), json: req.is('json') === 'json' });
  });
  const server = adapter.getHttpServer() as Server;
  const seen: Seen[] = [];
  // Runs before express's own listener, so it sees the objects as node constructed them.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    seen.push({
      requestPrototypeWasExpress: Object.getPrototypeOf(req) === app.request,
      responsePrototypeWasExpress: Object.getPrototypeOf(res) === app.response,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function postEcho(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
    body: '{}',
  });
  return { status: res.status, body: await res.json() };
}

describe('ApiExpressAdapter', () => {
  it("builds requests and responses on express's prototypes, so express does not change them per request", async () => {
    const server = await serve(new ApiExpressAdapter());
    try {
      await postEcho(server.url);
      await postEcho(server.url);
      expect(server.seen).toEqual([
        { requestPrototypeWasExpress: true, responsePrototypeWasExpress: true },
        { requestPrototypeWasExpress: true, responsePrototypeWasExpress: true },
      ]);
    } finally {
      await server.close();
    }
  });

  it('answers through express exactly as the default adapter does', async () => {
    const ours = await serve(new ApiExpressAdapter());
    const nests = await serve(new ExpressAdapter());
    try {
      const [a, b] = [await postEcho(ours.url), await postEcho(nests.url)];
      expect(a.status).toBe(201);
      expect(a.body).toEqual({ ip: '203.0.113.9', host: new URL(ours.url).host, json: true });
      expect({ ...b, body: { ...(b.body as object), host: 'x' } }).toEqual({
        ...a,
        body: { ...(a.body as object), host: 'x' },
      });
      // The default adapter is the behaviour the first test rules out.
      expect(nests.seen[0]).toEqual({ requestPrototypeWasExpress: false, responsePrototypeWasExpress: false });
    } finally {
      await ours.close();
      await nests.close();
    }
  });
});
