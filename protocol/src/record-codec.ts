// Encoders/decoders for the records shared by many messages: Id, ACL, Stat, headers, WatcherEvent, and the
// header-less session handshake.
import { OpCode } from './constants.js';
import type { JuteReader, JuteWriter } from './jute.js';
import type {
  ACL,
  ConnectRequest,
  ConnectResponse,
  Id,
  MultiHeader,
  ReplyHeader,
  RequestHeader,
  Stat,
  WatcherEvent,
} from './records.js';

/** Smallest ACL encoding, used to bound vector counts before allocating. */
export const MIN_ACL_BYTES = 12; // perms + two empty strings

export function writeId(w: JuteWriter, id: Id): void {
  w.writeString(id.scheme);
  w.writeString(id.id);
}

export function readId(r: JuteReader): Id {
  return { scheme: r.readString(), id: r.readString() };
}

export function writeACL(w: JuteWriter, acl: ACL): void {
  w.writeInt(acl.perms);
  writeId(w, acl.id);
}

export function readACL(r: JuteReader): ACL {
  return { perms: r.readInt(), id: readId(r) };
}

export function writeACLs(w: JuteWriter, acl: readonly ACL[]): void {
  w.writeVector(acl, writeACL);
}

export function readACLs(r: JuteReader): ACL[] {
  return r.readVector(MIN_ACL_BYTES, readACL);
}

export function writeStat(w: JuteWriter, s: Stat): void {
  w.writeLong(s.czxid);
  w.writeLong(s.mzxid);
  w.writeLong(s.ctime);
  w.writeLong(s.mtime);
  w.writeInt(s.version);
  w.writeInt(s.cversion);
  w.writeInt(s.aversion);
  w.writeBigLong(s.ephemeralOwner);
  w.writeInt(s.dataLength);
  w.writeInt(s.numChildren);
  w.writeLong(s.pzxid);
}

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.readLong(),
    mzxid: r.readLong(),
    ctime: r.readLong(),
    mtime: r.readLong(),
    version: r.readInt(),
    cversion: r.readInt(),
    aversion: r.readInt(),
    ephemeralOwner: r.readBigLong(),
    dataLength: r.readInt(),
    numChildren: r.readInt(),
    pzxid: r.readLong(),
  };
}

export function writeConnectRequest(w: JuteWriter, c: ConnectRequest): void {
  w.writeInt(c.protocolVersion);
  w.writeLong(c.lastZxidSeen);
  w.writeInt(c.timeOut);
  w.writeBigLong(c.sessionId);
  w.writeBuffer(c.passwd);
  w.writeBoolean(c.readOnly);
}

/** Accepts both current clients and old ones that omit the trailing readOnly byte. */
export function readConnectRequest(r: JuteReader): ConnectRequest {
  return {
    protocolVersion: r.readInt(),
    lastZxidSeen: r.readLong(),
    timeOut: r.readInt(),
    sessionId: r.readBigLong(),
    passwd: r.readBuffer() ?? Buffer.alloc(0),
    readOnly: r.remaining > 0 ? r.readBoolean() : false,
  };
}

export function writeConnectResponse(w: JuteWriter, c: ConnectResponse): void {
  w.writeInt(c.protocolVersion);
  w.writeInt(c.timeOut);
  w.writeBigLong(c.sessionId);
  w.writeBuffer(c.passwd);
  w.writeBoolean(c.readOnly);
}

/** Like readConnectRequest, tolerates a server that omits readOnly. */
export function readConnectResponse(r: JuteReader): ConnectResponse {
  return {
    protocolVersion: r.readInt(),
    timeOut: r.readInt(),
    sessionId: r.readBigLong(),
    passwd: r.readBuffer() ?? Buffer.alloc(0),
    readOnly: r.remaining > 0 ? r.readBoolean() : false,
  };
}

export function writeRequestHeader(w: JuteWriter, h: RequestHeader): void {
  w.writeInt(h.xid);
  w.writeInt(h.type);
}

export function readRequestHeader(r: JuteReader): RequestHeader {
  return { xid: r.readInt(), type: r.readInt() };
}

export function writeReplyHeader(w: JuteWriter, h: ReplyHeader): void {
  w.writeInt(h.xid);
  w.writeLong(h.zxid);
  w.writeInt(h.err);
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.readInt(), zxid: r.readLong(), err: r.readInt() };
}

/** The MultiHeader that ends a multi request or response. */
export const MULTI_END: Readonly<MultiHeader> = Object.freeze({ type: OpCode.Error, done: true, err: -1 });

export function writeMultiHeader(w: JuteWriter, h: MultiHeader): void {
  w.writeInt(h.type);
  w.writeBoolean(h.done);
  w.writeInt(h.err);
}

export function readMultiHeader(r: JuteReader): MultiHeader {
  return { type: r.readInt(), done: r.readBoolean(), err: r.readInt() };
}

export function writeWatcherEvent(w: JuteWriter, e: WatcherEvent): void {
  w.writeInt(e.type);
  w.writeInt(e.state);
  w.writeString(e.path);
}

export function readWatcherEvent(r: JuteReader): WatcherEvent {
  return { type: r.readInt(), state: r.readInt(), path: r.readString() };
}
