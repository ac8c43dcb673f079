import { Controller, Get, HttpCode, HttpException, NotFoundException, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  ImportFormat,
  ImportFormatError,
  ImportResult,
  ImportTooLargeError,
  SubscriberImportService,
  SubscriberRecord,
  SubscriberRecords,
} from '@app/subscriptions';
import { AdminOnly } from '../common/admin-auth.guard';
import { SubscriberQueryDto } from './dto/subscriber-query.dto';

/** The only route with a large body; configureApp leaves its stream unparsed. */
export const IMPORT_MAX_BYTES = 50 * 1024 * 1024;

@ApiTags('admin')
@AdminOnly()
@Controller('admin/subscribers')
export class SubscribersController {
  constructor(
    private readonly records: SubscriberRecords,
    private readonly importer: SubscriberImportService,
  ) {}

  /** The reader, their subscriptions with states, and their consent history. */
  @Get()
  async find(@Query() query: SubscriberQueryDto): Promise<SubscriberRecord> {
    const record = await this.records.findByEmail(query.email);
    if (!record) throw new NotFoundException('no subscriber with this email address');
    return record;
  }

  /**
   * Readers who consented elsewhere: a JSON array of rows, or CSV with a header
   * line (Content-Type: text/csv). Streamed; valid rows are imported even when
   * others are refused (listed with their line).
   */
  @Post('import')
  @HttpCode(200)
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({
    description:
      'rows { email, name?, newsletters: string[] (CSV: separated by ; or |), consentedAt: ISO 8601, consentSource }',
  })
  async import(@Req() req: Request): Promise<ImportResult> {
    const format = importFormat(req);
    if (!format) throw fail(415, 'send a JSON array (application/json) or CSV with a header line (text/csv)');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > IMPORT_MAX_BYTES) {
      req.resume(); // let the client finish sending; the answer is already decided
      throw fail(413, `the upload is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`);
    }
    try {
      return await this.importer.import(req, format, IMPORT_MAX_BYTES);
    } catch (err) {
      const partial = (err as { partial?: ImportResult }).partial;
      if (err instanceof ImportTooLargeError) throw fail(413, err.message, partial);
      if (err instanceof ImportFormatError) throw fail(400, `line ${err.line}: ${err.message}`, partial);
      throw err;
    }
  }
}

function importFormat(req: Request): ImportFormat | null {
  if (req.is('text/csv')) return 'csv';
  if (req.is(['application/json', 'application/*+json'])) return 'json';
  return null;
}

/** The API's error shape, plus what was imported before the upload broke off. */
function fail(status: number, message: string, partial?: ImportResult): HttpException {
  return new HttpException({ statusCode: status, message, errors: [{ field: 'body', message }], ...partial }, status);
}
