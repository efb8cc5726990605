// Numbers of the ZooKeeper client protocol (ZooDefs, KeeperException.Code, Watcher.Event, CreateMode, EphemeralType).
// Regular (non-const) enums so values exist at runtime and names can be printed in logs.

/** Request/response type carried in RequestHeader.type and MultiHeader.type. */
export enum OpCode {
  Notification = 0,
  Create = 1,
  Delete = 2,
  Exists = 3,
  GetData = 4,
  SetData = 5,
  GetACL = 6,
  SetACL = 7,
  GetChildren = 8,
  Sync = 9,
  Ping = 11,
  GetChildren2 = 12,
  Check = 13,
  Multi = 14,
  Create2 = 15,
  Reconfig = 16,
  CheckWatches = 17,
  RemoveWatches = 18,
  CreateContainer = 19,
  DeleteContainer = 20,
  CreateTTL = 21,
  MultiRead = 22,
  Auth = 100,
  SetWatches = 101,
  Sasl = 102,
  GetEphemerals = 103,
  GetAllChildrenNumber = 104,
  SetWatches2 = 105,
  AddWatch = 106,
  WhoAmI = 107,
  CreateSession = -10,
  CloseSession = -11,
  /** Also the type of a failed operation's result inside a multi response. */
  Error = -1,
}

/** KeeperException.Code values, carried in ReplyHeader.err and MultiHeader.err. */
export enum ErrorCode {
  Ok = 0,
  SystemError = -1,
  RuntimeInconsistency = -2,
  DataInconsistency = -3,
  ConnectionLoss = -4,
  MarshallingError = -5,
  Unimplemented = -6,
  OperationTimeout = -7,
  BadArguments = -8,
  UnknownSession = -12,
  NewConfigNoQuorum = -13,
  ReconfigInProgress = -14,
  APIError = -100,
  NoNode = -101,
  NoAuth = -102,
  BadVersion = -103,
  NoChildrenForEphemerals = -108,
  NodeExists = -110,
  NotEmpty = -111,
  SessionExpired = -112,
  InvalidCallback = -113,
  InvalidACL = -114,
  AuthFailed = -115,
  SessionMoved = -118,
  NotReadOnly = -119,
  EphemeralOnLocalSession = -120,
  NoWatcher = -121,
  RequestTimeout = -122,
  ReconfigDisabled = -123,
  SessionClosedRequireSaslAuth = -124,
  QuotaExceeded = -125,
  ThrottledOp = -127,
}

/** ZooKeeper's upper-case Code name ("NONODE"), or "UNKNOWN(<n>)" for a number it does not define. */
export function errorName(code: number): string {
  const name = (ErrorCode as unknown as Record<number, string | undefined>)[code];
  return name === undefined ? `UNKNOWN(${code})` : name.toUpperCase();
}

/** Watcher.Event.EventType. */
export enum EventType {
  None = -1,
  NodeCreated = 1,
  NodeDeleted = 2,
  NodeDataChanged = 3,
  NodeChildrenChanged = 4,
  DataWatchRemoved = 5,
  ChildWatchRemoved = 6,
  PersistentWatchRemoved = 7,
}

/** Watcher.Event.KeeperState. */
export enum KeeperState {
  Unknown = -1,
  Disconnected = 0,
  NoSyncConnected = 1,
  SyncConnected = 3,
  AuthFailed = 4,
  ConnectedReadOnly = 5,
  SaslAuthenticated = 6,
  Closed = 7,
  Expired = -112,
}

/** Watcher.WatcherType, the `type` of checkWatches/removeWatches. */
export enum WatcherType {
  Children = 1,
  Data = 2,
  Any = 3,
  Persistent = 4,
  PersistentRecursive = 5,
}

/** The `mode` of an addWatch request. */
export enum AddWatchMode {
  Persistent = 0,
  PersistentRecursive = 1,
}

/** ACL permission bits. */
export enum Perms {
  Read = 1,
  Write = 2,
  Create = 4,
  Delete = 8,
  Admin = 16,
  All = 31,
}

/** The `flags` of a create request. */
export enum CreateMode {
  Persistent = 0,
  Ephemeral = 1,
  PersistentSequential = 2,
  EphemeralSequential = 3,
  Container = 4,
  PersistentWithTTL = 5,
  PersistentSequentialWithTTL = 6,
}

/** True when `flags` is a create mode ZooKeeper knows. */
export function isValidCreateMode(flags: number): flags is CreateMode {
  return Number.isInteger(flags) && flags >= 0 && flags <= 6;
}

export function isEphemeral(mode: CreateMode): boolean {
  return mode === CreateMode.Ephemeral || mode === CreateMode.EphemeralSequential;
}

export function isSequential(mode: CreateMode): boolean {
  return (
    mode === CreateMode.PersistentSequential ||
    mode === CreateMode.EphemeralSequential ||
    mode === CreateMode.PersistentSequentialWithTTL
  );
}

export function isContainer(mode: CreateMode): boolean {
  return mode === CreateMode.Container;
}

export function isTTL(mode: CreateMode): boolean {
  return mode === CreateMode.PersistentWithTTL || mode === CreateMode.PersistentSequentialWithTTL;
}

/** Reserved xids: server-initiated or out-of-band packets. */
export enum Xid {
  Notification = -1,
  Ping = -2,
  Auth = -4,
  SetWatches = -8,
}

/** Version argument meaning "any version" (delete, setData, setACL, check). */
export const ANY_VERSION = -1;

/** Protocol version sent in ConnectRequest/ConnectResponse. */
export const PROTOCOL_VERSION = 0;

/** Length of the session password ZooKeeper hands out. */
export const SESSION_PASSWORD_LENGTH = 16;

/**
 * ZooKeeper encodes special node kinds in Stat.ephemeralOwner (EphemeralType): a container node's owner is
 * Long.MIN_VALUE, a TTL node's owner is 0xFF in the top byte with the TTL in the low 40 bits.
 */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
export const TTL_EPHEMERAL_OWNER_MASK = -0x100000000000000n; // 0xFF00_0000_0000_0000 as a signed long
/** Largest TTL in milliseconds (40 bits). */
export const MAX_TTL = 0xffffffffff;

/** jute.maxbuffer default: largest record payload a ZooKeeper server accepts (bytes). */
export const DEFAULT_MAX_BUFFER = 0xfffff;

/** Root of ZooKeeper's reserved subtree and well-known nodes. */
export const ZOOKEEPER_PATH = '/zookeeper';
export const QUOTA_PATH = '/zookeeper/quota';
export const CONFIG_PATH = '/zookeeper/config';
