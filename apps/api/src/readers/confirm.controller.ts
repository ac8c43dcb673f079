import { Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ConfirmDto } from './dto/reader-forms.dto';
import { isFormPost, requestMeta, sendPage, wantsHtml } from './reader-http';
import { HtmlPage, LinkToken } from '../common/api-docs';
import { ReaderLinkController } from './reader-link-controller';
import { ReaderPageExceptionFilter } from './reader-page-exception.filter';

/**
 * Double opt-in. GET shows a button and changes nothing (mail scanners fetch
 * links); POST confirms.
 */
@ApiTags('readers')
@Controller('confirm')
@UseFilters(ReaderPageExceptionFilter)
export class ConfirmController extends ReaderLinkController {
  protected readonly link = 'confirmation';

  @Get()
  @HtmlPage('a Confirm button for the pending subscriptions (changes nothing)')
  @LinkToken()
  page(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    return this.linkPage(
      res,
      token,
      (t) => this.subscriptions.confirmationView(t),
      (t, view) => this.pages.confirm(t, view.pending, view.active),
    );
  }

  @Post()
  @ApiBody({ type: ConfirmDto })
  async confirm(@Req() req: Request, @Res() res: Response): Promise<void> {
    const html = wantsHtml(req);
    const dto = await this.linkFormBody(ConfirmDto, req, res);
    if (!dto) return;
    await this.answeringLinkErrors(res, html, async () => {
      if (isFormPost(req)) {
        const check = this.forms.check(req, (form) => form === 'confirm');
        if (!check.ok) {
          const view = await this.subscriptions.confirmationView(dto.token);
          sendPage(res, 400, this.pages.confirm(dto.token, view.pending, view.active, check.message));
          return;
        }
      }
      const result = await this.subscriptions.confirm(
        dto.token,
        isFormPost(req) ? 'confirm-page' : 'api',
        requestMeta(req),
      );
      if (html) sendPage(res, 200, this.pages.confirmed(result.subscriberId, result.activated, result.active));
      else res.status(200).json({ status: 'confirmed', newsletters: result.active.map((n) => n.slug) });
    });
  }
}
