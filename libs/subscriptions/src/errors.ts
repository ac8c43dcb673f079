/** Errors the subscription services raise; the HTTP layer maps each to a 4xx answer naming the field. */

/** One or more newsletter slugs do not name an active newsletter. */
export class UnknownNewsletterError extends Error {
  constructor(readonly slugs: string[]) {
    super(`unknown newsletter${slugs.length > 1 ? 's' : ''}: ${slugs.join(', ')}`);
  }
}

/** A signed link names a reader who no longer exists (purged or erased). */
export class ReaderNotFoundError extends Error {
  constructor() {
    super('this link no longer matches a subscription');
  }
}

export class NewsletterNotFoundError extends Error {
  constructor(readonly slug: string) {
    super(`no newsletter with slug "${slug}"`);
  }
}

export class DuplicateSlugError extends Error {
  constructor(readonly slug: string) {
    super(`a newsletter with slug "${slug}" already exists`);
  }
}

/** A newsletter field breaks a rule (slug format, cron, timezone...); `field` names it. */
export class InvalidNewsletterError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
