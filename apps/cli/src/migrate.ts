import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { migrate } from '@app/database';

/** `npm run migrate`: create the database if missing, apply pending migrations. */
async function main(): Promise<void> {
  const config = loadConfig();
  await migrate(config.databaseUrl, (msg) => process.stdout.write(`[migrate] ${msg}\n`));
  process.stdout.write('[migrate] database is up to date\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`[migrate] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
