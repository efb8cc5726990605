// The linearizability checker must accept what a correct ZooKeeper could answer and reject what it could not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../protocol/src/constants.js';
import type { HistoryOp, KeyOp, Outcome, ZkOp } from './history.js';
import { checkLinearizable } from './linearizability.js';
import { ModelState, modelStep } from './zk-model.js';

let nextId = 1;
function op(client: number, invoke: number, response: number, o: ZkOp, outcome?: Outcome): HistoryOp {
  return { id: nextId++, client, op: o, invoke, response, ...(outcome ? { outcome } : {}) };
}
const create = (path: string, data: string): KeyOp => ({ type: 'create', path, data });
const set = (path: string, data: string, version = -1): KeyOp => ({ type: 'set', path, data, version });
const del = (path: string, version = -1): KeyOp => ({ type: 'delete', path, version });
const get = (path: string): ZkOp => ({ type: 'read', path, withData: true });
const OK: Outcome = { err: ErrorCode.Ok };
const value = (data: string, version: number): Outcome => ({ err: ErrorCode.Ok, data, version });

describe('linearizability checker on hand-made histories', () => {
  it('accepts a sequential history that follows the model', () => {
    const h = [
      op(1, 1, 2, create('/a', 'x'), OK),
      op(1, 3, 4, set('/a', 'y', 0), { err: ErrorCode.Ok, version: 1 }),
      op(2, 5, 6, get('/a'), value('y', 1)),
      op(2, 7, 8, del('/a', 1), OK),
      op(1, 9, 10, get('/a'), { err: ErrorCode.NoNode }),
    ];
    expect(checkLinearizable(h).ok).toBe(true);
  });

  it('accepts a read concurrent with a write seeing either value', () => {
    for (const seen of ['x', 'y']) {
      const h = [
        op(1, 1, 2, create('/a', 'x'), OK),
        op(1, 3, 6, set('/a', 'y'), { err: ErrorCode.Ok, version: 1 }),
        op(2, 4, 5, get('/a'), value(seen, seen === 'x' ? 0 : 1)),
      ];
      expect(checkLinearizable(h).ok).toBe(true);
    }
  });

  it('rejects a stale read: a value overwritten before the read began', () => {
    const h = [
      op(1, 1, 2, create('/a', 'x'), OK),
      op(1, 3, 4, set('/a', 'y'), { err: ErrorCode.Ok, version: 1 }),
      op(2, 5, 6, get('/a'), value('x', 0)),
    ];
    const r = checkLinearizable(h);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('notLinearizable');
  });

  it('rejects a lost write: an acknowledged create that a later read does not see', () => {
    const h = [op(1, 1, 2, create('/a', 'x'), OK), op(2, 3, 4, get('/a'), { err: ErrorCode.NoNode })];
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it('rejects reordered conditional sets: both expecting version 0 cannot both succeed', () => {
    const h = [
      op(1, 1, 2, create('/a', 'x'), OK),
      op(1, 3, 5, set('/a', 'p', 0), { err: ErrorCode.Ok, version: 1 }),
      op(2, 4, 6, set('/a', 'q', 0), { err: ErrorCode.Ok, version: 1 }),
    ];
    expect(checkLinearizable(h).ok).toBe(false);
    // Exactly one of them may win; the other must see BADVERSION.
    h[2]!.outcome = { err: ErrorCode.BadVersion };
    expect(checkLinearizable(h).ok).toBe(true);
  });

  it('rejects a conditional set that took effect before the set it depends on', () => {
    const h = [
      op(1, 1, 2, create('/a', 'x'), OK),
      op(1, 3, 4, set('/a', 'p', 0), { err: ErrorCode.Ok, version: 1 }),
      op(1, 5, 6, set('/a', 'q', 1), { err: ErrorCode.Ok, version: 2 }),
      op(2, 7, 8, get('/a'), value('p', 2)),
    ];
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it('treats a write whose reply was lost as maybe-happened, but not as happened-then-undone', () => {
    const lost = () => op(1, 1, Infinity, create('/a', 'x'));
    expect(checkLinearizable([lost(), op(2, 2, 3, get('/a'), value('x', 0))]).ok).toBe(true);
    expect(checkLinearizable([lost(), op(2, 2, 3, get('/a'), { err: ErrorCode.NoNode })]).ok).toBe(true);
    const flipFlop = [lost(), op(2, 2, 3, get('/a'), value('x', 0)), op(2, 4, 5, get('/a'), { err: ErrorCode.NoNode })];
    expect(checkLinearizable(flipFlop).ok).toBe(false);
  });

  it('checks multi atomically across keys', () => {
    const multi: ZkOp = { type: 'multi', ops: [create('/a', '1'), create('/b', '1')] };
    const committed: Outcome = { err: ErrorCode.Ok, results: [ErrorCode.Ok, ErrorCode.Ok] };
    const torn = [op(1, 1, 2, multi, committed), op(2, 3, 4, get('/a'), value('1', 0)), op(2, 5, 6, get('/b'), { err: ErrorCode.NoNode })];
    expect(checkLinearizable(torn).ok).toBe(false);
    const failed: Outcome = { err: ErrorCode.Ok, results: [ErrorCode.Ok, ErrorCode.NodeExists] };
    const h = [op(1, 1, 2, create('/b', '0'), OK), op(1, 3, 4, multi, failed), op(2, 5, 6, get('/a'), { err: ErrorCode.NoNode })];
    expect(checkLinearizable(h).ok).toBe(true);
    // A failed multi leaves nothing behind.
    h[2] = op(2, 5, 6, get('/a'), value('1', 0));
    expect(checkLinearizable(h).ok).toBe(false);
  });

  it('checks independent keys separately', () => {
    const h = [op(1, 1, 2, create('/a', 'x'), OK), op(2, 1, 2, create('/b', 'y'), OK), op(3, 3, 4, get('/b'), value('y', 0))];
    const r = checkLinearizable(h);
    expect(r).toMatchObject({ ok: true, partitions: 2 });
  });
});

/** Runs ops against the model in a random order of linearization points, each inside its own interval. */
const PATHS = ['/a', '/b', '/c'];
const keyOp = fc.oneof(
  fc.record({ type: fc.constant('create' as const), path: fc.constantFrom(...PATHS), data: fc.constantFrom('0', '1', '2') }),
  fc.record({ type: fc.constant('set' as const), path: fc.constantFrom(...PATHS), data: fc.constantFrom('3', '4'), version: fc.integer({ min: -1, max: 2 }) }),
  fc.record({ type: fc.constant('delete' as const), path: fc.constantFrom(...PATHS), version: fc.integer({ min: -1, max: 2 }) }),
);
const zkOp: fc.Arbitrary<ZkOp> = fc.oneof(
  { weight: 3, arbitrary: keyOp },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('read' as const), path: fc.constantFrom(...PATHS), withData: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('multi' as const), ops: fc.array(keyOp, { minLength: 1, maxLength: 3 }) }) },
);
const execution = fc.array(fc.record({ op: zkOp, start: fc.nat(40), length: fc.nat(12), lost: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 14 });

function linearizableHistory(runs: Array<{ op: ZkOp; start: number; length: number; lost: number }>): HistoryOp[] {
  // Each op takes effect at a distinct point strictly inside its interval (times scaled to leave room).
  const timed = runs.map((r, i) => ({ ...r, i, point: r.start * 100 + 50 + i }));
  let state = new ModelState();
  const outcomes = new Map<number, Outcome>();
  for (const t of timed.slice().sort((a, b) => a.point - b.point)) {
    const step = modelStep(state, t.op);
    outcomes.set(t.i, step.outcome);
    state = step.next;
  }
  return timed.map((t) => {
    const lost = t.lost < 0.15;
    return op(1 + (t.i % 3), t.start * 100 + t.i, lost ? Infinity : (t.start + t.length) * 100 + 60 + t.i, t.op, lost ? undefined : outcomes.get(t.i));
  });
}

describe('linearizability checker properties', () => {
  it('accepts every history produced by a linearizable execution', () => {
    fc.assert(
      fc.property(execution, (runs) => {
        expect(checkLinearizable(linearizableHistory(runs)).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a sequential history with one answer changed', () => {
    fc.assert(
      fc.property(fc.array(zkOp, { minLength: 1, maxLength: 12 }), fc.nat(), (ops, pick) => {
        const runs = ops.map((o, i) => ({ op: o, start: i, length: 0, lost: 1 }));
        const h = linearizableHistory(runs);
        const victim = h[pick % h.length]!;
        const o = victim.outcome!;
        // Changing the result code of a sequential (totally ordered) history always contradicts the model.
        victim.outcome = { ...o, err: o.err === ErrorCode.Ok ? ErrorCode.BadVersion : ErrorCode.Ok, results: undefined };
        if (victim.op.type === 'multi') victim.outcome = { err: ErrorCode.Ok, results: (o.results ?? []).map((e) => (e === ErrorCode.Ok ? ErrorCode.NoNode : ErrorCode.Ok)) };
        expect(checkLinearizable(h).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
