/**
 * Admits work by weight, in arrival order: at most `capacity` in all at once. A piece heavier
 * than the capacity is admitted alone (its weight counts as the whole capacity), never refused.
 */
export class WeightedSemaphore {
  private used = 0;
  private readonly waiting: Array<{ weight: number; admit: () => void }> = [];

  constructor(private readonly capacity: number) {}

  /** Waits until `weight` fits, then returns the function that gives it back (once). */
  async acquire(weight: number): Promise<() => void> {
    const held = Math.min(Math.max(0, weight), this.capacity);
    if (this.waiting.length === 0 && this.used + held <= this.capacity) this.used += held;
    else await new Promise<void>((admit) => this.waiting.push({ weight: held, admit }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= held;
      this.admitWaiting();
    };
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0].weight <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.weight;
      next.admit();
    }
  }
}
