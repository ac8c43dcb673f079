import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  EmailEventsService,
  EventsOutcome,
  EventValidationError,
  isAuthenticMailgunWebhook,
  mailgunToProviderEvent,
  MailgunWebhook,
  parseMailgunWebhook,
  parseProviderEvents,
  ProviderEvent,
} from '@app/subscriptions';
import { EventsOutcomeDto, MailgunEventsOutcomeDto, MailgunWebhookDto, ProviderEventDto } from './dto/webhook-docs.dto';
import { WebhookSignatureGuard } from './webhook-signature.guard';

/** Provider feedback: bounces, complaints, deliveries (API.md: POST /webhooks/events). */
@ApiTags('webhooks')
@ApiExtraModels(ProviderEventDto)
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly events: EmailEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('events')
  @HttpCode(200)
  @UseGuards(WebhookSignatureGuard)
  @ApiConsumes('application/json', 'text/plain')
  @ApiHeader({
    name: 'X-Dispatch-Signature',
    required: true,
    description: 'sha256=<hex HMAC-SHA256(raw body, WEBHOOK_SECRET)>',
  })
  @ApiBody({
    description: 'one event, or an array of up to 1000',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(ProviderEventDto) },
        { type: 'array', items: { $ref: getSchemaPath(ProviderEventDto) }, maxItems: 1000 },
      ],
    },
  })
  @ApiOkResponse({ type: EventsOutcomeDto })
  @ApiBadRequestResponse({ description: '{ statusCode, message, errors: [{ field, message }] }' })
  @ApiUnauthorizedResponse({ description: 'missing or wrong X-Dispatch-Signature' })
  async receive(@Body() body: unknown): Promise<EventsOutcome> {
    return this.events.record(validated(() => parseProviderEvents(jsonOf(body))));
  }

  /**
   * Mailgun's own webhook format, signed with its webhook signing key (documented mapping in
   * libs/subscriptions/src/events/mailgun-event.ts). Enabled by MAILGUN_WEBHOOK_SIGNING_KEY.
   */
  @Post('mailgun')
  @HttpCode(200)
  @ApiBody({ type: MailgunWebhookDto })
  @ApiOkResponse({ type: MailgunEventsOutcomeDto })
  @ApiBadRequestResponse({ description: '{ statusCode, message, errors: [{ field, message }] }' })
  @ApiUnauthorizedResponse({ description: 'missing, invalid or stale Mailgun signature' })
  @ApiNotFoundResponse({ description: 'MAILGUN_WEBHOOK_SIGNING_KEY is not set' })
  async receiveMailgun(@Body() body: unknown): Promise<EventsOutcome & { ignored: number }> {
    const key = this.config.mailgunWebhookSigningKey;
    if (!key) throw new NotFoundException('Mailgun webhooks are not enabled (MAILGUN_WEBHOOK_SIGNING_KEY)');
    const webhook: MailgunWebhook = validated(() => parseMailgunWebhook(jsonOf(body)));
    if (!isAuthenticMailgunWebhook(webhook, key, Date.now())) {
      throw new UnauthorizedException('missing, invalid or stale Mailgun signature');
    }
    const event = mailgunToProviderEvent(webhook);
    if (!event) return { received: 1, recorded: 0, duplicates: 0, suppressed: 0, ignored: 1 };
    // The mapped event meets the same rules as a neutral one (address, message id, date range).
    const events = validated(() => parseProviderEvents({ ...event, at: event.at.toISOString() } as unknown));
    return { ...(await this.events.record(events)), ignored: 0 };
  }
}

/**
 * The body as JSON, parsed here after the signature check, from whatever the body parser
 * left: raw bytes, text (Amazon SNS posts JSON as text/plain) or already-parsed JSON.
 */
function jsonOf(body: unknown): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  return typeof text === 'string' ? JSON.parse(text) : text;
}

/** Runs a parser; any failure is the sender's: 400 naming the fields. */
function validated<T extends ProviderEvent[] | MailgunWebhook>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const errors =
      err instanceof EventValidationError
        ? err.errors
        : [{ field: 'body', message: err instanceof SyntaxError ? 'malformed JSON' : (err as Error).message }];
    throw new BadRequestException({
      statusCode: 400,
      message: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    });
  }
}
