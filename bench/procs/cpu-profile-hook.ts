/**
 * Preloaded (-r) into a built app process when the bench runs with --profile. Nest re-raises
 * SIGTERM after its shutdown hooks, so `node --cpu-prof` would never write its file; this hook
 * profiles through node:inspector instead, between the bench's `profile:start` and
 * `profile:stop` IPC messages, so boot time stays out of the profile.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR ?? '.';
const session = new Session();
session.connect();

function reply(type: string, body: object): void {
  process.send!({ type: `${type}:reply`, ...body });
}

process.on('message', (msg: { type?: string }) => {
  if (msg?.type === 'profile:start') {
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 500 }, () =>
        session.post('Profiler.start', (err) => reply('profile:start', err ? { error: err.message } : {})),
      ),
    );
  }
  if (msg?.type === 'profile:stop') {
    session.post('Profiler.stop', (err, result) => {
      if (err) return reply('profile:stop', { error: err.message });
      const file = join(dir, `${process.env.BENCH_PROFILE_NAME ?? 'process'}-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      reply('profile:stop', { file });
    });
  }
});
