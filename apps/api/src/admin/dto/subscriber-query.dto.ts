import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { IsPlainText } from '../../readers/dto/reader-validators';

export class SubscriberQueryDto {
  @ApiProperty({ example: 'reader@example.com' })
  @IsString({ message: 'email is required' })
  @MinLength(3, { message: 'email is required' })
  @MaxLength(320)
  @IsPlainText(320)
  email: string;
}
