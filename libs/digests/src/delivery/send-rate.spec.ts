import { batchSizeFor, deliveryLimiter, parallelBatches, sendInterval } from './send-rate';

describe('send rate settings', () => {
  it('uses full batches and no limiter when the rate is unlimited', () => {
    expect(batchSizeFor(0)).toBe(200);
    expect(deliveryLimiter(0)).toBeUndefined();
    expect(sendInterval(0)).toBe(0);
  });

  it('makes a batch about one second of sending under a rate limit', () => {
    expect(batchSizeFor(10)).toBe(10);
    expect(deliveryLimiter(10)).toEqual({ max: 1, duration: 1000 });
    expect(sendInterval(10)).toBe(100);
  });

  it('caps the batch size for high rates and spaces batches to keep the rate', () => {
    expect(batchSizeFor(5000)).toBe(200);
    expect(deliveryLimiter(5000)).toEqual({ max: 1, duration: 40 });
  });

  it('runs between one and four batches at once per worker', () => {
    expect(parallelBatches(1)).toBe(1);
    expect(parallelBatches(8)).toBe(4);
  });
});
