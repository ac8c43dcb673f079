import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { getOnNewConnection as get, startApiProcess } from '../helpers/api-process';
import { createTestEnv, TestEnv, waitFor } from '../helpers/test-env';
import { freePort } from '../helpers/private-services';
import { parseExposition } from './prometheus-exposition';

/** The API as several processes; `processes()` lists those the primary forked (Linux: /proc). */
function startApi(port: number, processes: number, env: Record<string, string> = {}) {
  const api = startApiProcess(port, { API_PROCESSES: String(processes), ...env });
  const pid = api.child.pid!;
  return {
    ...api,
    processes: (): number[] =>
      readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the API as several processes on one port (API_PROCESSES)', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await createTestEnv('ops_api_cluster');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('serves from every process, reports their metrics summed, replaces dead ones (slower in a crash loop) and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Without ADMIN_TOKEN the configuration warns: once for the whole API, not once per process.
    const api = startApi(port, 2, { ADMIN_TOKEN: '' });
    try {
      await api.waitUntilLive(90_000);
      await waitFor(() => api.output().match(/listening on/g)?.length === 2, 60_000, 'both processes to listen');
      expect(api.output().match(/warning: ADMIN_TOKEN is not set/g)).toHaveLength(1);
      const [first, second] = api.processes();
      expect(second).toBeDefined();

      for (let i = 0; i < 20; i++) expect((await get(`${base}/privacy`)).status).toBe(200);
      // Each process counted only the requests it served; the scrape answer must hold all 20.
      const privacyCount = async () => {
        const families = parseExposition((await get(`${base}/metrics`)).body);
        const histogram = families.get('http_request_duration_seconds')!;
        return histogram.histograms.find((h) => h.labels.route === '/privacy' && h.labels.status === '200')?.count;
      };
      expect(await privacyCount()).toBe(20);
      expect(await privacyCount()).toBe(20);

      process.kill(first, 'SIGKILL');
      const replaced = await waitFor(
        () => {
          const now = api.processes();
          return now.length === 2 && !now.includes(first) ? now : null;
        },
        60_000,
        'a new API process in place of the killed one',
      );
      expect(replaced).toContain(second);
      expect(api.output()).toContain(`API process ${first} exited (signal SIGKILL): starting a new one in 1 s`);
      await waitFor(() => api.output().match(/listening on/g)?.length === 3, 60_000, 'the new process to listen');
      for (let i = 0; i < 4; i++) expect((await get(`${base}/health/live`)).status).toBe(200);

      /** Kills `pid`; returns the pause the primary announced, once the `listenings`th process listens after it. */
      const killAndAwaitReplacement = async (pid: number, listenings: number): Promise<number> => {
        process.kill(pid, 'SIGKILL');
        const killedAt = Date.now();
        const announced = await waitFor(
          () =>
            new RegExp(`API process ${pid} exited \\(signal SIGKILL\\): starting a new one in (\\d+) s`).exec(
              api.output(),
            ),
          60_000,
          `the primary to announce the replacement of ${pid}`,
        );
        await waitFor(
          () => api.output().match(/listening on/g)?.length === listenings,
          60_000,
          'the next process to listen',
        );
        const pauseMs = Number(announced![1]) * 1000;
        expect(Date.now() - killedAt).toBeGreaterThanOrEqual(pauseMs);
        return pauseMs;
      };

      // Replacements that die young are a crash loop: each next one waits twice as long as the last.
      const [youngOne] = replaced!.filter((pid) => pid !== second);
      const firstPause = await killAndAwaitReplacement(youngOne, 4);
      const youngTwo = api.processes().find((pid) => pid !== second)!;
      const secondPause = await killAndAwaitReplacement(youngTwo, 5);
      expect(secondPause).toBe(firstPause * 2);

      const lastProcesses = api.processes();
      api.child.kill('SIGTERM');
      expect(await api.exited).toEqual({ code: 0, signal: null });
      expect([...replaced!, ...lastProcesses].filter(alive)).toEqual([]);
    } finally {
      api.ensureStopped();
    }
  }, 240_000);

  it('stops with exit code 1 when its processes cannot start (the port is taken)', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, resolve));
    const api = startApi(port, 2);
    try {
      expect(await api.exited).toEqual({ code: 1, signal: null });
      expect(api.output()).toMatch(/exited \(code 1\) before it listened: stopping the API/);
    } finally {
      api.ensureStopped();
      squatter.close();
    }
  }, 120_000);
});
