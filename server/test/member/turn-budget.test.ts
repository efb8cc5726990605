import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../../src/member/turn-budget.js';

/** A budget on a clock the test moves, whose later turns run when the test says. */
function harness(sliceMs: number) {
  let time = 0;
  const turns: Array<() => void> = [];
  const budget = new TurnBudget(sliceMs, () => time, (fn) => turns.push(fn));
  return {
    budget,
    advance: (ms: number) => (time += ms),
    /** Runs the next scheduled turn; false if none was scheduled. */
    nextTurn: () => {
      const fn = turns.shift();
      fn?.();
      return fn !== undefined;
    },
    pendingTurns: () => turns.length,
  };
}

const tick = () => new Promise<void>((r) => process.nextTick(r));

describe('TurnBudget', () => {
  it('runs work right after the current callback while the slice lasts, then queues it for later turns', async () => {
    const h = harness(10);
    const ran: number[] = [];
    const work = (n: number) => {
      ran.push(n);
      h.advance(4);
    };
    h.budget.run(work, 1);
    h.budget.run(work, 2);
    await tick();
    expect(ran).toEqual([1, 2]);
    h.advance(3); // 11 ms into the slice
    h.budget.run(work, 3);
    h.budget.run(work, 4);
    h.budget.run(work, 5);
    h.budget.run(work, 6);
    await tick();
    expect(ran).toEqual([1, 2]);
    expect(h.budget.waiting).toBe(4);
    // Each later turn runs queued calls oldest first until its own slice is spent (4 ms each: 3 fit in 10 ms).
    h.nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    h.nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6]);
    expect(h.budget.waiting).toBe(0);
  });

  it('counts the time of calls run after the callback against the slice: a burst of them runs only while it lasts', async () => {
    const h = harness(10);
    const ran: number[] = [];
    const work = (n: number) => {
      ran.push(n);
      h.advance(4);
    };
    // All asked for while the slice had time; after the callback, they run at 0, 4 and 8 ms, and the slice is spent.
    for (let n = 1; n <= 6; n++) h.budget.run(work, n);
    await tick();
    expect(ran).toEqual([1, 2, 3]);
    expect(h.budget.waiting).toBe(3);
    h.nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('gives work arriving after a turn a fresh slice', async () => {
    const h = harness(5);
    const ran: string[] = [];
    h.budget.run((s) => ran.push(s), 'a');
    h.advance(50);
    h.nextTurn(); // the turn ends: nothing queued
    h.budget.run((s) => ran.push(s), 'b');
    await tick();
    expect(ran).toEqual(['a', 'b']);
  });

  it('runs every call exactly once, each caller\'s calls in order, whatever the costs', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 })), { maxLength: 60 }), async (calls) => {
      const h = harness(5);
      const ran: Array<[number, number]> = [];
      calls.forEach(([caller, cost], i) => h.budget.run(() => {
        ran.push([caller, i]);
        h.advance(cost);
      }, undefined));
      await tick();
      for (let turns = 0; h.pendingTurns() > 0; turns++) {
        expect(turns).toBeLessThan(200);
        h.nextTurn();
        await tick();
      }
      expect(ran.map(([, i]) => i).sort((a, b) => a - b)).toEqual(calls.map((_, i) => i));
      for (let c = 0; c < 4; c++) {
        const mine = ran.filter(([caller]) => caller === c).map(([, i]) => i);
        expect(mine).toEqual([...mine].sort((a, b) => a - b));
      }
    }));
  });
});
