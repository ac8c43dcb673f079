const started = Date.now();

/** Progress lines go to stderr, so stdout carries only the table (and can be piped). */
export function log(message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${t}s] ${message}\n`);
}
