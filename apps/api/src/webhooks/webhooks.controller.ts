import { BadRequestException, Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { EmailEventsService, EventsOutcome, EventValidationError, parseProviderEvents } from '@app/subscriptions';
import { WebhookSignatureGuard } from './webhook-signature.guard';

/** Provider feedback: bounces, complaints, deliveries (API.md: POST /webhooks/events). */
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly events: EmailEventsService) {}

  @Post('events')
  @HttpCode(200)
  @UseGuards(WebhookSignatureGuard)
  async receive(@Body() body: unknown): Promise<EventsOutcome> {
    return this.events.record(parseBody(body));
  }
}

function parseBody(body: unknown) {
  try {
    // Parsed here, after the signature check, from whatever the body parser left: raw bytes,
    // text (Amazon SNS posts JSON as text/plain) or already-parsed JSON.
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    return parseProviderEvents(typeof text === 'string' ? JSON.parse(text) : text);
  } catch (err) {
    const errors =
      err instanceof EventValidationError ? err.errors : [{ field: 'body', message: 'must be a JSON event or array' }];
    throw new BadRequestException({
      statusCode: 400,
      message: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
      errors,
    });
  }
}
