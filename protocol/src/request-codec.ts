// Request bodies (after the RequestHeader), in both directions: the server decodes, the client encodes.
import { OpCode } from './constants.js';
import { MarshallingError, type JuteReader, type JuteWriter } from './jute.js';
import { MULTI_END, readACLs, readMultiHeader, writeACLs, writeMultiHeader } from './record-codec.js';
import type { ClientRequest, MultiOp, MultiReadOp, RequestHeader } from './records.js';

/**
 * An opcode the codec does not accept from clients. ZooKeeper answers such a request with UNIMPLEMENTED (using
 * `xid`) and then closes the session; a server that only catches MarshallingError just closes the connection.
 */
export class UnknownOpCodeError extends MarshallingError {
  override name = 'UnknownOpCodeError';
  constructor(
    readonly xid: number,
    readonly opCode: number,
  ) {
    super(`unsupported request type ${opCode} (xid ${xid})`);
  }
}

/**
 * Decodes the body of a request whose header was already read. Buffers in the result alias the frame.
 * Throws UnknownOpCodeError for opcodes clients may not send, MarshallingError for malformed bodies.
 */
export function decodeRequest(header: RequestHeader, r: JuteReader): ClientRequest {
  const type = header.type;
  switch (type) {
    case OpCode.Exists:
    case OpCode.GetChildren2:
      return { type, path: r.readString(), watch: r.readBoolean() };
    case OpCode.GetACL:
    case OpCode.Sync:
    case OpCode.GetAllChildrenNumber:
      return { type, path: r.readString() };
    case OpCode.SetACL:
      return { type, path: r.readString(), acl: readACLs(r), version: r.readInt() };
    case OpCode.Reconfig:
      return {
        type,
        joiningServers: r.readNullableString(),
        leavingServers: r.readNullableString(),
        newMembers: r.readNullableString(),
        curConfigId: r.readLong(),
      };
    case OpCode.CheckWatches:
    case OpCode.RemoveWatches:
      return { type, path: r.readString(), watcherType: r.readInt() };
    case OpCode.GetEphemerals:
      return { type, prefixPath: r.readString() };
    case OpCode.SetWatches:
      return {
        type,
        relativeZxid: r.readLong(),
        dataWatches: r.readStringVector(),
        existWatches: r.readStringVector(),
        childWatches: r.readStringVector(),
      };
    case OpCode.SetWatches2:
      return {
        type,
        relativeZxid: r.readLong(),
        dataWatches: r.readStringVector(),
        existWatches: r.readStringVector(),
        childWatches: r.readStringVector(),
        persistentWatches: r.readStringVector(),
        persistentRecursiveWatches: r.readStringVector(),
      };
    case OpCode.AddWatch:
      return { type, path: r.readString(), mode: r.readInt() };
    case OpCode.Auth:
      return { type, authType: r.readInt(), scheme: r.readString(), auth: r.readBuffer() ?? Buffer.alloc(0) };
    case OpCode.Sasl:
      return { type, token: r.readBuffer() ?? Buffer.alloc(0) };
    case OpCode.Multi:
      return { type, ops: readSubOps(r, isWriteOp) };
    case OpCode.MultiRead:
      return { type, ops: readSubOps(r, isReadOp) };
    case OpCode.Ping:
    case OpCode.CloseSession:
    case OpCode.WhoAmI:
      return { type };
    default: {
      const op = decodeSubOp(type, r);
      if (op === undefined) throw new UnknownOpCodeError(header.xid, type);
      return op;
    }
  }
}

/** Decodes the ops that may appear both alone and inside multi/multiRead; undefined for any other type. */
function decodeSubOp(type: number, r: JuteReader): MultiOp | MultiReadOp | undefined {
  switch (type) {
    case OpCode.Create:
    case OpCode.Create2:
    case OpCode.CreateContainer:
      return { type, path: r.readString(), data: r.readBuffer(), acl: readACLs(r), flags: r.readInt() };
    case OpCode.CreateTTL:
      return { type, path: r.readString(), data: r.readBuffer(), acl: readACLs(r), flags: r.readInt(), ttl: r.readLong() };
    case OpCode.Delete:
      return { type, path: r.readString(), version: r.readInt() };
    case OpCode.SetData:
      return { type, path: r.readString(), data: r.readBuffer(), version: r.readInt() };
    case OpCode.Check:
      return { type, path: r.readString(), version: r.readInt() };
    case OpCode.GetData:
    case OpCode.GetChildren:
      return { type, path: r.readString(), watch: r.readBoolean() };
    default:
      return undefined;
  }
}

function isWriteOp(op: MultiOp | MultiReadOp): op is MultiOp {
  return op.type !== OpCode.GetData && op.type !== OpCode.GetChildren;
}

function isReadOp(op: MultiOp | MultiReadOp): op is MultiReadOp {
  return !isWriteOp(op);
}

/** Reads MultiHeader-framed ops up to the done marker; an op of the wrong kind is a MarshallingError. */
function readSubOps<T extends MultiOp | MultiReadOp>(r: JuteReader, accept: (op: MultiOp | MultiReadOp) => op is T): T[] {
  const ops: T[] = [];
  for (;;) {
    const h = readMultiHeader(r);
    if (h.done) return ops;
    const op = decodeSubOp(h.type, r);
    if (op === undefined || !accept(op)) throw new MarshallingError(`op type ${h.type} not allowed in this multi`);
    ops.push(op);
  }
}

/** Writes a request body (not the header). */
export function writeRequestBody(w: JuteWriter, req: ClientRequest): void {
  switch (req.type) {
    case OpCode.Create:
    case OpCode.Create2:
    case OpCode.CreateContainer:
    case OpCode.CreateTTL:
      w.writeString(req.path);
      w.writeBuffer(req.data);
      writeACLs(w, req.acl);
      w.writeInt(req.flags);
      if (req.type === OpCode.CreateTTL) w.writeLong(req.ttl);
      return;
    case OpCode.Delete:
    case OpCode.Check:
      w.writeString(req.path);
      w.writeInt(req.version);
      return;
    case OpCode.SetData:
      w.writeString(req.path);
      w.writeBuffer(req.data);
      w.writeInt(req.version);
      return;
    case OpCode.GetData:
    case OpCode.GetChildren:
    case OpCode.Exists:
    case OpCode.GetChildren2:
      w.writeString(req.path);
      w.writeBoolean(req.watch);
      return;
    case OpCode.GetACL:
    case OpCode.Sync:
    case OpCode.GetAllChildrenNumber:
      w.writeString(req.path);
      return;
    case OpCode.SetACL:
      w.writeString(req.path);
      writeACLs(w, req.acl);
      w.writeInt(req.version);
      return;
    case OpCode.Reconfig:
      w.writeString(req.joiningServers);
      w.writeString(req.leavingServers);
      w.writeString(req.newMembers);
      w.writeLong(req.curConfigId);
      return;
    case OpCode.CheckWatches:
    case OpCode.RemoveWatches:
      w.writeString(req.path);
      w.writeInt(req.watcherType);
      return;
    case OpCode.GetEphemerals:
      w.writeString(req.prefixPath);
      return;
    case OpCode.SetWatches:
    case OpCode.SetWatches2:
      w.writeLong(req.relativeZxid);
      w.writeStringVector(req.dataWatches);
      w.writeStringVector(req.existWatches);
      w.writeStringVector(req.childWatches);
      if (req.type === OpCode.SetWatches2) {
        w.writeStringVector(req.persistentWatches);
        w.writeStringVector(req.persistentRecursiveWatches);
      }
      return;
    case OpCode.AddWatch:
      w.writeString(req.path);
      w.writeInt(req.mode);
      return;
    case OpCode.Auth:
      w.writeInt(req.authType);
      w.writeString(req.scheme);
      w.writeBuffer(req.auth);
      return;
    case OpCode.Sasl:
      w.writeBuffer(req.token);
      return;
    case OpCode.Multi:
    case OpCode.MultiRead:
      // ZooKeeper's client marks each op header with err -1; servers ignore it.
      for (const op of req.ops) {
        writeMultiHeader(w, { type: op.type, done: false, err: -1 });
        writeRequestBody(w, op);
      }
      writeMultiHeader(w, MULTI_END);
      return;
    case OpCode.Ping:
    case OpCode.CloseSession:
    case OpCode.WhoAmI:
      return;
  }
}
