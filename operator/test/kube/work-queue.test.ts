import { describe, expect, it } from 'vitest';
import { WorkQueue, type Clock } from '../../src/kube/work-queue.js';

/** A clock whose timers fire only when the test advances it. */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => timers.push({ at: now + ms, fn }),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('runs a key queued several times while waiting once', async () => {
    const runs: string[] = [];
    const q = new WorkQueue(async (k) => void runs.push(k));
    q.add('a'); // starts at once: the one worker is busy with it
    q.add('b');
    q.add('c');
    q.add('b');
    q.add('c');
    await q.idle();
    expect(runs).toEqual(['a', 'b', 'c']);
  });

  it('never runs one key twice at once, and runs it again when it was added meanwhile', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const q = new WorkQueue(
      async () => {
        calls++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        if (calls === 1) await gate;
        concurrent--;
      },
      { workers: 4 },
    );
    q.add('a');
    await tick();
    q.add('a');
    q.add('a');
    release();
    await q.idle();
    expect(calls).toBe(2);
    expect(maxConcurrent).toBe(1);
  });

  it('backs off a failing key exponentially up to the ceiling, and forgets failures after a success', async () => {
    const { clock, advance } = manualClock();
    let fail = 4;
    const at: number[] = [];
    const q = new WorkQueue(
      async () => {
        at.push(clock.now());
        if (fail-- > 0) throw new Error('boom');
      },
      { clock, backoff: { baseMs: 100, maxMs: 300 } },
    );
    q.add('a');
    for (let i = 0; i < 20; i++) {
      await tick();
      advance(50);
    }
    expect(at).toEqual([0, 100, 300, 600, 900]);
  });

  it('requeues after the delay a handler asks for, keeping only the earliest pending delay', async () => {
    const { clock, advance, pending } = manualClock();
    const runs: number[] = [];
    const q = new WorkQueue(async () => {
      runs.push(clock.now());
      return runs.length === 1 ? { requeueAfterMs: 1000 } : undefined;
    }, { clock });
    q.add('a');
    await q.idle();
    q.addAfter('a', 5000);
    expect(pending()).toBe(1);
    advance(1000);
    await q.idle();
    advance(5000);
    await q.idle();
    expect(runs).toEqual([0, 1000]);
  });
});
