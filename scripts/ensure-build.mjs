// Builds when dist/ is missing or older than any source file, so `npm start` and the CLI
// work straight after `npm install` without a stale build.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const marker = 'dist/apps/api/src/main.js';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const stale = !existsSync(marker) || Math.max(newestMtime('apps'), newestMtime('libs')) > statSync(marker).mtimeMs;
if (stale) {
  process.stdout.write('[build] compiling apps and libs...\n');
  execSync('npm run build --silent', { stdio: 'inherit' });
}
