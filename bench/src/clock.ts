// One clock for every process of a run: milliseconds since the epoch with sub-millisecond resolution. All
// generator processes read the same system clock, so their timestamps can be compared with the coordinator's.
import { performance } from 'node:perf_hooks';

export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Waits until the shared clock reaches `at`. */
export function sleepUntil(at: number): Promise<void> {
  return sleep(at - now());
}
