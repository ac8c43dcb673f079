import { forkProc, request, Started, stop } from './children';

export interface SinkStats {
  count: number;
  bytes: number;
  firstAt: number;
  lastAt: number;
}

/** Client side of bench/procs/smtp-sink.ts, which runs in its own process. */
export class Sink {
  private constructor(
    private readonly child: Started,
    readonly port: number,
  ) {}

  static async start(): Promise<Sink> {
    const child = forkProc('sink', 'bench/procs/smtp-sink.ts');
    const port = await new Promise<number>((resolve, reject) => {
      child.proc.once('message', (msg: { type: string; port: number }) => resolve(msg.port));
      child.proc.once('exit', (code) => reject(new Error(`sink exited (${code})\n${child.tail()}`)));
    });
    return new Sink(child, port);
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child.proc.pid;
  }

  stats(): Promise<SinkStats> {
    return request<SinkStats>(this.child, 'stats');
  }

  async reset(): Promise<void> {
    await request(this.child, 'reset');
  }

  async sample(): Promise<Buffer | undefined> {
    const reply = await request<{ raw: string | null }>(this.child, 'sample');
    return reply.raw === null ? undefined : Buffer.from(reply.raw, 'latin1');
  }

  /**
   * Polls until `count` messages have arrived. Fails when nothing arrives for `stallMs`
   * (a stuck pipeline), not after a fixed total, so large runs are not cut short.
   */
  async waitForCount(count: number, stallMs = 60_000, onProgress?: (s: SinkStats) => void): Promise<SinkStats> {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const s = await this.stats();
      onProgress?.(s);
      if (s.count >= count) return s;
      if (s.count !== last) {
        last = s.count;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) {
        throw new Error(`sink stalled at ${s.count}/${count} messages for ${stallMs / 1000}s`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): Promise<void> {
    return stop(this.child);
  }
}
