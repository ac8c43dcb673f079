import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/**
 * Nest's express platform, with an HTTP server whose requests and responses are built on
 * express's own prototypes from the start.
 *
 * Why: express gives every request and response its prototype (`Object.setPrototypeOf(req,
 * app.request)`, same for `res`) as it enters the app. With that change of prototype, V8 kept
 * each request's objects through the next scavenges and promoted them to the old generation,
 * where without it they died young (measured with `--trace-gc-nvp` on a bare express app: half
 * of what was allocated survived each scavenge, 8–9 ms pauses and a full collection every
 * second or two; on node:http alone 2% survived, 1.5 ms pauses). Built with these prototypes,
 * express finds each object's prototype already set and leaves it as it is, so a request's
 * objects die young as on node:http. Express itself runs unchanged: same prototypes, same
 * methods, only set at construction instead of per request. (The idea is discussed in
 * expressjs/express#5998; the README's Performance section has the measurements.)
 */
export class ApiExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // HTTPS and force-closed connections are Nest's own set-ups; the API uses neither.
    if (options?.httpsOptions || options?.forceCloseConnections || !callable(IncomingMessage, ServerResponse)) {
      return super.initHttpServer(options);
    }
    const app = this.getInstance<Express>();
    this.httpServer = createServer(
      {
        IncomingMessage: constructorWithPrototype(IncomingMessage, app.request),
        ServerResponse: constructorWithPrototype(ServerResponse, app.response),
      },
      app,
    );
  }
}

type NodeConstructor = typeof IncomingMessage | typeof ServerResponse;

/**
 * A constructor that runs `base` on objects that have `prototype` (which inherits from
 * base.prototype). Neither a class (its `prototype` is read-only) nor Reflect.construct with
 * another new.target (measured: 40% fewer requests a second, and objects still promoted) does.
 */
function constructorWithPrototype<T extends NodeConstructor>(base: T, prototype: object): T {
  function Constructor(this: object, ...args: unknown[]): void {
    (base as unknown as (...a: unknown[]) => void).apply(this, args);
  }
  Constructor.prototype = prototype;
  return Constructor as unknown as T;
}

/** Node's request and response constructors are plain functions (so far): callable on an object. */
function callable(...constructors: NodeConstructor[]): boolean {
  return constructors.every((c) => !Function.prototype.toString.call(c).startsWith('class'));
}
