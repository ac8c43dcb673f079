import { Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { consentText, SubscriptionService } from '@app/subscriptions';
import { PreferencesDto } from './dto/reader-forms.dto';
import { ReaderForms } from './reader-forms';
import { isFormPost, requestMeta, sendPage, wantsHtml } from './reader-http';
import { ReaderPageExceptionFilter } from './reader-page-exception.filter';
import { ReaderPages } from './reader-pages';
import { answeringLinkErrors, linkFormBody, linkPage } from './reader-token-errors';

/** The preference centre: tick and untick newsletters (link from every email). */
@ApiTags('readers')
@Controller('preferences')
@UseFilters(ReaderPageExceptionFilter)
export class PreferencesController {
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
      'preferences',
      token,
      (t) => this.subscriptions.preferences(t),
      (t, view) => this.pages.preferences(t, view),
    );
  }

  @Post()
  @ApiBody({ type: PreferencesDto })
  async update(@Req() req: Request, @Res() res: Response): Promise<void> {
    const html = wantsHtml(req);
    const dto = await linkFormBody(PreferencesDto, req, res, this.pages, 'preferences');
    if (!dto) return;
    await answeringLinkErrors(res, this.pages, html, 'preferences', async () => {
      // The ledger records the statement the preference centre shows (API clients have no page of their own).
      let shown = consentText(null);
      if (isFormPost(req)) {
        const check = this.forms.check(req, (form) => form === 'preferences');
        if (!check.ok) {
          const view = await this.subscriptions.preferences(dto.token);
          sendPage(res, 400, this.pages.preferences(dto.token, view, { error: check.message }));
          return;
        }
        if (check.claims.consentVersion && check.claims.consentSha256) {
          shown = { ...shown, version: check.claims.consentVersion, sha256: check.claims.consentSha256 };
        }
      }
      const result = await this.subscriptions.updatePreferences(dto.token, dto.newsletters, shown, requestMeta(req));
      if (html) sendPage(res, 200, this.pages.preferences(dto.token, result.view, { saved: true }));
      else {
        const active = result.view.newsletters.filter((s) => s.status === 'active').map((s) => s.newsletter.slug);
        res.status(200).json({ status: 'saved', newsletters: active, added: result.added, removed: result.removed });
      }
    });
  }
}
