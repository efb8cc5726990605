// The sequential specification: a small ZooKeeper tree of root children, each with data and a version, and the
// result codes ZooKeeper gives for creates, deletes, conditional sets, checks, reads and all-or-nothing multis.
import { ErrorCode } from '../../../protocol/src/constants.js';
import type { KeyOp, Outcome, ZkOp } from './history.js';

interface ZNodeModel {
  data: string;
  version: number;
}

/** An immutable model state with a canonical key (for memoisation). */
export class ModelState {
  private keyCache: string | undefined;

  constructor(readonly nodes: ReadonlyMap<string, ZNodeModel> = new Map()) {}

  get key(): string {
    this.keyCache ??= [...this.nodes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([p, n]) => `${p}=${n.data}@${n.version}`)
      .join(';');
    return this.keyCache;
  }
}

/** Applies one op to a mutable copy; returns its result code (and leaves `nodes` unchanged on failure). */
function applyKeyOp(nodes: Map<string, ZNodeModel>, op: KeyOp): { err: ErrorCode; version?: number } {
  const node = nodes.get(op.path);
  if (op.type === 'create') {
    if (node) return { err: ErrorCode.NodeExists };
    nodes.set(op.path, { data: op.data, version: 0 });
    return { err: ErrorCode.Ok };
  }
  if (!node) return { err: ErrorCode.NoNode };
  if (op.version !== -1 && op.version !== node.version) return { err: ErrorCode.BadVersion };
  switch (op.type) {
    case 'set':
      nodes.set(op.path, { data: op.data, version: node.version + 1 });
      return { err: ErrorCode.Ok, version: node.version + 1 };
    case 'delete':
      nodes.delete(op.path);
      return { err: ErrorCode.Ok };
    case 'check':
      return { err: ErrorCode.Ok };
  }
}

/** What ZooKeeper would answer to `op` in `state`, and the state after it. */
export function modelStep(state: ModelState, op: ZkOp): { outcome: Outcome; next: ModelState } {
  if (op.type === 'read') {
    const node = state.nodes.get(op.path);
    if (!node) return { outcome: { err: ErrorCode.NoNode }, next: state };
    return { outcome: { err: ErrorCode.Ok, version: node.version, ...(op.withData ? { data: node.data } : {}) }, next: state };
  }
  const nodes = new Map(state.nodes);
  if (op.type !== 'multi') {
    const r = applyKeyOp(nodes, op);
    return { outcome: r, next: r.err === ErrorCode.Ok ? new ModelState(nodes) : state };
  }
  for (let i = 0; i < op.ops.length; i++) {
    const r = applyKeyOp(nodes, op.ops[i]!);
    if (r.err !== ErrorCode.Ok) {
      const results = op.ops.map((_, j) => (j < i ? ErrorCode.Ok : j === i ? r.err : ErrorCode.RuntimeInconsistency));
      return { outcome: { err: ErrorCode.Ok, results }, next: state };
    }
  }
  return { outcome: { err: ErrorCode.Ok, results: op.ops.map(() => ErrorCode.Ok) }, next: new ModelState(nodes) };
}

/** Whether the client's answer matches the model's (fields the client did not record are not compared). */
export function outcomeMatches(expected: Outcome, seen: Outcome): boolean {
  if (expected.err !== seen.err) return false;
  if (seen.version !== undefined && expected.version !== seen.version) return false;
  if (seen.data !== undefined && expected.data !== seen.data) return false;
  if (seen.results !== undefined) {
    const want = expected.results ?? [];
    if (want.length !== seen.results.length || want.some((e, i) => e !== seen.results![i])) return false;
  }
  return true;
}

/**
 * The state after `op` if it may take effect in `state` given what the client saw; undefined if not. An op whose
 * outcome is unknown may have had any effect the model allows.
 */
export function stepIfConsistent(state: ModelState, op: ZkOp, seen: Outcome | undefined): ModelState | undefined {
  const { outcome, next } = modelStep(state, op);
  return seen === undefined || outcomeMatches(outcome, seen) ? next : undefined;
}
