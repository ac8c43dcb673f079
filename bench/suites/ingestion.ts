import { forkTs } from '../lib/children';
import { log } from '../lib/log';
import { deleteKeysUnder } from '@app/queues';
import { REDIS_URL, redisPrefixes } from '../lib/private-env';

/**
 * Runs bench/ingestion.ts (owned by the articles lib) as a child process and returns the JSON
 * object it prints on its last stdout line.
 */
export async function runIngestion(full: boolean, timeoutMs: number): Promise<Record<string, unknown>> {
  // The script drops its database but leaves its queues' keys under its own prefix: remove the new ones.
  const before = await redisPrefixes(`${INGESTION_PREFIX}*`);
  try {
    return await runScript(full, timeoutMs);
  } finally {
    for (const prefix of await redisPrefixes(`${INGESTION_PREFIX}*`)) {
      if (!before.has(prefix)) await deleteKeysUnder(REDIS_URL, prefix);
    }
  }
}

/** The QUEUE_PREFIX bench/ingestion.ts gives itself, followed by a random id. */
const INGESTION_PREFIX = 'dispatch-bench-ingestion-';

async function runScript(full: boolean, timeoutMs: number): Promise<Record<string, unknown>> {
  const child = forkTs('ingestion', 'bench/ingestion.ts', {}, full ? ['--full'] : ['--quick']);
  let stdout = '';
  child.proc.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.proc.stderr!.on('data', (c: Buffer) => {
    for (const line of c.toString().split('\n')) if (line.trim()) log(`ingestion: ${line.trim()}`);
  });
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.proc.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const last = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`bench/ingestion.ts exited with ${code}\n${child.tail()}`);
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`bench/ingestion.ts printed no JSON on its last line: ${last.slice(0, 200)}`);
  }
}
