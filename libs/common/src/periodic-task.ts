/**
 * Upkeep run on demand and every `intervalMs` once started, never twice at once: a tick
 * that finds the previous run still going is skipped. The timer does not keep the process
 * alive; stop() clears it and waits for a run in progress. A failed run goes to `onError`
 * (the next tick is the retry), never to an unhandled rejection.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Runs now, or waits for the run already going. */
  runNow(): Promise<void> {
    this.running ??= this.work()
      .then(
        () => undefined,
        (err: Error) => {
          this.onError(err);
        },
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  start(intervalMs: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.runNow(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
