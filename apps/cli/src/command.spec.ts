import { createProgress, ProgressStream } from './command';

class Captured implements ProgressStream {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

describe('createProgress', () => {
  it('prints plain lines off a TTY, throttled, and always the final figure', () => {
    const out = new Captured(false);
    const progress = createProgress('importing', 1000, out);
    for (let n = 1; n <= 1000; n += 1) progress.update(n);
    progress.done();
    const lines = out.text.trim().split('\n');
    expect(lines[0]).toBe('importing: 1/1000 (0%)');
    expect(lines[lines.length - 1]).toBe('importing: 1000/1000 (100%)');
    expect(lines.length).toBeLessThan(10);
    expect(out.text).not.toContain('\r');
  });

  it('rewrites one counter line on a TTY when the total is unknown', () => {
    const out = new Captured(true);
    const progress = createProgress('sending', undefined, out);
    progress.update(5);
    progress.update(6);
    progress.done();
    expect(out.text).toBe('\rsending: 5\rsending: 6\n');
  });
});
