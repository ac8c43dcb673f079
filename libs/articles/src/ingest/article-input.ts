import { plainToInstance, Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  validateSync,
  ValidationError,
} from 'class-validator';

/** One article as the admin API, the CLI and feeds hand it to ingestion. */
export interface ArticleInput {
  url: string;
  title: string;
  /** HTML or plain text. */
  body: string;
  /** A standfirst; kept as written. Without one, an extractive summary is made. */
  summary?: string | null;
  topics?: string[];
  section?: string | null;
  author?: string | null;
  publishedAt: string | Date;
  imageUrl?: string | null;
}

export const MAX_ARTICLES_PER_REQUEST = 1000;

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const HTTP_URL = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

/** Validation rules for an article coming from outside (request body, import file). */
export class ArticleInputDto implements ArticleInput {
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  @IsUrl(HTTP_URL, { message: 'url must be an absolute http(s) URL' })
  url: string;

  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  title: string;

  @IsString()
  @Matches(/\S/, { message: 'body must not be empty' })
  @MaxLength(2_000_000)
  body: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  summary?: string | null;

  @IsArray({ message: 'topics must be an array of strings' })
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  topics: string[];

  @IsOptional()
  @IsString()
  @MaxLength(200)
  section?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  author?: string | null;

  @IsISO8601({ strict: true }, { message: 'publishedAt must be an ISO 8601 date-time' })
  publishedAt: string;

  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(2048)
  @IsUrl(HTTP_URL, { message: 'imageUrl must be an absolute http(s) URL' })
  imageUrl?: string | null;
}

export interface FieldError {
  field: string;
  message: string;
}

/** Input that cannot be ingested; `status` is 413 when there is simply too much of it. */
export class ArticlePayloadError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
    readonly errors: FieldError[],
  ) {
    super(message);
  }
}

const MAX_REPORTED_ERRORS = 100;

/**
 * Validates a request body or import file: one article, an array of them, or
 * `{ articles: [...] }`. Errors name the field (`title`, or `articles[3].title`
 * in a list). Nothing is ingested unless everything is valid.
 */
export function parseArticlePayload(body: unknown, maxItems = MAX_ARTICLES_PER_REQUEST): ArticleInput[] {
  const list = articleList(body);
  if (!list) {
    const message = 'body must be an article object or an array of articles';
    throw new ArticlePayloadError(400, message, [{ field: 'body', message }]);
  }
  const { items, field } = list;
  if (items.length === 0) {
    const message = 'at least one article is required';
    throw new ArticlePayloadError(400, message, [{ field: 'articles', message }]);
  }
  if (items.length > maxItems) {
    const message = `at most ${maxItems} articles per request (got ${items.length}); split the import`;
    throw new ArticlePayloadError(413, message, [{ field: 'articles', message }]);
  }
  const errors: FieldError[] = [];
  const inputs = items.map((item, i) => {
    const prefix = field(i);
    if (!isPlainObject(item)) {
      errors.push({ field: prefix || 'body', message: 'must be an article object' });
      return undefined;
    }
    const dto = plainToInstance(ArticleInputDto, item);
    const found = validateSync(dto, { whitelist: true, forbidUnknownValues: true });
    errors.push(...flatten(found, prefix));
    return dto;
  });
  if (errors.length) {
    const shown = errors.slice(0, MAX_REPORTED_ERRORS);
    const message = shown.map((e) => `${e.field}: ${e.message}`).join('; ');
    const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
    throw new ArticlePayloadError(400, message + more, shown);
  }
  return inputs as ArticleInput[];
}

/** Validates one article built by our own code from outside data (a feed item). */
export function validateArticleInput(candidate: Record<string, unknown>): {
  input: ArticleInput | null;
  errors: FieldError[];
} {
  const dto = plainToInstance(ArticleInputDto, candidate);
  const errors = flatten(validateSync(dto, { whitelist: true, forbidUnknownValues: true }), '');
  return { input: errors.length ? null : dto, errors };
}

function articleList(body: unknown): { items: unknown[]; field: (i: number) => string } | null {
  const listField = (i: number) => `articles[${i}]`;
  if (Array.isArray(body)) return { items: body, field: listField };
  if (!isPlainObject(body)) return null;
  if (Array.isArray(body.articles)) return { items: body.articles, field: listField };
  return { items: [body], field: () => '' };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatten(errors: ValidationError[], parent: string): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}
