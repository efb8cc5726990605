// The committed history of the simulated keys, zxid by zxid, as first applied by any member: what a read answered
// at a given zxid must show.
import { ErrorCode } from '../../../protocol/src/constants.js';
import type { ReplicatedState } from '../../src/state/apply.js';
import type { Outcome } from './history.js';

type KeyValues = ReadonlyMap<string, { data: string; version: number }>;

export class CommittedStates {
  private readonly zxids: number[] = [0];
  private readonly values: KeyValues[] = [new Map()];

  constructor(private readonly keys: readonly string[]) {}

  get lastZxid(): number {
    return this.zxids.at(-1)!;
  }

  /** Records the keys' values after `zxid`, the first time any member applies it. */
  record(zxid: number, state: ReplicatedState): void {
    if (zxid <= this.lastZxid) return;
    const values = new Map<string, { data: string; version: number }>();
    for (const k of this.keys) {
      const node = state.tree.get(k);
      if (node) values.set(k, { data: node.data?.toString() ?? '', version: node.version });
    }
    this.zxids.push(zxid);
    this.values.push(values);
  }

  /** What a read of `path` must answer at `zxid` (the state after the last committed zxid not above it). */
  expectedRead(path: string, zxid: number, withData: boolean): Outcome {
    let lo = 0;
    let hi = this.zxids.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.zxids[mid]! <= zxid) lo = mid;
      else hi = mid - 1;
    }
    const node = this.values[lo]!.get(path);
    if (!node) return { err: ErrorCode.NoNode };
    return { err: ErrorCode.Ok, version: node.version, ...(withData ? { data: node.data } : {}) };
  }
}
