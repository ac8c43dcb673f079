import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Response } from 'express';

/** How long in-flight requests may take to finish once shutdown starts. */
const DRAIN_TIMEOUT_MS = 20_000;

/**
 * On shutdown, stop accepting connections and let running requests finish before
 * any module tears down what they use (Nest only closes the server after the
 * onModuleDestroy hooks). Keep-alive connections get `Connection: close` meanwhile.
 */
@Injectable()
export class HttpDrain implements OnModuleDestroy {
  private readonly logger = new Logger(HttpDrain.name);
  private readonly inFlight = new Set<Response>();
  private draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Counts the response as running until it closes. */
  readonly track = (res: Response): void => {
    this.inFlight.add(res);
    if (this.draining) res.setHeader('Connection', 'close');
    // 'close' follows 'finish' on every response, and comes alone when the client left first.
    res.once('close', () => this.inFlight.delete(res));
  };

  async onModuleDestroy(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    this.draining = true;
    server.close();
    // Running requests answer with Connection: close, so no client reuses a socket about to go away.
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    server.closeIdleConnections();
    if (this.inFlight.size > 0) this.logger.log(`draining ${this.inFlight.size} in-flight requests`);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      server.closeIdleConnections();
    }
    server.closeIdleConnections();
    if (this.inFlight.size > 0) {
      this.logger.warn(`${this.inFlight.size} requests still running after ${DRAIN_TIMEOUT_MS} ms`);
    }
  }
}
