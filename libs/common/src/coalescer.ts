interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for round trips: requests that arrive together share one call of
 * `runBatch`. The first request waits for the end of the current turn of the event
 * loop; requests arriving while a batch is running wait for it and go in the next
 * one (at most `maxBatch` items each). Under load the batches grow by themselves;
 * alone, a request pays one turn of the event loop. Each caller gets its own result,
 * or the batch's error.
 */
export class Coalescer<I, O> {
  private waiting: Array<Waiting<I, O>> = [];
  private scheduled = false;
  private running = false;

  /** `runBatch` answers one result per item, in the order of the items. */
  constructor(
    private readonly runBatch: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.waiting.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0, this.maxBatch);
    this.running = true;
    try {
      const results = await this.runBatch(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
