// What simulated clients did and were told: the input of the linearizability and session checkers.
import type { ErrorCode } from '../../../protocol/src/constants.js';

/** One znode operation, alone or inside a multi. Paths are children of the root, so parents always exist. */
export type KeyOp =
  | { type: 'create'; path: string; data: string }
  | { type: 'set'; path: string; data: string; version: number }
  | { type: 'delete'; path: string; version: number }
  | { type: 'check'; path: string; version: number };

/** A read (getData, or exists when `withData` is false) that followed a sync in the same session. */
export type ReadOp = { type: 'read'; path: string; withData: boolean };

export type ZkOp = KeyOp | ReadOp | { type: 'multi'; ops: KeyOp[] };

/** What the client was told. */
export interface Outcome {
  err: ErrorCode;
  /** setData: the node's new version; a read: the node's version. */
  version?: number;
  /** getData: the node's data. */
  data?: string;
  /** multi: each op's result code (all Ok when the multi committed). */
  results?: ErrorCode[];
}

export interface HistoryOp {
  id: number;
  client: number;
  op: ZkOp;
  /** Position in the simulation's total order of client events. */
  invoke: number;
  /** Infinity when the reply was lost (connection dropped, crash, client gave up): it may or may not have happened. */
  response: number;
  outcome?: Outcome;
}

export function pathsOf(op: ZkOp): string[] {
  return op.type === 'multi' ? [...new Set(op.ops.map((o) => o.path))] : [op.path];
}

export function describeOp(h: HistoryOp): string {
  const op = h.op;
  const body =
    op.type === 'multi'
      ? `multi[${op.ops.map((o) => describeKeyOp(o)).join(', ')}]`
      : op.type === 'read'
        ? `${op.withData ? 'get' : 'exists'}(${op.path})`
        : describeKeyOp(op);
  const out = h.outcome ? JSON.stringify(h.outcome) : '?';
  const end = h.response === Infinity ? '∞' : String(h.response);
  return `#${h.id} c${h.client} [${h.invoke}, ${end}] ${body} -> ${out}`;
}

function describeKeyOp(o: KeyOp): string {
  switch (o.type) {
    case 'create':
      return `create(${o.path}, ${o.data})`;
    case 'set':
      return `set(${o.path}, ${o.data}, v${o.version})`;
    case 'delete':
      return `delete(${o.path}, v${o.version})`;
    case 'check':
      return `check(${o.path}, v${o.version})`;
  }
}
