import { Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SubscriptionService } from '@app/subscriptions';
import { ConfirmDto } from './dto/reader-forms.dto';
import { ReaderForms } from './reader-forms';
import { isFormPost, requestMeta, sendPage, wantsHtml } from './reader-http';
import { ReaderPageExceptionFilter } from './reader-page-exception.filter';
import { ReaderPages } from './reader-pages';
import { answeringLinkErrors, linkFormBody, linkPage } from './reader-token-errors';

/**
 * Double opt-in. GET shows a button and changes nothing (mail scanners fetch
 * links); POST confirms.
 */
@ApiTags('readers')
@Controller('confirm')
@UseFilters(ReaderPageExceptionFilter)
export class ConfirmController {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly pages: ReaderPages,
    private readonly forms: ReaderForms,
  ) {}

  @Get()
  @ApiExcludeEndpoint()
  page(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    return linkPage(
      res,
      this.pages,
      'confirmation',
      token,
      (t) => this.subscriptions.confirmationView(t),
      (t, view) => this.pages.confirm(t, view.pending, view.active),
    );
  }

  @Post()
  @ApiBody({ type: ConfirmDto })
  async confirm(@Req() req: Request, @Res() res: Response): Promise<void> {
    const html = wantsHtml(req);
    const dto = await linkFormBody(ConfirmDto, req, res, this.pages, 'confirmation');
    if (!dto) return;
    await answeringLinkErrors(res, this.pages, html, 'confirmation', async () => {
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
