import { Controller, Get, Header, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExcludeEndpoint, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  cleanName,
  isValidSlug,
  FormTokenClaims,
  NewslettersService,
  SubscriptionService,
  UnknownNewsletterError,
} from '@app/subscriptions';
import { HtmlPage } from '../common/api-docs';
import { ProtectSubscription } from '../security';
import { clearlyValidSubscribe, SubscribeDto } from './dto/subscribe.dto';
import { OriginPolicy } from './origin-policy';
import { ReaderForms } from './reader-forms';
import { bodyKindOf, bodyOf, firstString, requestMeta, sendPage, wantsHtml } from './reader-http';
import { ReaderPageExceptionFilter } from './reader-page-exception.filter';
import { embedSlugOf, isSubscribeForm, ReaderPages, SubscribeFormValues } from './reader-pages';
import { errorBody, FieldError, validateBody } from './validate-body';

const ACCEPTED_BODY = JSON.stringify({ status: 'pending_confirmation' });
const ACCEPTED_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': String(Buffer.byteLength(ACCEPTED_BODY)),
};

/** Hidden field bots fill and people never see (hidden by CSS, not by type="hidden"). */
export const HONEYPOT_FIELD = 'website';

/** Sign-up: the hosted page, the embeddable box, the privacy notice and POST /subscriptions. */
@ApiTags('readers')
@Controller()
@UseFilters(ReaderPageExceptionFilter)
export class SubscribeController {
  constructor(
    private readonly subscriptions: SubscriptionService,
    private readonly newsletters: NewslettersService,
    private readonly pages: ReaderPages,
    private readonly forms: ReaderForms,
    private readonly origins: OriginPolicy,
  ) {}

  @Get()
  @HtmlPage('the subscribe page: a form posting to /subscriptions, one checkbox per newsletter')
  async subscribePage(@Res() res: Response): Promise<void> {
    sendPage(res, 200, this.pages.subscribe(await this.newsletters.listActive()));
  }

  @Get('forms/:newsletter')
  @HtmlPage('the embeddable sign-up box of one newsletter (404 page when there is none)')
  @ApiQuery({ name: 'source', required: false, description: 'recorded with the sign-up' })
  async embed(
    @Param('newsletter') slug: string,
    @Query('source') source: unknown,
    @Res() res: Response,
  ): Promise<void> {
    const newsletter = isValidSlug(slug) ? await this.newsletters.findBySlug(slug) : null;
    if (!newsletter?.active) {
      sendPage(
        res,
        404,
        this.pages.error('Newsletter not found', 'This sign-up form is not available.', {
          bare: true,
          linkHome: false,
        }),
      );
      return;
    }
    const values: SubscribeFormValues = { source: typeof source === 'string' ? source.slice(0, 100) : undefined };
    sendPage(res, 200, this.pages.embed(newsletter, values));
  }

  @Get('privacy')
  @HtmlPage('the current privacy notice, with its version')
  @Header('Cache-Control', 'public, max-age=300')
  privacy(): string {
    return this.pages.privacy();
  }

  @Get('check-your-inbox')
  @ApiExcludeEndpoint()
  checkInbox(@Query('embed') embed: unknown, @Res() res: Response): void {
    sendPage(res, 200, this.pages.checkInbox(embed === '1'));
  }

  /**
   * JSON → 202 / 400 JSON; form posts → 303 to the check-your-inbox page / 400
   * page with the form refilled. The same answer whether the address is known,
   * new or suppressed, so the form tells nobody who subscribes.
   */
  @Post('subscriptions')
  @ProtectSubscription()
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({ type: SubscribeDto })
  @ApiResponse({ status: 202, description: '{"status":"pending_confirmation"}' })
  @ApiResponse({ status: 400, description: '{ statusCode, message, errors: [{ field, message }] }' })
  async subscribe(@Req() req: Request, @Res() res: Response): Promise<void> {
    const body = bodyOf(req);
    const kind = bodyKindOf(req);
    const formPost = kind === 'form';
    const html = wantsHtml(req, kind);
    const embedField = firstString(body.embed);
    const embedSlug = isValidSlug(embedField) ? embedField : null;
    const refuse = (status: number, errors: FieldError[]) => this.refuse(res, status, html, errors, body, embedSlug);

    if (req.headers['content-type'] && kind === 'other') {
      return refuse(415, [{ field: 'body', message: 'send JSON or a form' }]);
    }
    if (!this.origins.allows(req))
      return refuse(403, [{ field: 'origin', message: 'this site may not post sign-ups' }]);

    let form: FormTokenClaims | null = null;
    if (formPost) {
      const check = this.forms.check(req, isSubscribeForm);
      // Publishers' own HTML forms (listed origins) post without our token; their origin vouches for them.
      if (check.ok) form = check.claims;
      else if (!this.origins.isPublisher(req.headers.origin))
        return refuse(400, [{ field: 'formToken', message: check.message }]);
    }
    const embed = form ? embedSlugOf(form.form) : embedSlug;

    if (firstString(body[HONEYPOT_FIELD])) return this.accepted(res, html, embed);

    // Most bodies are plainly valid; the decorators see the rest and word what is wrong.
    const plainlyValid = clearlyValidSubscribe(body);
    const { value: dto, errors } = plainlyValid
      ? { value: plainlyValid, errors: null }
      : validateBody(SubscribeDto, body);
    if (!dto) return refuse(400, errors);

    try {
      await this.subscriptions.subscribe({
        email: dto.email,
        name: cleanName(dto.name),
        newsletters: dto.newsletters,
        shownConsent:
          form?.consentVersion && form.consentSha256
            ? { version: form.consentVersion, sha256: form.consentSha256 }
            : null,
        source: dto.source || (form ? `form:${form.form.slice('subscribe:'.length)}` : 'api'),
        details: { form: form?.form ?? null, origin: req.headers.origin ?? null },
        meta: requestMeta(req),
      });
    } catch (err) {
      if (err instanceof UnknownNewsletterError) {
        const message = err.slugs.length ? err.message : 'choose at least one newsletter';
        return refuse(400, [{ field: 'newsletters', message }]);
      }
      throw err;
    }
    this.accepted(res, html, embed);
  }

  private accepted(res: Response, html: boolean, embed: string | null): void {
    if (html) {
      res.redirect(303, embed ? '/check-your-inbox?embed=1' : '/check-your-inbox');
      return;
    }
    // Every JSON sign-up gets this answer: serialised once, and sent without the ETag express
    // would compute (a SHA-1 of the body) on every response, which no client of a POST uses.
    res.writeHead(202, ACCEPTED_HEADERS).end(ACCEPTED_BODY);
  }

  private async refuse(
    res: Response,
    status: number,
    html: boolean,
    errors: FieldError[],
    body: Record<string, unknown>,
    embedSlug: string | null,
  ): Promise<void> {
    if (!html) {
      res.status(status).json(errorBody(errors, status));
      return;
    }
    const values = formValues(body);
    const newsletter = embedSlug ? await this.newsletters.findBySlug(embedSlug) : null;
    const page = newsletter?.active
      ? this.pages.embed(newsletter, values, errors)
      : this.pages.subscribe(await this.newsletters.listActive(), values, errors);
    sendPage(res, status, page);
  }
}

/** What the reader typed, to refill the form (escaped when rendered). */
function formValues(body: Record<string, unknown>): SubscribeFormValues {
  const list = body.newsletters;
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : undefined);
  return {
    email: text(body.email, 254),
    name: text(body.name, 100),
    newsletters: (Array.isArray(list) ? list : [list]).filter((s): s is string => typeof s === 'string'),
    consent: body.consent === 'on' || body.consent === true,
    source: text(body.source, 100),
  };
}
