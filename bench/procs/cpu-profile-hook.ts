/**
 * Preloaded (-r) into a built app process when the bench runs with --profile. Nest re-raises
 * SIGTERM after its shutdown hooks, so `node --cpu-prof` would never write its file; this hook
 * profiles through node:inspector instead and writes the profile when the bench asks over IPC.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR ?? '.';
const session = new Session();
session.connect();
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.enable', () => session.post('Profiler.start'));

process.on('message', (msg: { type?: string }) => {
  if (msg?.type !== 'profile:stop') return;
  session.post('Profiler.stop', (err, result) => {
    if (err) return process.send!({ type: 'profile:stop:reply', error: err.message });
    const file = join(dir, `${process.env.BENCH_PROFILE_NAME ?? 'process'}-${process.pid}.cpuprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
    process.send!({ type: 'profile:stop:reply', file });
  });
});
