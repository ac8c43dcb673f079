// `npm start`: build if needed, create the database and migrate, seed demo data,
// then run one API and one worker until Ctrl-C.
import { execSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
run('node scripts/ensure-build.mjs');
run('node dist/apps/cli/src/migrate.js');
run('node dist/apps/cli/src/main.js seed');

// Each app with the node flags of its `npm run start:<app>` script (the worker's heap sizing).
const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts;
const nodeFlags = (app) => scripts[`start:${app}`].split(/\s+/).filter((arg) => arg.startsWith('--'));
const children = ['api', 'worker'].map((app) =>
  spawn(process.execPath, [...nodeFlags(app), `dist/apps/${app}/src/main.js`], { stdio: 'inherit', env: process.env }),
);
const stop = (signal) => children.forEach((c) => c.exitCode === null && c.kill(signal));
process.on('SIGINT', () => stop('SIGTERM'));
process.on('SIGTERM', () => stop('SIGTERM'));
for (const child of children) {
  child.on('exit', (code) => {
    if (code && code !== 0) {
      process.stderr.write(`a Dispatch process exited with code ${code}; stopping\n`);
      stop('SIGTERM');
      process.exitCode = code;
    }
  });
}
const base = process.env.PUBLIC_BASE_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
process.stdout.write(`\nDispatch is starting: subscribe page ${base}/ , operator dashboard ${base}/admin\n\n`);
