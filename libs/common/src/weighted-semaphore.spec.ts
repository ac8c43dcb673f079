import { WeightedSemaphore } from './weighted-semaphore';

/** Lets every already-resolved promise continuation run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('WeightedSemaphore', () => {
  it('admits pieces while they fit and the rest in arrival order as weight is given back', async () => {
    const budget = new WeightedSemaphore(10);
    const admitted: string[] = [];
    const take = (name: string, weight: number) =>
      budget.acquire(weight).then((release) => {
        admitted.push(name);
        return release;
      });
    const a = take('a', 6);
    void take('b', 3);
    void take('c', 4);
    void take('d', 1); // would fit now, but waits behind c: no overtaking
    await settle();
    expect(admitted).toEqual(['a', 'b']);

    (await a)();
    await settle();
    expect(admitted).toEqual(['a', 'b', 'c', 'd']);
  });

  it('admits a piece heavier than the capacity alone, once everything else is back', async () => {
    const budget = new WeightedSemaphore(10);
    const small = await budget.acquire(2);
    let bigAdmitted = false;
    const big = budget.acquire(25).then((release) => {
      bigAdmitted = true;
      return release;
    });
    let afterAdmitted = false;
    void budget.acquire(1).then(() => (afterAdmitted = true));
    await settle();
    expect(bigAdmitted).toBe(false);

    small();
    small(); // a second release gives nothing back twice
    await settle();
    expect(bigAdmitted).toBe(true);
    expect(afterAdmitted).toBe(false);

    (await big)();
    await settle();
    expect(afterAdmitted).toBe(true);
  });
});
