import { BadRequestException, Body, Controller, Get, Post, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { FeedSchedulingError, FeedsService, FeedView, InvalidUrlError } from '@app/articles';
import { AdminOnly } from '../common/admin-auth.guard';
import { CreateFeedDto } from './dto/feeds.dto';

/** RSS/Atom feeds polled by the worker. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/feeds')
export class FeedsController {
  constructor(private readonly feeds: FeedsService) {}

  /** 201 for a new feed; 200 with the existing feed when the URL is already registered. */
  @Post()
  async add(@Body() dto: CreateFeedDto, @Res({ passthrough: true }) res: Response): Promise<FeedView> {
    try {
      const { feed, created } = await this.feeds.add(dto);
      res.status(created ? 201 : 200);
      return feed;
    } catch (err) {
      if (err instanceof FeedSchedulingError) throw new ServiceUnavailableException(err.message);
      if (err instanceof InvalidUrlError) {
        throw new BadRequestException({
          statusCode: 400,
          message: `url: ${err.message}`,
          errors: [{ field: 'url', message: err.message }],
        });
      }
      throw err;
    }
  }

  /** Every feed with when it was last polled and its last error (null when the last poll worked). */
  @Get()
  async list(): Promise<{ feeds: FeedView[] }> {
    return { feeds: await this.feeds.list() };
  }
}
