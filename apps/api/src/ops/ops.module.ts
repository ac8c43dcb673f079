import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PageRenderer } from '../common/page-renderer';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';
import { HealthController } from './health.controller';
import { QueueHealthIndicators } from './health.indicators';
import { HttpDrain } from './http-drain';
import { MetricsController } from './metrics.controller';
import { PrometheusMetrics } from './prometheus-metrics';
import { queueBoardModules } from './queue-board';

/** What operators use: health probes, /metrics, the dashboard, the queue board. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 }), ...queueBoardModules],
  controllers: [HealthController, MetricsController, DashboardController],
  providers: [PrometheusMetrics, QueueHealthIndicators, DashboardService, PageRenderer, HttpDrain],
  exports: [PrometheusMetrics, HttpDrain],
})
export class OpsModule {}
