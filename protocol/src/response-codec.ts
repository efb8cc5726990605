// Reply bodies (after the ReplyHeader), in both directions: the server encodes, the client decodes.
// A reply carries no opcode, so decoding needs the type of the request it answers.
import { ErrorCode, OpCode } from './constants.js';
import { JuteWriter, MarshallingError, type JuteReader } from './jute.js';
import {
  MULTI_END,
  readACLs,
  readMultiHeader,
  readStat,
  writeACLs,
  writeMultiHeader,
  writeReplyHeader,
  writeStat,
} from './record-codec.js';
import type { ClientInfo, ClientResponse, OpResult, Stat } from './records.js';

/**
 * One reply frame as the bytes to send: a single Buffer, or chunks sent back to back (with writev) so that a
 * large body shared by many replies is never copied into each of them.
 */
export type ReplyBytes = Buffer | readonly Buffer[];

/** Bytes of an encoded Stat. */
const STAT_BYTES = 68;
/** Bytes of the length prefix plus the ReplyHeader (xid, zxid, err). */
const REPLY_HEAD_BYTES = 20;

/**
 * A getData reply body (data, then stat) in a Buffer of its own, which any number of replies may share
 * (see sharedBodyReply): ZooKeeper sends every reader of one node version the same body bytes.
 */
export function encodeGetDataBody(data: Uint8Array | null, stat: Stat): Buffer {
  const w = new JuteWriter(4 + (data?.length ?? 0) + STAT_BYTES);
  w.writeBuffer(data);
  writeStat(w, stat);
  return w.finish();
}

/** Reply heads are small and sent at once, so they are views of one slab (see JuteWriter). */
const heads = new JuteWriter();

/** A successful reply around a body encoded beforehand: a 20-byte head (length prefix, ReplyHeader), then `body`. */
export function sharedBodyReply(xid: number, zxid: number, body: Buffer): Buffer[] {
  try {
    heads.writeInt(REPLY_HEAD_BYTES - 4 + body.length);
    writeReplyHeader(heads, { xid, zxid, err: ErrorCode.Ok });
  } catch (e) {
    heads.reset();
    throw e;
  }
  return [heads.finish(), body];
}

/** Writes a successful reply's body (not the header). */
export function writeResponseBody(w: JuteWriter, res: ClientResponse): void {
  switch (res.type) {
    case OpCode.Create:
    case OpCode.Sync:
      w.writeString(res.path);
      return;
    case OpCode.Create2:
    case OpCode.CreateContainer:
    case OpCode.CreateTTL:
      w.writeString(res.path);
      writeStat(w, res.stat);
      return;
    case OpCode.Exists:
    case OpCode.SetData:
    case OpCode.SetACL:
      writeStat(w, res.stat);
      return;
    case OpCode.GetData:
    case OpCode.Reconfig:
      w.writeBuffer(res.data);
      writeStat(w, res.stat);
      return;
    case OpCode.GetACL:
      writeACLs(w, res.acl);
      writeStat(w, res.stat);
      return;
    case OpCode.GetChildren:
      w.writeStringVector(res.children);
      return;
    case OpCode.GetChildren2:
      w.writeStringVector(res.children);
      writeStat(w, res.stat);
      return;
    case OpCode.GetEphemerals:
      w.writeStringVector(res.ephemerals);
      return;
    case OpCode.GetAllChildrenNumber:
      w.writeInt(res.totalNumber);
      return;
    case OpCode.WhoAmI:
      w.writeVector(res.clientInfo, writeClientInfo);
      return;
    case OpCode.Sasl:
      w.writeBuffer(res.token);
      return;
    case OpCode.Multi:
    case OpCode.MultiRead:
      for (const result of res.results) writeOpResult(w, result);
      writeMultiHeader(w, MULTI_END);
      return;
    case OpCode.AddWatch:
      // ZooKeeper answers addWatch with an ErrorResponse body holding 0.
      w.writeInt(ErrorCode.Ok);
      return;
    case OpCode.Delete:
    case OpCode.Check:
    case OpCode.Ping:
    case OpCode.CloseSession:
    case OpCode.Auth:
    case OpCode.SetWatches:
    case OpCode.SetWatches2:
    case OpCode.CheckWatches:
    case OpCode.RemoveWatches:
      return;
  }
}

function writeClientInfo(w: JuteWriter, c: ClientInfo): void {
  w.writeString(c.authScheme);
  w.writeString(c.user);
}

function readClientInfo(r: JuteReader): ClientInfo {
  return { authScheme: r.readString(), user: r.readString() };
}

/** A multi result: its MultiHeader, then the same body as the top-level reply to that op (or the error code). */
function writeOpResult(w: JuteWriter, res: OpResult): void {
  writeMultiHeader(w, { type: res.type, done: false, err: res.type === OpCode.Error ? res.err : ErrorCode.Ok });
  if (res.type === OpCode.Error) w.writeInt(res.err);
  else writeResponseBody(w, res);
}

/** Result types a multi or multiRead response may carry besides Error. */
const OP_RESULT_TYPES = new Set<number>([
  OpCode.Create,
  OpCode.Create2,
  OpCode.SetData,
  OpCode.GetData,
  OpCode.GetChildren,
  OpCode.Delete,
  OpCode.Check,
]);

function readOpResult(type: number, r: JuteReader): OpResult {
  if (type === OpCode.Error) return { type, err: r.readInt() };
  if (!OP_RESULT_TYPES.has(type)) throw new MarshallingError(`unknown multi result type ${type}`);
  return decodeResponse(type, r) as OpResult;
}

function readOpResults(r: JuteReader): OpResult[] {
  const results: OpResult[] = [];
  for (;;) {
    const h = readMultiHeader(r);
    if (h.done) return results;
    results.push(readOpResult(h.type, r));
  }
}

/**
 * Decodes the body of a successful reply (ReplyHeader.err === 0) to a request of type `type`.
 * Buffers in the result alias the frame.
 */
export function decodeResponse(type: number, r: JuteReader): ClientResponse {
  switch (type) {
    case OpCode.Create:
    case OpCode.Sync:
      return { type, path: r.readString() };
    case OpCode.Create2:
    case OpCode.CreateContainer:
    case OpCode.CreateTTL:
      return { type, path: r.readString(), stat: readStat(r) };
    case OpCode.Exists:
    case OpCode.SetData:
    case OpCode.SetACL:
      return { type, stat: readStat(r) };
    case OpCode.GetData:
    case OpCode.Reconfig:
      return { type, data: r.readBuffer(), stat: readStat(r) };
    case OpCode.GetACL:
      return { type, acl: readACLs(r), stat: readStat(r) };
    case OpCode.GetChildren:
      return { type, children: r.readStringVector() };
    case OpCode.GetChildren2:
      return { type, children: r.readStringVector(), stat: readStat(r) };
    case OpCode.GetEphemerals:
      return { type, ephemerals: r.readStringVector() };
    case OpCode.GetAllChildrenNumber:
      return { type, totalNumber: r.readInt() };
    case OpCode.WhoAmI:
      return { type, clientInfo: r.readVector(8, readClientInfo) };
    case OpCode.Sasl:
      return { type, token: r.readBuffer() ?? Buffer.alloc(0) };
    case OpCode.Multi:
    case OpCode.MultiRead:
      return { type, results: readOpResults(r) };
    case OpCode.Delete:
    case OpCode.Check:
    case OpCode.Ping:
    case OpCode.CloseSession:
    case OpCode.Auth:
    case OpCode.SetWatches:
    case OpCode.SetWatches2:
    case OpCode.CheckWatches:
    case OpCode.RemoveWatches:
      return { type };
    case OpCode.AddWatch:
      r.readInt(); // the ErrorResponse(0) body, nothing the caller needs
      return { type };
    default:
      throw new MarshallingError(`no reply layout for request type ${type}`);
  }
}
