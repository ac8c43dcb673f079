import { killAllChildren } from './children';
import { cleanupAllEnvs } from './private-env';

let cleaning = false;

async function cleanupAndExit(code: number): Promise<void> {
  if (cleaning) return;
  cleaning = true;
  killAllChildren();
  await cleanupAllEnvs();
  process.exit(code);
}

/**
 * Runs a bench script's main: whatever happens (error, Ctrl-C, SIGTERM), no child process,
 * private database or Redis key is left behind, and the exit code says whether it failed.
 */
export function runBenchScript(name: string, main: () => Promise<void>): void {
  process.on('SIGINT', () => void cleanupAndExit(130));
  process.on('SIGTERM', () => void cleanupAndExit(143));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`${name}: ${err.stack ?? err}\n`);
    void cleanupAndExit(1);
  });
  main()
    .catch((err: Error) => {
      process.stderr.write(`${name}: ${err.stack ?? err}\n`);
      process.exitCode = 1;
    })
    .finally(() => cleanupAndExit(Number(process.exitCode ?? 0)));
}
