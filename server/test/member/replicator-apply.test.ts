// Applying committed entries: a huge committed batch (a storm of session closes) reaches the member in slices
// over several event-loop turns, in log order, and a read barrier is met only once its entry is applied.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/consensus/types.js';
import { member } from '../simulation/replicator-harness.js';

describe('applying committed entries', () => {
  it('hands a large batch over in slices, in order, and meets a barrier only after its entry is applied', async () => {
    const batches: number[][] = [];
    let appliedUpTo = 0;
    const f = member(1, [1], {
      committed: (entries: Array<{ entry: Entry; zxid: number }>) => {
        batches.push(entries.map((e) => e.entry.index));
        appliedUpTo = entries[entries.length - 1]!.entry.index;
      },
    });
    f.replicator.campaign();
    await f.settle();
    expect(f.core.role).toBe('leader');
    batches.length = 0;
    for (let i = 0; i < 1000; i++) f.replicator.propose(new Uint8Array([i & 0xff]));
    for (let i = 0; i < 4 && appliedUpTo <= 1; i++) await f.turn();
    // Committed, but only the first slice applied: a barrier asked now waits for the rest.
    const readIndex = f.core.commitIndex;
    expect(readIndex).toBe(1001);
    expect(appliedUpTo).toBeLessThan(readIndex);
    let metAt: number | undefined;
    f.replicator.afterBarrier(() => (metAt = appliedUpTo));
    await f.settle();
    const indexes = batches.flat();
    expect(indexes).toHaveLength(1000);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(256);
    expect(batches.length).toBeGreaterThan(3);
    expect(metAt).toBe(readIndex);
  });

  it('stops the applying of a turn once it has taken its time, whatever the count (slow entries: session closes)', async () => {
    const batches: number[][] = [];
    const f = member(1, [1], {
      committed: (entries: Array<{ entry: Entry; zxid: number }>) => {
        batches.push(entries.map((e) => e.entry.index));
        f.clock.time += entries.length * 0.25; // a quarter of a millisecond each
      },
    });
    f.replicator.campaign();
    await f.settle();
    batches.length = 0;
    for (let i = 0; i < 1000; i++) f.replicator.propose(new Uint8Array([i & 0xff]));
    const perTurn: number[] = [];
    for (let i = 0; i < 200 && batches.flat().length < 1000; i++) {
      const before = batches.flat().length;
      await f.turn();
      if (batches.flat().length > before) perTurn.push(batches.flat().length - before);
    }
    expect(batches.flat()).toEqual(Array.from({ length: 1000 }, (_, i) => i + 2));
    // 5 ms a turn at 0.25 ms an entry: runs of 32 until the time is spent (20 entries' worth), so 32 a turn.
    expect(Math.max(...perTurn)).toBe(32);
  });
});
