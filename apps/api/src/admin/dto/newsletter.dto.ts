import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';
import {
  isValidCron,
  isValidTimeZone,
  MAX_ARTICLES_LIMIT,
  MAX_SLUG_LENGTH,
  MAX_TOPICS,
  SLUG_PATTERN,
} from '@app/subscriptions';
import { IsPlainText } from '../../readers/dto/reader-validators';

const IsTimeZoneName = () =>
  ValidateBy({
    name: 'isTimeZoneName',
    validator: {
      validate: (v) => isValidTimeZone(v),
      defaultMessage: () => 'timezone must be an IANA time zone, e.g. Europe/London',
    },
  });

/** Multi-line text may hold line breaks, but never NUL (PostgreSQL text refuses it). */
const HasNoNul = () =>
  ValidateBy({
    name: 'hasNoNul',
    validator: {
      validate: (v) => typeof v === 'string' && !v.includes('\0'),
      defaultMessage: () => 'must not contain NUL characters',
    },
  });

/** Checked in the newsletter's own zone (or UTC), as the scheduler will run it. */
const IsCronSchedule = () =>
  ValidateBy({
    name: 'isCronSchedule',
    validator: {
      validate: (v, args?: ValidationArguments) => {
        const tz = (args?.object as { timezone?: unknown }).timezone;
        return isValidCron(v, isValidTimeZone(tz) ? tz : 'UTC');
      },
      defaultMessage: () => 'schedule must be a cron expression with 5 or 6 fields, e.g. "0 7 * * *"',
    },
  });

export class CreateNewsletterDto {
  @ApiProperty({ example: 'morning-briefing', description: 'lower-case words joined by hyphens; used in URLs' })
  @IsString()
  @MaxLength(MAX_SLUG_LENGTH)
  @Matches(SLUG_PATTERN, { message: 'slug must be lower-case letters and digits joined by single hyphens' })
  slug: string;

  @ApiProperty({ example: 'Morning Briefing' })
  @IsString()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @MinLength(1, { message: 'name must not be empty' })
  @IsPlainText(200)
  name: string;

  @ApiPropertyOptional({ example: 'The day’s essential news before 7am.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @HasNoNul()
  description?: string;

  @ApiProperty({ type: [String], example: ['politics', 'world'] })
  @IsArray()
  @ArrayMaxSize(MAX_TOPICS)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @IsPlainText(64, { each: true })
  topics: string[];

  @ApiPropertyOptional({ example: '0 7 * * *', nullable: true, description: 'cron; null or absent: on demand only' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsCronSchedule()
  schedule?: string | null;

  @ApiPropertyOptional({ example: 'Europe/London', default: 'UTC' })
  @IsOptional()
  @IsTimeZoneName()
  timezone?: string;

  @ApiPropertyOptional({ example: 8, minimum: 1, maximum: MAX_ARTICLES_LIMIT, default: 10 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_ARTICLES_LIMIT)
  maxArticles?: number;

  @ApiPropertyOptional({
    default: true,
    description: 'inactive newsletters are hidden from sign-up forms and not sent',
  })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateNewsletterDto extends PartialType(CreateNewsletterDto) {}
