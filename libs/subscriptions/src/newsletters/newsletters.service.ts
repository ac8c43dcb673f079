import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, Repository } from 'typeorm';
import { Newsletter } from '@app/database';
import { JobQueue, jobId } from '@app/queues';
import { DuplicateSlugError, InvalidNewsletterError, NewsletterNotFoundError } from '../errors';
import { isValidCron, isValidSlug, isValidTimeZone, normaliseTopics } from './newsletter-rules';

export interface NewsletterInput {
  slug: string;
  name: string;
  description?: string;
  topics: string[];
  /** Cron expression; null or absent: sent on demand only. */
  schedule?: string | null;
  timezone?: string;
  maxArticles?: number;
  active?: boolean;
}

export type NewsletterPatch = Partial<NewsletterInput>;

/** Fields whose change the worker's job schedulers must follow. */
const SCHEDULE_FIELDS = ['schedule', 'timezone', 'active'] as const;

/** The catalogue of newsletters readers can subscribe to. */
@Injectable()
export class NewslettersService {
  private readonly logger = new Logger(NewslettersService.name);

  constructor(
    @InjectRepository(Newsletter) private readonly newsletters: Repository<Newsletter>,
    private readonly jobs: JobQueue,
  ) {}

  /** Throws DuplicateSlugError when the slug is taken, InvalidNewsletterError on a bad field. */
  async create(input: NewsletterInput): Promise<Newsletter> {
    const values = this.checked({ timezone: 'UTC', description: '', ...input });
    let created: Newsletter;
    try {
      created = await this.newsletters.save(this.newsletters.create(values));
    } catch (err) {
      throw isUniqueViolation(err) ? new DuplicateSlugError(input.slug) : err;
    }
    if (created.schedule) await this.requestScheduleSync(created);
    return created;
  }

  /** Every newsletter, active or not (operators). */
  list(): Promise<Newsletter[]> {
    return this.newsletters.find({ order: { createdAt: 'ASC', slug: 'ASC' } });
  }

  /** Newsletters readers may subscribe to. */
  listActive(): Promise<Newsletter[]> {
    return this.newsletters.find({ where: { active: true }, order: { createdAt: 'ASC', slug: 'ASC' } });
  }

  /** Null for an unknown slug, and for anything that cannot be a slug (no query then). */
  async findBySlug(slug: string): Promise<Newsletter | null> {
    if (!isValidSlug(slug)) return null;
    return this.newsletters.findOne({ where: { slug } });
  }

  /** The newsletters among `slugs`; values that cannot be slugs are simply not found. */
  async findBySlugs(slugs: string[]): Promise<Newsletter[]> {
    const valid = slugs.filter((slug) => isValidSlug(slug));
    return valid.length === 0 ? [] : this.newsletters.find({ where: { slug: In(valid) } });
  }

  findByIds(ids: string[]): Promise<Newsletter[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.newsletters.find({ where: { id: In(ids) } });
  }

  /** Applies a partial change; throws NewsletterNotFoundError, DuplicateSlugError or InvalidNewsletterError. */
  async update(slug: string, patch: NewsletterPatch): Promise<Newsletter> {
    const current = await this.findBySlug(slug);
    if (!current) throw new NewsletterNotFoundError(slug);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as NewsletterPatch;
    const merged = this.checked({ ...current, ...defined });
    const scheduleChanged = SCHEDULE_FIELDS.some((f) => f in defined && defined[f] !== current[f]);
    let saved: Newsletter;
    try {
      saved = await this.newsletters.save({ ...current, ...merged });
    } catch (err) {
      throw isUniqueViolation(err) ? new DuplicateSlugError(merged.slug) : err;
    }
    if (scheduleChanged) await this.requestScheduleSync(saved);
    return saved;
  }

  /** Validates and normalises; the DTOs check the same rules, this guards every other caller (CLI, seed). */
  private checked<T extends NewsletterInput>(input: T): T {
    if (!isValidSlug(input.slug))
      throw new InvalidNewsletterError('slug', 'slug must be lower-case words joined by hyphens');
    if (!input.name?.trim()) throw new InvalidNewsletterError('name', 'name must not be empty');
    const timezone = input.timezone ?? 'UTC';
    if (!isValidTimeZone(timezone)) throw new InvalidNewsletterError('timezone', `unknown time zone "${timezone}"`);
    if (input.schedule && !isValidCron(input.schedule, timezone)) {
      throw new InvalidNewsletterError('schedule', `"${input.schedule}" is not a valid cron expression`);
    }
    return {
      ...input,
      name: input.name.trim(),
      topics: normaliseTopics(input.topics ?? []),
      schedule: input.schedule || null,
    };
  }

  /**
   * Asks the worker to bring its job schedulers in line with the database. A
   * unique job id per change, because a finished job with a reused id would
   * silently swallow later requests.
   */
  private async requestScheduleSync(newsletter: Newsletter): Promise<void> {
    try {
      await this.jobs.add('sync-schedules', {}, { jobId: jobId('sync-schedules', newsletter.id, Date.now()) });
    } catch (err) {
      // The change is saved and the sync job reads every schedule from the database, so the next sync catches up.
      this.logger.warn(`could not queue a schedule sync for ${newsletter.slug}: ${(err as Error).message}`);
    }
  }
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err as QueryFailedError & { code?: string }).code === '23505';
}
