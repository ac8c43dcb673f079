import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InvalidTokenError, PrivacyService, SubscriberNotFoundError, TokenService } from '@app/subscriptions';
import { PageRenderer } from '../common/page-renderer';

/**
 * A reader's own copy of their data (GDPR art. 15 / 20), from the preference centre.
 * POST asks for it and mails a link to the address on file (so holding a forwarded
 * preferences link is not enough to read someone's data); GET on that link downloads it.
 * The preferences token in the form doubles as the CSRF token: a third-party site cannot know it.
 */
@ApiTags('readers')
@Controller('preferences/export')
export class ReaderExportController {
  constructor(
    private readonly privacy: PrivacyService,
    private readonly tokens: TokenService,
    private readonly pages: PageRenderer,
  ) {}

  @Post()
  async request(
    @Body() body: { token?: unknown } | undefined,
    @Query('token') queryToken: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const html = wantsHtml(req);
    try {
      const { subscriberId } = this.tokens.verify(body?.token ?? queryToken, 'preferences');
      await this.privacy.requestSelfExport(subscriberId);
    } catch (err) {
      return this.refuse(err, html, res);
    }
    if (!html) {
      res.status(202).json({ status: 'export_link_sent' });
      return;
    }
    res
      .status(200)
      .type('html')
      .send(
        this.pages.render(
          'data-export',
          {
            heading: 'Check your inbox',
            message:
              'We have emailed you a link to download a copy of your data. The link works for 7 days and only from that email.',
          },
          { title: 'Your data' },
        ),
      );
  }

  @Get()
  async download(@Query('token') token: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      const { subscriberId } = this.tokens.verify(token, 'export');
      const data = await this.privacy.export(subscriberId);
      if (data.subscriber.status === 'erased') throw new SubscriberNotFoundError();
      res
        .status(200)
        .setHeader('Cache-Control', 'no-store')
        .setHeader('Content-Disposition', `attachment; filename="dispatch-data-${data.exportedAt.slice(0, 10)}.json"`)
        .json(data);
    } catch (err) {
      this.refuse(err, wantsHtml(req), res);
    }
  }

  private refuse(err: unknown, html: boolean, res: Response): void {
    if (!(err instanceof InvalidTokenError) && !(err instanceof SubscriberNotFoundError)) throw err;
    const [status, message] =
      err instanceof InvalidTokenError
        ? [400, 'This link is not valid or has expired. Ask for a new one from your preferences page.']
        : [404, 'We hold no data for this link any more.'];
    if (!html) {
      res.status(status).json({ statusCode: status, message, errors: [{ field: 'token', message }] });
      return;
    }
    res
      .status(status)
      .type('html')
      .send(this.pages.render('data-export', { heading: 'Link not valid', message }, { title: 'Your data' }));
  }
}

/** Form posts and browsers get pages; API clients get JSON. */
function wantsHtml(req: Request): boolean {
  if (req.is(['application/x-www-form-urlencoded', 'multipart/form-data'])) return true;
  return req.accepts(['json', 'html']) === 'html';
}
