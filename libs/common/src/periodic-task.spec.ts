import { PeriodicTask } from './periodic-task';

/** A run that stays open until released. */
function heldRun() {
  let release!: () => void;
  const calls: number[] = [];
  const work = jest.fn(() => {
    calls.push(calls.length);
    return new Promise<void>((resolve) => (release = resolve));
  });
  return { work, release: () => release() };
}

describe('PeriodicTask', () => {
  afterEach(() => jest.useRealTimers());

  it('never runs twice at once: a second call waits for the run in progress', async () => {
    const { work, release } = heldRun();
    const task = new PeriodicTask(work, () => undefined);
    const first = task.runNow();
    const second = task.runNow();
    expect(work).toHaveBeenCalledTimes(1);
    release();
    await Promise.all([first, second]);
    // Once it is over, the next call starts a new run.
    const third = task.runNow();
    expect(work).toHaveBeenCalledTimes(2);
    release();
    await third;
  });

  it('hands a failed run to onError instead of rejecting, and runs again next time', async () => {
    const errors: string[] = [];
    const work = jest.fn().mockRejectedValueOnce(new Error('redis away')).mockResolvedValueOnce(undefined);
    const task = new PeriodicTask(work, (err) => errors.push(err.message));
    await expect(task.runNow()).resolves.toBeUndefined();
    await task.runNow();
    expect(errors).toEqual(['redis away']);
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('skips ticks while a run is going, and stop() waits for it and ends the ticks', async () => {
    jest.useFakeTimers();
    const { work, release } = heldRun();
    const task = new PeriodicTask(work, () => undefined);
    task.start(1000);
    jest.advanceTimersByTime(5000);
    expect(work).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    jest.advanceTimersByTime(5000);
    expect(work).toHaveBeenCalledTimes(1);
  });
});
