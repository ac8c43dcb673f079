import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString } from 'class-validator';
import { IsPlainText, ToArray } from './reader-validators';

/** POST /confirm. */
export class ConfirmDto {
  @ApiProperty({ description: 'the token from the confirmation link' })
  @IsString({ message: 'the confirmation link is incomplete' })
  token: string;
}

/** POST /unsubscribe?token= from the page's form (RFC 8058 one-click posts need no body but its key/value). */
export class UnsubscribeFormDto {
  @ApiProperty({ enum: ['newsletter', 'all'] })
  @IsIn(['newsletter', 'all'], { message: 'choose what to unsubscribe from' })
  scope: 'newsletter' | 'all';
}

/** POST /preferences. */
export class PreferencesDto {
  @ApiProperty({ description: 'the token from the preferences link' })
  @IsString({ message: 'the preferences link is incomplete' })
  token: string;

  @ApiPropertyOptional({ type: [String], description: 'slugs of the newsletters to receive; none means none' })
  @ToArray()
  @IsString({ each: true })
  @IsPlainText(64, { each: true })
  @IsOptional()
  newsletters: string[] = [];
}
