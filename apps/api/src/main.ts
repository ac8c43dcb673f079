import 'reflect-metadata';
import cluster from 'node:cluster';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, silenceConfigWarnings } from '@app/config';
import { AppModule } from './app.module';
import { runApiCluster } from './cluster/api-cluster';
import { configureApp } from './configure-app';
import { ApiExpressAdapter } from './http-platform';

async function bootstrap(): Promise<void> {
  // Body parsers are configured per route group in configureApp (small limits, 50 MB for imports).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, new ApiExpressAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  const config = configureApp(app);
  await app.listen(config.port);
  process.stdout.write(`Dispatch API listening on ${config.publicBaseUrl} (port ${config.port})\n`);
}

function main(): void {
  if (cluster.isPrimary) {
    const processes = apiProcessesOf();
    if (processes > 1) {
      process.stdout.write(`Dispatch API: starting ${processes} processes on one port\n`);
      return runApiCluster(processes, (line) => process.stderr.write(`${line}\n`));
    }
  } else {
    // The primary has printed the configuration's warnings, once for all its processes.
    silenceConfigWarnings();
  }
  bootstrap().catch((err: unknown) => {
    process.stderr.write(`API failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

/** API_PROCESSES; prints the configuration's warnings. Errors are reported by the API process itself. */
function apiProcessesOf(): number {
  try {
    return loadConfig(process.env).apiProcesses;
  } catch {
    return 1;
  }
}

main();
