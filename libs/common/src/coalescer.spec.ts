import { Coalescer } from './coalescer';

/** A batch function whose calls are recorded and finished by the test. */
function controlledBatches() {
  const calls: Array<{ items: number[]; finish: (err?: Error) => void }> = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, finish: (err) => (err ? reject(err) : resolve(items.map((i) => `r${i}`))) });
    });
  return { calls, run };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer', () => {
  it('answers requests made in one turn with one batch, each caller its own result', async () => {
    const { calls, run } = controlledBatches();
    const coalescer = new Coalescer(run);
    const answers = [1, 2, 3].map((i) => coalescer.submit(i));
    await turn();
    expect(calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
    calls[0].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['r1', 'r2', 'r3']);
  });

  it('collects requests arriving while a batch runs into the next one, started when it ends', async () => {
    const { calls, run } = controlledBatches();
    const coalescer = new Coalescer(run);
    const first = coalescer.submit(1);
    await turn();
    const later = [coalescer.submit(2), coalescer.submit(3)];
    await turn();
    expect(calls).toHaveLength(1);
    calls[0].finish();
    await expect(first).resolves.toBe('r1');
    await turn();
    expect(calls.map((c) => c.items)).toEqual([[1], [2, 3]]);
    calls[1].finish();
    await expect(Promise.all(later)).resolves.toEqual(['r2', 'r3']);
  });

  it('fails only the callers of the batch that failed, and keeps working', async () => {
    const { calls, run } = controlledBatches();
    const coalescer = new Coalescer(run);
    const failing = [coalescer.submit(1), coalescer.submit(2)];
    await turn();
    calls[0].finish(new Error('database gone'));
    await expect(Promise.allSettled(failing)).resolves.toEqual([
      { status: 'rejected', reason: new Error('database gone') },
      { status: 'rejected', reason: new Error('database gone') },
    ]);
    const retried = coalescer.submit(1);
    await turn();
    calls[1].finish();
    await expect(retried).resolves.toBe('r1');
  });

  it('splits a crowd into batches of at most maxBatch', async () => {
    const { calls, run } = controlledBatches();
    const coalescer = new Coalescer(run, 2);
    const answers = [1, 2, 3, 4, 5].map((i) => coalescer.submit(i));
    for (let i = 0; i < 3; i++) {
      await turn();
      calls[i].finish();
      await turn();
    }
    await expect(Promise.all(answers)).resolves.toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(calls.map((c) => c.items)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
