import { Injectable } from '@nestjs/common';
import { Newsletter } from '@app/database';
import { UnknownNewsletterError } from '../errors';
import { NewslettersService } from './newsletters.service';

/**
 * The active newsletters by slug, kept in memory so a sign-up needs no look-up of its
 * own. An entry may be stale (renamed, deactivated, deleted): the sign-up statement
 * re-checks id, name and `active` against the table and writes nothing when they
 * differ, and the caller reloads and retries. A slug the cache does not know reloads
 * it first, so a newsletter created a moment ago (by any process) is found.
 */
@Injectable()
export class ActiveNewsletterCache {
  private bySlug: Map<string, Newsletter> | null = null;
  private loading: Promise<Map<string, Newsletter>> | null = null;

  constructor(private readonly newsletters: NewslettersService) {}

  /**
   * The newsletters `slugs` name, once each, in the order given. Throws
   * UnknownNewsletterError naming the slugs that are not active newsletters.
   */
  async resolve(slugs: string[]): Promise<Newsletter[]> {
    const unique = [...new Set(slugs)];
    if (unique.length === 0) throw new UnknownNewsletterError([]);
    let known = this.bySlug;
    if (!known || unique.some((slug) => !known!.has(slug))) known = await this.reload();
    const missing = unique.filter((slug) => !known!.has(slug));
    if (missing.length > 0) throw new UnknownNewsletterError(missing);
    return unique.map((slug) => known!.get(slug)!);
  }

  /** Drops what is cached; the next resolve() reads the table again. */
  invalidate(): void {
    this.bySlug = null;
  }

  /** One query however many callers wait for it. */
  private reload(): Promise<Map<string, Newsletter>> {
    this.loading ??= this.newsletters
      .listActive()
      .then((active) => {
        this.bySlug = new Map(active.map((n) => [n.slug, n]));
        return this.bySlug;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}
