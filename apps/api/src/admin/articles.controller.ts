import {
  BadRequestException,
  Controller,
  Body,
  Get,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ArticleInput, ArticlesService, ArticleView, IngestedArticle, InvalidUrlError } from '@app/articles';
import { AdminOnly } from '../common/admin-auth.guard';
import { ArticlesPayloadPipe } from './dto/articles.dto';

const uuidParam = new ParseUUIDPipe({
  exceptionFactory: () =>
    new BadRequestException({
      statusCode: 400,
      message: 'id: must be a UUID',
      errors: [{ field: 'id', message: 'must be a UUID' }],
    }),
});

/** The publisher's articles: bulk upsert by canonical URL, and one article with its related articles. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/articles')
export class ArticlesController {
  constructor(private readonly articles: ArticlesService) {}

  /** 201 when at least one article was new, 200 when all were updates of known URLs. */
  @Post()
  async ingest(
    @Body(ArticlesPayloadPipe) inputs: ArticleInput[],
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ articles: IngestedArticle[] }> {
    try {
      const results = await this.articles.ingest(inputs);
      res.status(results.some((r) => r.status === 'created') ? 201 : 200);
      return { articles: results };
    } catch (err) {
      if (err instanceof InvalidUrlError) {
        throw new BadRequestException({
          statusCode: 400,
          message: err.message,
          errors: [{ field: 'url', message: err.message }],
        });
      }
      throw err;
    }
  }

  @Get(':id')
  async findOne(@Param('id', uuidParam) id: string): Promise<ArticleView> {
    const article = await this.articles.findById(id);
    if (!article) throw new NotFoundException(`no article with id ${id}`);
    return article;
  }
}
