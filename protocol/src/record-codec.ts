// Layouts of the records shared by many messages: Id, ACL, Stat, headers, WatcherEvent, and the header-less
// session handshake (see layout.ts: each layout both reads and writes).
import { OpCode } from './constants.js';
import { bigLong, boolean, buffer, int, long, record, trailing, ustring, vector, type Codec } from './layout.js';
import type { ACL, ConnectRequest, ConnectResponse, Id, MultiHeader, ReplyHeader, RequestHeader, Stat, WatcherEvent } from './records.js';

/** Smallest ACL encoding, used to bound vector counts before allocating. */
export const MIN_ACL_BYTES = 12; // perms + two empty strings

export const idCodec = record({ scheme: ustring, id: ustring }) satisfies Codec<Id>;

export const aclCodec = record({ perms: int, id: idCodec }) satisfies Codec<ACL>;

export const aclsCodec = vector(aclCodec, MIN_ACL_BYTES);

export const statCodec = record({
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int,
  cversion: int,
  aversion: int,
  ephemeralOwner: bigLong,
  dataLength: int,
  numChildren: int,
  pzxid: long,
}) satisfies Codec<Stat>;

/** Accepts both current clients and old ones that omit the trailing readOnly byte. */
export const connectRequestCodec = record({
  protocolVersion: int,
  lastZxidSeen: long,
  timeOut: int,
  sessionId: bigLong,
  passwd: buffer,
  readOnly: trailing(boolean, false),
}) satisfies Codec<ConnectRequest>;

/** Like connectRequestCodec, tolerates a server that omits readOnly. */
export const connectResponseCodec = record({
  protocolVersion: int,
  timeOut: int,
  sessionId: bigLong,
  passwd: buffer,
  readOnly: trailing(boolean, false),
}) satisfies Codec<ConnectResponse>;

export const requestHeaderCodec = record({ xid: int, type: int }) satisfies Codec<RequestHeader>;

export const replyHeaderCodec = record({ xid: int, zxid: long, err: int }) satisfies Codec<ReplyHeader>;

export const multiHeaderCodec = record({ type: int, done: boolean, err: int }) satisfies Codec<MultiHeader>;

/** The MultiHeader that ends a multi request or response. */
export const MULTI_END: Readonly<MultiHeader> = Object.freeze({ type: OpCode.Error, done: true, err: -1 });

export const watcherEventCodec = record({ type: int, state: int, path: ustring }) satisfies Codec<WatcherEvent>;
