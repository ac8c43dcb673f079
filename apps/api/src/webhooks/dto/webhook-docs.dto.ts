import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/*
 * Shapes for the OpenAPI document only: the bodies are parsed and validated after the
 * signature check, by the zod schemas in libs/subscriptions/src/events.
 */

/** One provider-neutral delivery event (POST /webhooks/events takes one or an array of up to 1000). */
export class ProviderEventDto {
  @ApiProperty({ enum: ['hard_bounce', 'soft_bounce', 'complaint', 'delivered'] })
  type: string;

  @ApiProperty({ description: 'the recipient address', example: 'reader@example.com' })
  email: string;

  @ApiPropertyOptional({ description: 'the Message-ID we sent, with or without angle brackets', nullable: true })
  messageId?: string | null;

  @ApiProperty({
    description: 'when it happened: ISO 8601 date-time or epoch milliseconds, between 2000 and 2100',
    example: '2026-11-27T08:00:00Z',
  })
  at: string;

  @ApiPropertyOptional({ description: "the provider's explanation (SMTP reply, complaint type)", nullable: true })
  reason?: string | null;
}

export class EventsOutcomeDto {
  @ApiProperty() received: number;
  @ApiProperty({ description: 'new events stored' }) recorded: number;
  @ApiProperty({ description: 'replays of events already stored' }) duplicates: number;
  @ApiProperty({ description: 'addresses newly put on the suppression list' }) suppressed: number;
}

export class MailgunEventsOutcomeDto extends EventsOutcomeDto {
  @ApiProperty({ description: '1 when the Mailgun event is one Dispatch does not act on (opened, clicked...)' })
  ignored: number;
}

class MailgunSignatureDto {
  @ApiProperty({ description: 'epoch seconds; refused when more than 15 minutes off' }) timestamp: string;
  @ApiProperty() token: string;
  @ApiProperty({ description: 'hex HMAC-SHA256(MAILGUN_WEBHOOK_SIGNING_KEY, timestamp + token)' }) signature: string;
}

class MailgunEventDataDto {
  @ApiProperty({ description: 'failed (severity permanent|temporary), complained, delivered; others are ignored' })
  event: string;
  @ApiPropertyOptional() severity?: string;
  @ApiProperty() recipient: string;
  @ApiProperty({ description: 'epoch seconds' }) timestamp: number;
  @ApiPropertyOptional({ description: "{ headers: { 'message-id': ... } }" }) message?: object;
  @ApiPropertyOptional({ description: '{ code, message, description }' }) 'delivery-status'?: object;
}

/** Mailgun's webhook body (its own format, signed with its webhook signing key). */
export class MailgunWebhookDto {
  @ApiProperty({ type: MailgunSignatureDto }) signature: MailgunSignatureDto;
  @ApiProperty({ type: MailgunEventDataDto }) 'event-data': MailgunEventDataDto;
}
