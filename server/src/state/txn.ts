// Transactions: what the member appends to the replicated log. Each is applied, in log order, by the one
// deterministic apply function (apply.ts) on every member and on recovery. Everything apply needs that is not
// in the tree — the time, the session's identities — travels inside the transaction.
import { statePackr } from './msgpack.js';
import type { Id, MultiOp, ReconfigRequest, SetACLRequest } from '../../../protocol/src/records.js';
import type { OpCode } from '../../../protocol/src/constants.js';

export const enum TxnKind {
  CreateSession = 1,
  CloseSession = 2,
  Request = 3,
  /** Removal of an empty container or expired TTL node, decided by the member that leads. */
  DeleteExpired = 4,
}

/** Client writes that go through the log. */
export type WriteRequest =
  | MultiOp
  | ({ type: OpCode.SetACL } & SetACLRequest)
  | { type: OpCode.Multi; ops: MultiOp[] }
  | ({ type: OpCode.Reconfig } & ReconfigRequest);

export type Txn =
  | { kind: TxnKind.CreateSession; time: number; session: bigint; timeout: number; passwd: Buffer }
  | { kind: TxnKind.CloseSession; time: number; session: bigint }
  | {
      kind: TxnKind.Request;
      time: number;
      session: bigint;
      cxid: number;
      auth: Id[];
      req: WriteRequest;
      /** The session was global when the write was sent: if it is closed by the time the write applies, the write fails. */
      global?: boolean;
    }
  | { kind: TxnKind.DeleteExpired; time: number; path: string };


export function encodeTxn(txn: Txn): Buffer {
  return statePackr.pack(txn);
}

export function decodeTxn(bytes: Uint8Array): Txn {
  return statePackr.unpack(bytes) as Txn;
}
