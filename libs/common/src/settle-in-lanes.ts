/**
 * Runs `work(0)` … `work(count - 1)` in index order, at most `lanes` at once, each item
 * running whatever the others do (as Promise.allSettled over them all would). Resolves,
 * once every item has settled, with the reasons of those that failed, in the order they
 * failed.
 *
 * Unlike starting every item at once and waiting on a limit inside each, only `lanes`
 * items exist at a time: an item waiting its turn holds no closure, promise or frame
 * (hundreds of those, alive for seconds, are what a garbage collector promotes).
 */
export async function settleInLanes(
  count: number,
  lanes: number,
  work: (index: number) => Promise<void>,
): Promise<unknown[]> {
  const failures: unknown[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      try {
        await work(index);
      } catch (err) {
        failures.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, count)) }, lane));
  return failures;
}
