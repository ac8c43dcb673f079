import type { Request, Response } from 'express';
import type { Histogram } from 'prom-client';

/** The pattern of the route that answers the request (`/admin/issues/:id`), or null when none of ours does. */
export function matchedRoutePath(req: Request): string | null {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  // Nest answers unknown paths from a catch-all route; those are not a route of ours.
  if (route && typeof route.path === 'string' && !route.path.startsWith('/{*'))
    return `${req.baseUrl ?? ''}${route.path}`;
  return null;
}

/**
 * The route label is the matched pattern (`/admin/issues/:id`), never the raw URL:
 * raw paths carry ids and tokens and would explode the series count.
 */
export function routeLabel(req: Request): string {
  const url = req.originalUrl ?? req.url;
  if (/^\/admin\/queues(\/|\?|$)/.test(url)) return '/admin/queues/*';
  const route = matchedRoutePath(req);
  if (route !== null) return route;
  if (/^\/assets\//.test(url)) return '/assets/*';
  if (/^\/docs(\/|-json|-yaml|\?|$)/.test(url)) return '/docs';
  return 'unmatched';
}

/** Times each request into `histogram`, observed when its response closes. */
export function httpTiming(histogram: Histogram<'method' | 'route' | 'status'>) {
  return (req: Request, res: Response): void => {
    const stop = histogram.startTimer();
    // 'close' follows 'finish' on every response, and comes alone when the client left first.
    res.once('close', () => stop({ method: req.method, route: routeLabel(req), status: String(res.statusCode) }));
  };
}
