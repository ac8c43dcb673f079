import { Presets, SingleBar } from 'cli-progress';
import type { INestApplicationContext } from '@nestjs/common';

/** One operator command: `npm run cli -- <name> [args]`. */
export interface CliCommand {
  name: string;
  usage: string;
  description: string;
  /** Returns the process exit code. */
  run(app: INestApplicationContext, args: string[]): Promise<number>;
}

/** Where progress goes: stdout in commands; a test passes its own stream. */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

export interface ProgressPrinter {
  update(done: number): void;
  done(): void;
}

/** Progress for long commands: a live bar (or counter, without a total) on a TTY, plain lines otherwise. */
export function progressPrinter(label: string, total?: number): ProgressPrinter {
  return createProgress(label, total, process.stdout);
}

/** Log files and CI capture one line per interval, not a line per row. */
const PLAIN_LINE_INTERVAL_MS = 1000;

export function createProgress(label: string, total: number | undefined, out: ProgressStream): ProgressPrinter {
  const hasTotal = total !== undefined && total > 0;
  const text = (n: number) => `${label}: ${n}${hasTotal ? `/${total} (${Math.floor((n / total) * 100)}%)` : ''}`;
  if (out.isTTY && hasTotal) return barProgress(label, total, out as NodeJS.WriteStream);
  if (out.isTTY) {
    return {
      update: (n) => void out.write(`\r${text(n)}`),
      done: () => void out.write('\n'),
    };
  }
  let lastLineAt = 0;
  let last: number | undefined;
  let lastPrinted: number | undefined;
  return {
    update(n) {
      last = n;
      if (Date.now() - lastLineAt < PLAIN_LINE_INTERVAL_MS) return;
      lastLineAt = Date.now();
      lastPrinted = n;
      out.write(`${text(n)}\n`);
    },
    done() {
      // The final figure always reaches the log, even when it came within the interval.
      if (last !== undefined && last !== lastPrinted) out.write(`${text(last)}\n`);
    },
  };
}

function barProgress(label: string, total: number, stream: NodeJS.WriteStream): ProgressPrinter {
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta_formatted}`, stream, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (n) => bar.update(n),
    done: () => bar.stop(),
  };
}
