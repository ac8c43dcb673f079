import type { QueuedDelivery, Sendability } from './delivery.repository';

export interface LookaheadOptions {
  /** Rows checked together: the row asked for and the ones after it. */
  window: number;
  /** A check taken longer ago than this is taken again when its row's turn comes. */
  maxAgeMs: number;
  now?: () => number;
}

interface TakenCheck {
  at: number;
  result: Promise<Sendability>;
}

/**
 * The send-time checks of one batch, taken a few messages ahead. Asked for a row's
 * check, it also asks for the next rows' (up to `window` in all) in the same turn of the
 * event loop, so the repository answers them with one statement instead of one per few
 * messages (at full speed a statement per `window` messages instead of one per four).
 * A check is never used once older than `maxAgeMs` (a slow or rate-limited send takes
 * it again), so an unsubscribe stops every message that starts more than that after it
 * is committed.
 */
export class SendabilityLookahead {
  private readonly taken = new Map<number, TakenCheck>();
  private readonly now: () => number;

  constructor(
    private readonly rows: QueuedDelivery[],
    private readonly checkRow: (row: QueuedDelivery & { email: string }) => Promise<Sendability>,
    private readonly options: LookaheadOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The check of `rows[index]` (a row with an address): one taken ahead if still fresh, else taken now with the next rows'. */
  check(index: number): Promise<Sendability> {
    const now = this.now();
    const ahead = this.taken.get(index);
    this.taken.delete(index);
    if (ahead && this.isFresh(ahead, now)) return ahead.result;
    const own = this.take(index);
    let count = 1;
    for (let next = index + 1; next < this.rows.length && count < this.options.window; next++) {
      if (this.rows[next].email === null) continue;
      const known = this.taken.get(next);
      if (known && this.isFresh(known, now)) continue;
      const result = this.take(next);
      // Its row may never ask (a crashed batch): a failed statement must not be an unhandled rejection.
      result.catch(() => undefined);
      this.taken.set(next, { at: now, result });
      count++;
    }
    return own;
  }

  private take(index: number): Promise<Sendability> {
    const row = this.rows[index];
    if (row.email === null) throw new Error(`delivery ${row.id} has no address to check`);
    return this.checkRow(row as QueuedDelivery & { email: string });
  }

  private isFresh(check: TakenCheck, now: number): boolean {
    return now - check.at <= this.options.maxAgeMs;
  }
}
