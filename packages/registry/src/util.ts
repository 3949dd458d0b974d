/** Sizes and durations in the one style every Slipway action prints. */
export { formatBytes, formatDuration } from '@slipway/action-kit';

/**
 * Runs `fn` over `items` with at most `limit` at a time; the first failure stops new work and is
 * thrown once the running ones settle (so no upload is left half-done in the background).
 */
export async function mapPool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
  return results;
}
