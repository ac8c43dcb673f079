import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, Equals, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { isValidReaderEmail, MAX_NAME_LENGTH, plainTextProblem } from '@app/subscriptions';
import { IsPlainText, IsReaderEmail, ToArray, Trim } from './reader-validators';

const MAX_NEWSLETTERS = 50;
const MAX_SLUG_LENGTH = 64;
const MAX_SOURCE_LENGTH = 100;

/** `true` from JSON, "on" from a ticked checkbox. */
const isConsent = (value: unknown) => value === true || value === 'on' || value === 'true';
const toConsent = ({ value }: { value: unknown }) => isConsent(value);

/** POST /subscriptions (JSON or form). */
export class SubscribeDto {
  @ApiProperty({ example: 'reader@example.com' })
  @Trim()
  @IsReaderEmail()
  email: string;

  @ApiPropertyOptional({ example: 'Jane Doe', maxLength: MAX_NAME_LENGTH })
  @IsOptional()
  @IsPlainText(MAX_NAME_LENGTH)
  name?: string;

  @ApiProperty({
    type: [String],
    example: ['morning-briefing'],
    description: 'newsletter slugs (a single string is accepted)',
  })
  @ToArray()
  @IsArray()
  @ArrayNotEmpty({ message: 'choose at least one newsletter' })
  @ArrayMaxSize(MAX_NEWSLETTERS)
  @IsString({ each: true })
  @MaxLength(MAX_SLUG_LENGTH, { each: true })
  @IsPlainText(MAX_SLUG_LENGTH, { each: true })
  newsletters: string[];

  @ApiProperty({
    example: true,
    description: 'must be true (or "on" from a checkbox): the reader agreed to the consent text',
  })
  @Transform(toConsent)
  @Equals(true, { message: 'tick the box to agree to receive the newsletters' })
  consent: boolean;

  @ApiPropertyOptional({ example: 'article-footer', description: 'where the form was, recorded in the consent ledger' })
  @IsOptional()
  @IsString()
  @IsPlainText(MAX_SOURCE_LENGTH)
  source?: string;
}

/**
 * The DTO of a body that certainly passes SubscribeDto's rules, built without
 * class-transformer and class-validator, which cost about a tenth of a sign-up's CPU; null
 * whenever in doubt, and the caller validates with the decorators above, which also word
 * the errors. It accepts only what they accept, with the same value (subscribe.dto.spec.ts
 * checks this against them on generated bodies): keep the two in step.
 */
export function clearlyValidSubscribe(body: Record<string, unknown>): SubscribeDto | null {
  const { email, name, newsletters, consent, source } = body;
  if (typeof email !== 'string' || !isValidReaderEmail(email) || !isConsent(consent)) return null;
  if (!isOptionalText(name, MAX_NAME_LENGTH) || !isOptionalText(source, MAX_SOURCE_LENGTH)) return null;
  const list = typeof newsletters === 'string' && newsletters !== '' ? [newsletters] : newsletters;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_NEWSLETTERS) return null;
  if (!list.every((slug) => typeof slug === 'string' && plainTextProblem(slug, MAX_SLUG_LENGTH) === null)) return null;
  const dto = new SubscribeDto();
  dto.email = email.trim();
  if (name !== undefined) dto.name = name as string | undefined;
  dto.newsletters = list as string[];
  dto.consent = true;
  if (source !== undefined) dto.source = source as string | undefined;
  return dto;
}

/** Absent, null, or single-line text of at most `max` characters (IsOptional + IsPlainText). */
function isOptionalText(value: unknown, max: number): boolean {
  return value === undefined || value === null || (typeof value === 'string' && plainTextProblem(value, max) === null);
}
