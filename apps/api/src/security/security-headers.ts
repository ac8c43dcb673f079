import helmet from 'helmet';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '@app/config';

type Directives = Record<string, string[]>;
type Middleware = (req: Request, res: Response, next: NextFunction) => void;

/**
 * The hosted pages carry no inline script or style, so they get a strict policy:
 * only our own files, forms posting only to us, and no framing.
 */
export function strictDirectives(config: Pick<AppConfig, 'publicBaseUrl'>): Directives {
  const directives: Directives = {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  // Only over HTTPS: on a plain-HTTP dev setup it would send form posts to a port nobody listens on.
  if (config.publicBaseUrl.startsWith('https:')) directives['upgrade-insecure-requests'] = [];
  return directives;
}

/** Content-Security-Policy per route family; everything not listed gets the strict policy. */
export function cspProfiles(config: Pick<AppConfig, 'publicBaseUrl' | 'allowedOrigins'>) {
  const strict = strictDirectives(config);
  return {
    strict,
    /** The sign-up box publishers put in an iframe on their article pages. */
    embeddable: { ...strict, 'frame-ancestors': ["'self'", ...config.allowedOrigins] },
    /** Rendered emails (web version, preview): MJML output is all inline styles and remote images; still no script. */
    email: {
      ...strict,
      'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
      'font-src': ["'self'", 'https://fonts.gstatic.com'],
      'img-src': ["'self'", 'data:', 'https:', 'http:'],
    },
    /** Bull Board and Swagger UI: their bundles set inline styles and use web fonts; scripts are still our origin only. */
    tooling: {
      ...strict,
      'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
      'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
    },
  } satisfies Record<string, Directives>;
}

export type CspProfile = keyof ReturnType<typeof cspProfiles>;

/**
 * Which policy a request gets. Narrow on purpose: only these paths are relaxed. The
 * embeddable box's own flow stays frameable: its post (an error page re-renders the box)
 * and the check-your-inbox page it lands on.
 */
export function cspProfileFor(method: string, path: string, embedded = false): CspProfile {
  if (method === 'GET' && /^\/forms\/[^/]+\/?$/.test(path)) return 'embeddable';
  if (method === 'POST' && path === '/subscriptions') return 'embeddable';
  if (method === 'GET' && path === '/check-your-inbox' && embedded) return 'embeddable';
  if (/^\/issues\/[^/]+(\/[^/]*)?$/.test(path) || /^\/admin\/issues\/[^/]+\/preview\/?$/.test(path)) return 'email';
  if (/^\/admin\/queues(\/|$)/.test(path) || /^\/docs(\/|-json|-yaml|$)/.test(path)) return 'tooling';
  return 'strict';
}

/** What a helmet middleware does to a response: headers set (with their value) or removed (null). */
type HeaderChange = [name: string, value: string | null];

/**
 * The header changes `middleware` makes, recorded once. helmet's headers depend only on its
 * options, never on the request, so each profile's are computed at start instead of running
 * helmet's dozen middlewares on every request (a few per cent of a sign-up's CPU).
 */
export function recordHeaderChanges(middleware: Middleware): HeaderChange[] {
  const changes: HeaderChange[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => changes.push([name, String(value)]),
    removeHeader: (name: string) => changes.push([name, null]),
  };
  let finished = false;
  middleware({} as Request, recorder as unknown as Response, () => (finished = true));
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return changes;
}

/**
 * helmet on every response (HTML, JSON, static files, the board), with the CSP
 * chosen per route family. Install before anything that writes a response.
 */
export function securityHeaders(config: Pick<AppConfig, 'publicBaseUrl' | 'allowedOrigins'>): Middleware {
  const https = config.publicBaseUrl.startsWith('https:');
  const profiles = cspProfiles(config);
  const changesFor = (name: CspProfile): HeaderChange[] =>
    recordHeaderChanges(
      helmet({
        contentSecurityPolicy: { useDefaults: false, directives: profiles[name] },
        // frame-ancestors decides framing; an X-Frame-Options header would contradict the embeddable one.
        xFrameOptions: name === 'embeddable' ? false : { action: 'deny' },
        // Tokens travel in query strings: never leak them to other sites through Referer. Not
        // 'no-referrer': browsers then send "Origin: null" on our own form posts, which the
        // CSRF origin check must refuse.
        referrerPolicy: { policy: 'same-origin' },
        strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: true } : false,
      }) as Middleware,
    );
  const byProfile: Record<CspProfile, HeaderChange[]> = {
    strict: changesFor('strict'),
    embeddable: changesFor('embeddable'),
    email: changesFor('email'),
    tooling: changesFor('tooling'),
  };
  return (req, res, next) => {
    const path = req.path;
    // express parses the query string on every read of req.query: only where it matters.
    const embedded = path === '/check-your-inbox' && req.query?.embed === '1';
    for (const [name, value] of byProfile[cspProfileFor(req.method, path, embedded)]) {
      if (value === null) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}
