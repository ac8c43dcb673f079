import { HttpException, Injectable, PipeTransform } from '@nestjs/common';
import { ArticleInput, ArticlePayloadError, parseArticlePayload } from '@app/articles';

/**
 * POST /admin/articles takes one article or an array (or `{ articles: [...] }`),
 * which a DTO class cannot express: this pipe validates either shape with the
 * articles lib's rules. Errors name the field (`title`, `articles[3].title`);
 * more than 1,000 articles is a 413.
 */
@Injectable()
export class ArticlesPayloadPipe implements PipeTransform<unknown, ArticleInput[]> {
  transform(body: unknown): ArticleInput[] {
    try {
      return parseArticlePayload(body);
    } catch (err) {
      if (!(err instanceof ArticlePayloadError)) throw err;
      throw new HttpException({ statusCode: err.status, message: err.message, errors: err.errors }, err.status);
    }
  }
}
