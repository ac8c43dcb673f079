import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

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
  private inFlight = 0;
  private draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Express middleware counting running requests. */
  readonly track = (_req: Request, res: Response, next: NextFunction): void => {
    this.inFlight += 1;
    if (this.draining) res.setHeader('Connection', 'close');
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      this.inFlight -= 1;
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };

  async onModuleDestroy(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) return;
    this.draining = true;
    server.close();
    server.closeIdleConnections();
    if (this.inFlight > 0) this.logger.log(`draining ${this.inFlight} in-flight requests`);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      server.closeIdleConnections();
    }
    if (this.inFlight > 0) this.logger.warn(`${this.inFlight} requests still running after ${DRAIN_TIMEOUT_MS} ms`);
  }
}
