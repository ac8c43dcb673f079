import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Newsletter } from '@app/database';
import {
  DuplicateSlugError,
  InvalidNewsletterError,
  isValidSlug,
  NewsletterNotFoundError,
  NewslettersService,
} from '@app/subscriptions';
import { AdminOnly } from '../common/admin-auth.guard';
import { CreateNewsletterDto, UpdateNewsletterDto } from './dto/newsletter.dto';

/** The newsletter catalogue, for operators. Schedule changes reach the worker through a sync job. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/newsletters')
export class NewslettersController {
  constructor(private readonly newsletters: NewslettersService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() dto: CreateNewsletterDto): Promise<Newsletter> {
    return this.answer(() => this.newsletters.create(dto));
  }

  @Get()
  list(): Promise<Newsletter[]> {
    return this.newsletters.list();
  }

  @Get(':slug')
  async get(@Param('slug') slug: string): Promise<Newsletter> {
    const newsletter = isValidSlug(slug) ? await this.newsletters.findBySlug(slug) : null;
    if (!newsletter) throw new NotFoundException(`no newsletter with slug "${slug}"`);
    return newsletter;
  }

  @Patch(':slug')
  async update(@Param('slug') slug: string, @Body() dto: UpdateNewsletterDto): Promise<Newsletter> {
    return this.answer(() => this.newsletters.update(slug, dto));
  }

  /** Maps the service's errors to 404 / 409 / 400 naming the field. */
  private async answer(run: () => Promise<Newsletter>): Promise<Newsletter> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof NewsletterNotFoundError) throw new NotFoundException(err.message);
      if (err instanceof DuplicateSlugError) {
        throw new ConflictException({
          statusCode: 409,
          message: err.message,
          errors: [{ field: 'slug', message: err.message }],
        });
      }
      if (err instanceof InvalidNewsletterError) {
        throw new BadRequestException({
          statusCode: 400,
          message: `${err.field}: ${err.message}`,
          errors: [{ field: err.field, message: err.message }],
        });
      }
      throw err;
    }
  }
}
