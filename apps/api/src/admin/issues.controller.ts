import {
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Res,
} from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { IssueService, IssueView, NewsletterInactiveError } from '@app/digests';
import { NewsletterNotFoundError } from '@app/subscriptions';
import { AdminOnly } from '../common/admin-auth.guard';

export class CreateIssueDto {
  @ApiPropertyOptional({ description: 'Build and render only: no deliveries are created, nothing is sent.' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

class IssueCreatedDto {
  @ApiProperty({ format: 'uuid' }) id: string;
}

/** Issues for operators: build one now, follow its progress, preview it. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin')
export class IssuesAdminController {
  constructor(private readonly issues: IssueService) {}

  @Post('newsletters/:slug/issues')
  @HttpCode(202)
  @ApiResponse({ status: 202, type: IssueCreatedDto, description: 'the issue is being built (and then sent)' })
  @ApiResponse({ status: 404, description: 'unknown newsletter' })
  @ApiResponse({ status: 409, description: 'the newsletter is not active' })
  async create(@Param('slug') slug: string, @Body() dto: CreateIssueDto): Promise<IssueCreatedDto> {
    try {
      return { id: await this.issues.createNow(slug, { dryRun: dto?.dryRun === true }) };
    } catch (err) {
      if (err instanceof NewsletterNotFoundError) throw new NotFoundException(err.message);
      if (err instanceof NewsletterInactiveError) throw new ConflictException(err.message);
      throw err;
    }
  }

  @Get('issues/:id')
  @ApiResponse({ status: 200, description: 'status and counts: recipients, sent, failed, skipped' })
  async view(@Param('id', new ParseUUIDPipe()) id: string): Promise<IssueView> {
    const view = await this.issues.view(id);
    if (!view) throw new NotFoundException('no such issue');
    return view;
  }

  @Get('issues/:id/preview')
  @ApiResponse({ status: 200, description: 'the HTML a sample reader gets (links inert)' })
  async preview(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    const view = await this.issues.view(id);
    if (!view) throw new NotFoundException('no such issue');
    const html = await this.issues.preview(id);
    if (html === null) {
      throw new ConflictException(
        view.status === 'building' ? 'the issue is still being built' : `the issue has no content (${view.status})`,
      );
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  }
}
