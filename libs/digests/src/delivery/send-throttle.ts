import { Inject, Injectable } from '@nestjs/common';
import { WeightedSemaphore } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { sendInterval } from './send-rate';
import type { LookaheadOptions } from './sendability-lookahead';

/**
 * Each SMTP connection carries one message while the next one is checked and the last
 * one marked: without that second message a connection idles for two database round
 * trips per message (measured: about a quarter fewer messages per second with one worker).
 */
export const MESSAGES_PER_CONNECTION = 2;

/** How far ahead of its message a send-time check may be taken (see SendabilityLookahead). */
export const CHECK_LOOKAHEAD_MS = 100;
/** A check is taken again when its message has not started this long after it. */
export const CHECK_MAX_AGE_MS = 250;
/** Checks taken in one statement at most: at 1,000 messages a second, about 30 ms of sending. */
export const MAX_CHECK_WINDOW = 32;

/**
 * Per-process limits on sending: at most MESSAGES_PER_CONNECTION × SEND_CONCURRENCY
 * messages in flight (a slot is held from the send-time check until the delivery row is
 * marked, so a crash can duplicate at most that many), and message starts spaced by
 * 1/SEND_RATE_PER_SECOND.
 */
@Injectable()
export class SendThrottle {
  /** Messages in flight at most. */
  readonly capacity: number;
  private readonly slots: WeightedSemaphore;
  private readonly intervalMs: number;
  private nextStart = 0;

  constructor(@Inject(APP_CONFIG) config: Pick<AppConfig, 'sendConcurrency' | 'sendRatePerSecond'>) {
    this.capacity = MESSAGES_PER_CONNECTION * Math.max(1, config.sendConcurrency);
    this.slots = new WeightedSemaphore(this.capacity);
    this.intervalMs = sendInterval(config.sendRatePerSecond);
  }

  /**
   * How many send-time checks to take together: at a paced rate, the messages that start
   * within CHECK_LOOKAHEAD_MS; unpaced, MAX_CHECK_WINDOW.
   */
  checkLookahead(): LookaheadOptions {
    const window =
      this.intervalMs > 0
        ? Math.min(MAX_CHECK_WINDOW, Math.max(1, Math.floor(CHECK_LOOKAHEAD_MS / this.intervalMs)))
        : MAX_CHECK_WINDOW;
    return { window, maxAgeMs: CHECK_MAX_AGE_MS };
  }

  /** Waits for a free slot (and the pacing), then returns the function that frees it. */
  async acquire(): Promise<() => void> {
    const release = await this.slots.acquire(1);
    await this.pace();
    return release;
  }

  private async pace(): Promise<void> {
    if (this.intervalMs <= 0) return;
    const now = Date.now();
    const start = Math.max(now, this.nextStart);
    this.nextStart = start + this.intervalMs;
    if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
  }
}
