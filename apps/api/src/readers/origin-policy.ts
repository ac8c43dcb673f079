import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, AppConfig } from '@app/config';

/**
 * Which sites may post to the reader routes from a browser. Browsers send
 * Origin on every POST; a post from our own pages (or the embed, which is
 * served by us) is same-origin, publishers' sites are listed in
 * ALLOWED_ORIGINS. Requests without Origin come from non-browser clients
 * (servers, curl, mail clients), which CSRF cannot involve.
 */
@Injectable()
export class OriginPolicy {
  private readonly ownOrigin: string;
  private readonly publishers: Set<string>;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'publicBaseUrl' | 'allowedOrigins'>) {
    this.ownOrigin = new URL(config.publicBaseUrl).origin;
    this.publishers = new Set(config.allowedOrigins.map(originOf).filter((o): o is string => o !== null));
  }

  /** Whether a browser request from this origin may change state. */
  allows(req: Request): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return this.isSameOrigin(req) || this.isPublisher(origin);
  }

  /** A publisher's site listed in ALLOWED_ORIGINS. */
  isPublisher(origin: string | undefined): boolean {
    const o = origin ? originOf(origin) : null;
    return o !== null && this.publishers.has(o);
  }

  isSameOrigin(req: Request): boolean {
    const origin = req.headers.origin ? originOf(req.headers.origin) : null;
    if (!origin) return false;
    // The public URL, or the host the browser addressed (behind a proxy, or on a dev port).
    return origin === this.ownOrigin || new URL(origin).host === req.headers.host;
  }

  allowedOrigins(): string[] {
    return [...this.publishers];
  }
}

function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}
