// TypeScript shapes of ZooKeeper's jute records (zookeeper.jute) as Corral uses them.
//
// Representation choices (see jute.ts for the reasons):
// - 64-bit session ids (ConnectRequest/ConnectResponse.sessionId, Stat.ephemeralOwner) are `bigint`;
// - every other 64-bit field (zxids, times, TTLs, config ids) is a `number` and must be a safe integer;
// - `buffer` fields are Buffers; decoded Buffers are views into the input frame (no copy) — copy them before
//   keeping them past the frame's lifetime if the frame buffer may be reused;
// - a null jute ustring decodes as '' and a null vector as [] (ZooKeeper rejects both the same way it rejects
//   empty ones); node data keeps the null/empty distinction (`Buffer | null`) because clients observe it.
import type { OpCode } from './constants.js';

export interface Id {
  scheme: string;
  id: string;
}

export interface ACL {
  perms: number;
  id: Id;
}

export interface Stat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  /**
   * Owning session id for ephemerals, else 0n. ZooKeeper stores container/TTL markers here (constants.ts) but
   * reports 0 to clients for those nodes (checked against ZooKeeper 3.8).
   */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

// ---- Session establishment (no RequestHeader/ReplyHeader) ----

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  /** False when an old client omitted the trailing byte. */
  readOnly: boolean;
}

export interface ConnectResponse {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  readOnly: boolean;
}

// ---- Headers ----

export interface RequestHeader {
  xid: number;
  type: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: number;
  err: number;
}

export interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}

export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
}

// ---- Request bodies ----

export interface CreateRequest {
  path: string;
  data: Buffer | null;
  acl: ACL[];
  flags: number;
}

export interface CreateTTLRequest extends CreateRequest {
  ttl: number;
}

export interface DeleteRequest {
  path: string;
  version: number;
}

/** exists, getData, getChildren and getChildren2 share this layout. */
export interface PathWatchRequest {
  path: string;
  watch: boolean;
}

export interface SetDataRequest {
  path: string;
  data: Buffer | null;
  version: number;
}

/** getACL, sync and getAllChildrenNumber share this layout. */
export interface PathRequest {
  path: string;
}

export interface SetACLRequest {
  path: string;
  acl: ACL[];
  version: number;
}

export interface CheckVersionRequest {
  path: string;
  version: number;
}

export interface ReconfigRequest {
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  curConfigId: number;
}

/** checkWatches and removeWatches; `watcherType` is jute's `type` field (a WatcherType). */
export interface WatchesRequest {
  path: string;
  watcherType: number;
}

export interface GetEphemeralsRequest {
  prefixPath: string;
}

export interface SetWatchesRequest {
  relativeZxid: number;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
}

export interface SetWatches2Request extends SetWatchesRequest {
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}

export interface AddWatchRequest {
  path: string;
  mode: number;
}

/** `authType` is jute's AuthPacket.type field (always 0 in practice). */
export interface AuthPacket {
  authType: number;
  scheme: string;
  auth: Buffer;
}

export interface SaslRequest {
  token: Buffer;
}

// ---- The request union: `type` is the RequestHeader opcode, so `switch (req.type)` narrows. ----

export type CreateOp = { type: OpCode.Create | OpCode.Create2 | OpCode.CreateContainer } & CreateRequest;
export type CreateTTLOp = { type: OpCode.CreateTTL } & CreateTTLRequest;
export type DeleteOp = { type: OpCode.Delete } & DeleteRequest;
export type SetDataOp = { type: OpCode.SetData } & SetDataRequest;
export type CheckOp = { type: OpCode.Check } & CheckVersionRequest;
export type GetDataOp = { type: OpCode.GetData } & PathWatchRequest;
export type GetChildrenOp = { type: OpCode.GetChildren } & PathWatchRequest;

/** Operations allowed inside multi (writes) and multiRead (reads). */
export type MultiOp = CreateOp | CreateTTLOp | DeleteOp | SetDataOp | CheckOp;
export type MultiReadOp = GetDataOp | GetChildrenOp;

export type ClientRequest =
  | MultiOp
  | MultiReadOp
  | ({ type: OpCode.Exists | OpCode.GetChildren2 } & PathWatchRequest)
  | ({ type: OpCode.GetACL | OpCode.Sync | OpCode.GetAllChildrenNumber } & PathRequest)
  | ({ type: OpCode.SetACL } & SetACLRequest)
  | ({ type: OpCode.Reconfig } & ReconfigRequest)
  | ({ type: OpCode.CheckWatches | OpCode.RemoveWatches } & WatchesRequest)
  | ({ type: OpCode.GetEphemerals } & GetEphemeralsRequest)
  | ({ type: OpCode.SetWatches } & SetWatchesRequest)
  | ({ type: OpCode.SetWatches2 } & SetWatches2Request)
  | ({ type: OpCode.AddWatch } & AddWatchRequest)
  | ({ type: OpCode.Auth } & AuthPacket)
  | ({ type: OpCode.Sasl } & SaslRequest)
  | { type: OpCode.Multi; ops: MultiOp[] }
  | { type: OpCode.MultiRead; ops: MultiReadOp[] }
  | { type: OpCode.Ping | OpCode.CloseSession | OpCode.WhoAmI };

// ---- Response bodies ----

export interface CreateResponse {
  path: string;
}

export interface Create2Response {
  path: string;
  stat: Stat;
}

/** exists, setData and setACL answer with just a Stat. */
export interface StatResponse {
  stat: Stat;
}

export interface GetDataResponse {
  data: Buffer | null;
  stat: Stat;
}

export interface GetACLResponse {
  acl: ACL[];
  stat: Stat;
}

export interface GetChildrenResponse {
  children: string[];
}

export interface GetChildren2Response {
  children: string[];
  stat: Stat;
}

export interface SyncResponse {
  path: string;
}

export interface GetEphemeralsResponse {
  ephemerals: string[];
}

export interface GetAllChildrenNumberResponse {
  totalNumber: number;
}

export interface ClientInfo {
  authScheme: string;
  user: string;
}

export interface WhoAmIResponse {
  clientInfo: ClientInfo[];
}

export interface SaslResponse {
  token: Buffer;
}

/**
 * One result inside a multi / multiRead response; `type` is the MultiHeader type. Inside multi, ZooKeeper 3.8
 * answers create and create2 with a `Create` result (path only) and createContainer/createTTL with `Create2`.
 */
export type OpResult =
  | ({ type: OpCode.Create } & CreateResponse)
  | ({ type: OpCode.Create2 } & Create2Response)
  | { type: OpCode.Delete | OpCode.Check }
  | ({ type: OpCode.SetData } & StatResponse)
  | ({ type: OpCode.GetData } & GetDataResponse)
  | ({ type: OpCode.GetChildren } & GetChildrenResponse)
  | { type: OpCode.Error; err: number };

/**
 * A successful reply body, keyed by the request's opcode (the reply itself does not carry it).
 * Ops that answer with only a ReplyHeader use the body-less variant.
 */
export type ClientResponse =
  | ({ type: OpCode.Create } & CreateResponse)
  | ({ type: OpCode.Create2 | OpCode.CreateContainer | OpCode.CreateTTL } & Create2Response)
  | ({ type: OpCode.Exists | OpCode.SetData | OpCode.SetACL } & StatResponse)
  | ({ type: OpCode.GetData | OpCode.Reconfig } & GetDataResponse)
  | ({ type: OpCode.GetACL } & GetACLResponse)
  | ({ type: OpCode.GetChildren } & GetChildrenResponse)
  | ({ type: OpCode.GetChildren2 } & GetChildren2Response)
  | ({ type: OpCode.Sync } & SyncResponse)
  | ({ type: OpCode.GetEphemerals } & GetEphemeralsResponse)
  | ({ type: OpCode.GetAllChildrenNumber } & GetAllChildrenNumberResponse)
  | ({ type: OpCode.WhoAmI } & WhoAmIResponse)
  | ({ type: OpCode.Sasl } & SaslResponse)
  | { type: OpCode.Multi | OpCode.MultiRead; results: OpResult[] }
  | {
      type:
        | OpCode.Delete
        | OpCode.Check
        | OpCode.Ping
        | OpCode.CloseSession
        | OpCode.Auth
        | OpCode.SetWatches
        | OpCode.SetWatches2
        | OpCode.CheckWatches
        | OpCode.RemoveWatches
        | OpCode.AddWatch;
    };
