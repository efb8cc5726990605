// Transactions: what the member appends to the replicated log. Each is applied, in log order, by the one
// deterministic apply function (apply.ts) on every member and on recovery. Everything apply needs that is not
// in the tree — the time, the session's identities — travels inside the transaction.
import { statePackr } from './msgpack.js';
import {
  decodeRequest, idCodec, JuteReader, JuteWriter, MarshallingError, vector, writeRequestBody, type Id, type MultiOp,
  type OpCode, type ReconfigRequest, type SetACLRequest,
} from 'corral/protocol';

export const enum TxnKind {
  CreateSession = 1,
  CloseSession = 2,
  Request = 3,
  /** Removal of an empty container or expired TTL node, decided by the member that leads. */
  DeleteExpired = 4,
  /** A global session reconnected to another member, which now owns it (ZooKeeper's session revalidation). */
  MoveSession = 5,
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
      /** The session's identities when it sent the write: shared with its connection, never changed in place. */
      auth: readonly Id[];
      req: WriteRequest;
      /** The session was global when the write was sent: if it is closed by the time the write applies, the write fails. */
      global?: boolean;
      /** The member the write was sent to: if the session has moved to another member since, the write fails. */
      owner?: number;
      /** The session's claim (GlobalSession.claim) when the write was sent: if it changed since, the write fails. */
      claim?: number;
    }
  | { kind: TxnKind.DeleteExpired; time: number; path: string }
  /** `prev`: the claim the move was decided on; the move applies only if it is still current (unset: always). */
  | { kind: TxnKind.MoveSession; time: number; session: bigint; owner: number; prev?: number };


// Encoding: a jute record (big-endian, as the client protocol) starting with TXN_MAGIC, then the kind and time and
// the kind's fields; a request's body is the jute request body exactly as a client sends it, decoded with the
// protocol's request codec. Logs written before this format hold msgpack maps, whose first byte is never 0xc1
// (msgpack leaves that byte unused), so both still decode.
const TXN_MAGIC = 0xc1_00_00_01 | 0; // 0xc1, then the format version (1)
const HAS_GLOBAL = 1;
const GLOBAL = 2;
const HAS_OWNER = 4;
const HAS_CLAIM = 8;

// Views of this slab are kept in the consensus log: a slab holds consecutive transactions, so it is freed once
// the log has let go of them (compaction).
const writer = new JuteWriter();

export function encodeTxn(txn: Txn): Buffer {
  const w = writer;
  w.writeInt(TXN_MAGIC);
  w.writeInt(txn.kind);
  w.writeLong(txn.time);
  switch (txn.kind) {
    case TxnKind.CreateSession:
      w.writeBigLong(txn.session);
      w.writeInt(txn.timeout);
      w.writeBuffer(txn.passwd);
      break;
    case TxnKind.CloseSession:
      w.writeBigLong(txn.session);
      break;
    case TxnKind.DeleteExpired:
      w.writeString(txn.path);
      break;
    case TxnKind.MoveSession:
      w.writeBigLong(txn.session);
      w.writeInt(txn.owner);
      // Appended in a later version: a move logged before has no prev and applies unconditionally.
      if (txn.prev !== undefined) w.writeLong(txn.prev);
      break;
    case TxnKind.Request:
      w.writeBigLong(txn.session);
      w.writeInt(txn.cxid);
      w.writeInt((txn.global === undefined ? 0 : HAS_GLOBAL | (txn.global ? GLOBAL : 0)) | (txn.owner === undefined ? 0 : HAS_OWNER) |
        (txn.claim === undefined ? 0 : HAS_CLAIM));
      if (txn.owner !== undefined) w.writeInt(txn.owner);
      if (txn.claim !== undefined) w.writeLong(txn.claim);
      authCodec.write(w, txn.auth);
      w.writeInt(txn.req.type);
      writeRequestBody(w, txn.req);
      break;
  }
  return w.finish();
}

export function decodeTxn(bytes: Uint8Array): Txn {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] !== TXN_MAGIC >>> 24) return statePackr.unpack(buf) as Txn;
  const r = new JuteReader(buf);
  if (r.readInt() !== TXN_MAGIC) throw new MarshallingError('unknown transaction format');
  const kind = r.readInt();
  const time = r.readLong();
  switch (kind) {
    case TxnKind.CreateSession:
      return { kind, time, session: r.readBigLong(), timeout: r.readInt(), passwd: r.readBuffer() ?? Buffer.alloc(0) };
    case TxnKind.CloseSession:
      return { kind, time, session: r.readBigLong() };
    case TxnKind.DeleteExpired:
      return { kind, time, path: r.readString() };
    case TxnKind.MoveSession: {
      const txn: Txn = { kind, time, session: r.readBigLong(), owner: r.readInt() };
      if (r.remaining > 0) txn.prev = r.readLong();
      return txn;
    }
    case TxnKind.Request: {
      const session = r.readBigLong();
      const cxid = r.readInt();
      const flags = r.readInt();
      const owner = flags & HAS_OWNER ? r.readInt() : undefined;
      const claim = flags & HAS_CLAIM ? r.readLong() : undefined;
      const auth = authCodec.read(r);
      const type = r.readInt();
      const req = decodeRequest({ xid: cxid, type }, r) as WriteRequest;
      const txn: Txn = { kind, time, session, cxid, auth, req };
      if (flags & HAS_GLOBAL) txn.global = (flags & GLOBAL) !== 0;
      if (owner !== undefined) txn.owner = owner;
      if (claim !== undefined) txn.claim = claim;
      return txn;
    }
    default:
      throw new MarshallingError(`unknown transaction kind ${kind}`);
  }
}

/** The auth ids a request ran with (each at least two empty strings long). */
const authCodec = vector(idCodec, 8);
