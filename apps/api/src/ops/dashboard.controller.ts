import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/admin-auth.guard';
import { HtmlPage } from '../common/api-docs';
import { PageRenderer } from '../common/page-renderer';
import { DashboardData, DashboardService } from './dashboard.service';

const DEFAULT_REFRESH_SECONDS = 5;

/** The operator dashboard: server-rendered, then kept current by /assets/dashboard.js polling dashboard.json. */
@ApiTags('ops')
@AdminOnly()
@Controller('admin')
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly pages: PageRenderer,
  ) {}

  @Get()
  @HtmlPage('the operator dashboard, refreshed every ?refresh= seconds (1 to 60, default 5)')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async page(@Query('refresh') refresh?: string): Promise<string> {
    const data = await this.dashboard.snapshot();
    return this.pages.render(
      'dashboard',
      { ...data, refreshSeconds: refreshSeconds(refresh) },
      { title: 'Dispatch operations' },
    );
  }

  @Get('dashboard.json')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({
    description: 'Newsletters, recent issues with live counts, subscriber figures, queues, recent failures',
  })
  json(): Promise<DashboardData> {
    return this.dashboard.snapshot();
  }
}

/** How often the page polls: `?refresh=` seconds, within 1..60. */
function refreshSeconds(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 60 ? n : DEFAULT_REFRESH_SECONDS;
}
