import { Controller, Get, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { consentText } from '@app/subscriptions';
import { PreferencesDto } from './dto/reader-forms.dto';
import { isFormPost, requestMeta, sendPage, wantsHtml } from './reader-http';
import { HtmlPage, LinkToken } from '../common/api-docs';
import { ReaderLinkController } from './reader-link-controller';
import { ReaderPageExceptionFilter } from './reader-page-exception.filter';

/** The preference centre: tick and untick newsletters (link from every email). */
@ApiTags('readers')
@Controller('preferences')
@UseFilters(ReaderPageExceptionFilter)
export class PreferencesController extends ReaderLinkController {
  protected readonly link = 'preferences';

  @Get()
  @HtmlPage('the preference centre: every newsletter, ticked when subscribed')
  @LinkToken()
  page(@Query('token') token: unknown, @Res() res: Response): Promise<void> {
    return this.linkPage(
      res,
      token,
      (t) => this.subscriptions.preferences(t),
      (t, view) => this.pages.preferences(t, view),
    );
  }

  @Post()
  @ApiBody({ type: PreferencesDto })
  async update(@Req() req: Request, @Res() res: Response): Promise<void> {
    const html = wantsHtml(req);
    const dto = await this.linkFormBody(PreferencesDto, req, res);
    if (!dto) return;
    await this.answeringLinkErrors(res, html, async () => {
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
