import { settleInLanes } from './settle-in-lanes';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Work items the test finishes by hand, recording which ones have started. */
function controlledWork() {
  const started: number[] = [];
  const finishers = new Map<number, (err?: Error) => void>();
  const work = (index: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(index);
      finishers.set(index, (err) => (err ? reject(err) : resolve()));
    });
  const finish = async (index: number, err?: Error) => {
    finishers.get(index)!(err);
    await turn();
  };
  return { started, work, finish };
}

describe('settleInLanes', () => {
  it('starts items in index order, never more than `lanes` at once', async () => {
    const { started, work, finish } = controlledWork();
    const done = settleInLanes(5, 2, work);
    await turn();
    expect(started).toEqual([0, 1]);
    await finish(1);
    expect(started).toEqual([0, 1, 2]);
    await finish(0);
    await finish(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    await finish(3);
    await finish(4);
    await expect(done).resolves.toEqual([]);
  });

  it('runs every item when some fail, and answers with the failures in the order they happened', async () => {
    const { started, work, finish } = controlledWork();
    const done = settleInLanes(4, 2, work);
    await turn();
    const second = new Error('second');
    const first = new Error('first');
    await finish(1, first);
    await finish(0, second);
    await finish(2);
    await finish(3);
    expect(started).toEqual([0, 1, 2, 3]);
    await expect(done).resolves.toEqual([first, second]);
  });

  it('settles at once with nothing to do, and uses one lane when given none', async () => {
    await expect(settleInLanes(0, 4, () => Promise.reject(new Error('never called')))).resolves.toEqual([]);
    const order: number[] = [];
    await settleInLanes(3, 0, async (index) => {
      order.push(index);
    });
    expect(order).toEqual([0, 1, 2]);
  });

  it('counts an item that throws before returning a promise as failed', async () => {
    const boom = new Error('boom');
    const failures = await settleInLanes(2, 2, (index) => {
      if (index === 0) throw boom;
      return Promise.resolve();
    });
    expect(failures).toEqual([boom]);
  });
});
