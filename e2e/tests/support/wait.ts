/**
 * Polls until check() returns a value other than undefined/false, or throws after timeoutMs with the last
 * error or value seen. The e2e tests wait for conditions this way instead of sleeping fixed times: the
 * controllers' pace depends on how busy the machine is.
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const intervalMs = opts.intervalMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Seconds since t0 (a Date.now() value), for the tests' [measure] lines. */
export const secondsSince = (t0: number): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
