import type { INestApplicationContext } from '@nestjs/common';

/** One operator command: `npm run cli -- <name> [args]`. */
export interface CliCommand {
  name: string;
  usage: string;
  description: string;
  /** Returns the process exit code. */
  run(app: INestApplicationContext, args: string[]): Promise<number>;
}

/** Progress for long commands: a live counter on a TTY, plain lines otherwise. */
export function progressPrinter(label: string, total?: number): { update(done: number): void; done(): void } {
  const tty = process.stdout.isTTY;
  let lastLine = 0;
  const text = (n: number) => `${label}: ${n}${total ? `/${total} (${Math.floor((n / total) * 100)}%)` : ''}`;
  return {
    update(done) {
      if (tty) process.stdout.write(`\r${text(done)}`);
      else if (Date.now() - lastLine > 1000) {
        lastLine = Date.now();
        process.stdout.write(`${text(done)}\n`);
      }
    },
    done() {
      if (tty) process.stdout.write('\n');
    },
  };
}
