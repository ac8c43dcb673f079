import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, Equals, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_NAME_LENGTH } from '@app/subscriptions';
import { IsPlainText, IsReaderEmail, ToArray, Trim } from './reader-validators';

/** `true` from JSON, "on" from a ticked checkbox. */
const toConsent = ({ value }: { value: unknown }) => value === true || value === 'on' || value === 'true';

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
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @IsPlainText(64, { each: true })
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
  @IsPlainText(100)
  source?: string;
}
