import { Controller, Get, Post, Query, Req, Res, UseFilters, UseInterceptors } from '@nestjs/common';
import { NoFilesInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InvalidTokenError } from '@app/subscriptions';
import { UnsubscribeFormDto } from './dto/reader-forms.dto';
import { bodyOf, firstString, isFormPost, requestMeta, sendPage, wantsHtml } from './reader-http';
import { HtmlPage, LinkToken } from '../common/api-docs';
import { ReaderLinkController } from './reader-link-controller';
import { ReaderPageExceptionFilter } from './reader-page-exception.filter';
import { validateBody } from './validate-body';

/**
 * Unsubscribe links. GET shows the choices and changes nothing. POST is either
 * an RFC 8058 one-click request from a mail client (body List-Unsubscribe=One-Click,
 * no cookie, no CSRF token: the signed link is the authority) or the page's form.
 * Both answer 200 directly, never a redirect, and take effect at once.
 */
@ApiTags('readers')
@Controller('unsubscribe')
@UseFilters(ReaderPageExceptionFilter)
export class UnsubscribeController extends ReaderLinkController {
  protected readonly link = 'unsubscribe';

  @Get()
  @HtmlPage('unsubscribe from this newsletter or from everything (changes nothing)')
  @LinkToken()
  page(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    return this.linkPage(
      res,
      token,
      (t) => this.subscriptions.unsubscribeView(t),
      (t, view) => this.pages.unsubscribe(t, view.newsletter, view.subscribed),
    );
  }

  @Post()
  // RFC 8058 recommends multipart/form-data for one-click posts; text fields only, small.
  @UseInterceptors(NoFilesInterceptor({ limits: { fields: 10, fieldSize: 2048, parts: 10 } }))
  @ApiConsumes('application/x-www-form-urlencoded', 'multipart/form-data')
  @ApiQuery({ name: 'token', required: true })
  @ApiBody({ description: 'List-Unsubscribe=One-Click (RFC 8058), or the page form: scope=newsletter|all' })
  @ApiResponse({ status: 200, description: 'unsubscribed (idempotent)' })
  async unsubscribe(@Query('token') queryToken: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const body = bodyOf(req);
    const token = String(firstString(queryToken) ?? firstString(body.token) ?? '');
    if (firstString(body['List-Unsubscribe']) === 'One-Click') return this.oneClick(token, req, res);

    const html = wantsHtml(req);
    await this.answeringLinkErrors(res, html, async () => {
      const { value: dto } = validateBody(UnsubscribeFormDto, body);
      const check = isFormPost(req) ? this.forms.check(req, (form) => form === 'unsubscribe') : null;
      if (!dto || (check && !check.ok)) {
        const view = await this.subscriptions.unsubscribeView(token);
        const message = !dto ? 'Choose what to unsubscribe from.' : check && !check.ok ? check.message : undefined;
        if (html) sendPage(res, 400, this.pages.unsubscribe(token, view.newsletter, view.subscribed, message));
        else
          res
            .status(400)
            .json({ statusCode: 400, message, errors: [{ field: !dto ? 'scope' : 'formToken', message }] });
        return;
      }
      const source = isFormPost(req) ? 'unsubscribe-page' : 'api';
      const result = await this.subscriptions.unsubscribe(token, dto.scope, source, requestMeta(req));
      if (html)
        sendPage(res, 200, this.pages.unsubscribed(result.subscriberId, result.removed, dto.scope, result.newsletter));
      else res.status(200).json({ status: 'unsubscribed', newsletters: result.removed.map((n) => n.slug) });
    });
  }

  /** What a mail client's unsubscribe button does: the link's own scope, answered 200 in plain text. */
  private async oneClick(token: string, req: Request, res: Response): Promise<void> {
    try {
      await this.subscriptions.unsubscribe(token, 'newsletter', 'one-click', requestMeta(req));
    } catch (err) {
      if (!(err instanceof InvalidTokenError)) throw err;
      res.status(400).type('text/plain').send('invalid unsubscribe link\n');
      return;
    }
    res.status(200).setHeader('Cache-Control', 'no-store');
    res.type('text/plain').send('unsubscribed\n');
  }
}
