import { MESSAGES_PER_CONNECTION, SendThrottle } from './send-throttle';

describe('SendThrottle', () => {
  it('never lets more than two sends per SMTP connection (SEND_CONCURRENCY) run at once', async () => {
    const throttle = new SendThrottle({ sendConcurrency: 3, sendRatePerSecond: 0 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await throttle.acquire();
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setImmediate(r));
        running--;
        release();
      }),
    );
    expect(peak).toBe(3 * MESSAGES_PER_CONNECTION);
    expect(throttle.capacity).toBe(peak);
  });

  it('frees a slot once even if released twice', async () => {
    const throttle = new SendThrottle({ sendConcurrency: 1, sendRatePerSecond: 0 });
    const release = await throttle.acquire();
    release();
    release();
    const a = await throttle.acquire();
    const held = await Promise.all(Array.from({ length: MESSAGES_PER_CONNECTION - 1 }, () => throttle.acquire()));
    let secondGot = false;
    const b = throttle.acquire().then((r) => {
      secondGot = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    expect(secondGot).toBe(false);
    a();
    (await b)();
    held.forEach((r) => r());
  });
});
