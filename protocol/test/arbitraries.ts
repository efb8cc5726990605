// fast-check generators for every record the codec handles.
import fc from 'fast-check';
import { OpCode } from '../src/constants.js';
import type {
  ACL,
  ClientRequest,
  ClientResponse,
  ConnectRequest,
  ConnectResponse,
  MultiOp,
  MultiReadOp,
  OpResult,
  Stat,
  WatcherEvent,
} from '../src/records.js';

export const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
/** Longs carried as numbers: the whole safe-integer range, with its edges and the 32-bit boundaries. */
export const long = fc.oneof(
  fc.maxSafeInteger(),
  fc.integer(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, -1, 0, 2 ** 32 - 1, 2 ** 32, -(2 ** 32)),
);
export const bigLong = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
/** Arbitrary Unicode, including astral characters (4-byte UTF-8, surrogate pairs in JS). */
export const str = fc.string({ unit: 'grapheme', maxLength: 24 });
export const path = fc.oneof(str, fc.array(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }), { maxLength: 4 }).map((p) => '/' + p.join('/')));
export const buf = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
export const data = fc.option(buf, { nil: null });
export const strings = fc.array(path, { maxLength: 5 });

export const acl: fc.Arbitrary<ACL> = fc.record({ perms: int32, id: fc.record({ scheme: str, id: str }) });
export const acls = fc.array(acl, { maxLength: 4 });

export const stat: fc.Arbitrary<Stat> = fc.record({
  czxid: long,
  mzxid: long,
  ctime: long,
  mtime: long,
  version: int32,
  cversion: int32,
  aversion: int32,
  ephemeralOwner: bigLong,
  dataLength: int32,
  numChildren: int32,
  pzxid: long,
});

export const connectRequest: fc.Arbitrary<ConnectRequest> = fc.record({
  protocolVersion: int32,
  lastZxidSeen: long,
  timeOut: int32,
  sessionId: bigLong,
  passwd: buf,
  readOnly: fc.boolean(),
});

export const connectResponse: fc.Arbitrary<ConnectResponse> = fc.record({
  protocolVersion: int32,
  timeOut: int32,
  sessionId: bigLong,
  passwd: buf,
  readOnly: fc.boolean(),
});

export const watcherEvent: fc.Arbitrary<WatcherEvent> = fc.record({ type: int32, state: int32, path });

const createOp = fc.record({
  type: fc.constantFrom(OpCode.Create as const, OpCode.Create2 as const, OpCode.CreateContainer as const),
  path,
  data,
  acl: acls,
  flags: int32,
});
const createTTLOp = fc.record({ type: fc.constant(OpCode.CreateTTL as const), path, data, acl: acls, flags: int32, ttl: long });
const deleteOp = fc.record({ type: fc.constant(OpCode.Delete as const), path, version: int32 });
const setDataOp = fc.record({ type: fc.constant(OpCode.SetData as const), path, data, version: int32 });
const checkOp = fc.record({ type: fc.constant(OpCode.Check as const), path, version: int32 });
const readOp = fc.record({
  type: fc.constantFrom(OpCode.GetData as const, OpCode.GetChildren as const),
  path,
  watch: fc.boolean(),
});

export const multiOp: fc.Arbitrary<MultiOp> = fc.oneof(createOp, createTTLOp, deleteOp, setDataOp, checkOp);
export const multiReadOp: fc.Arbitrary<MultiReadOp> = readOp;

export const clientRequest: fc.Arbitrary<ClientRequest> = fc.oneof(
  multiOp,
  multiReadOp,
  fc.record({ type: fc.constantFrom(OpCode.Exists as const, OpCode.GetChildren2 as const), path, watch: fc.boolean() }),
  fc.record({
    type: fc.constantFrom(OpCode.GetACL as const, OpCode.Sync as const, OpCode.GetAllChildrenNumber as const),
    path,
  }),
  fc.record({ type: fc.constant(OpCode.SetACL as const), path, acl: acls, version: int32 }),
  fc.record({
    type: fc.constant(OpCode.Reconfig as const),
    joiningServers: fc.option(str, { nil: null }),
    leavingServers: fc.option(str, { nil: null }),
    newMembers: fc.option(str, { nil: null }),
    curConfigId: long,
  }),
  fc.record({
    type: fc.constantFrom(OpCode.CheckWatches as const, OpCode.RemoveWatches as const),
    path,
    watcherType: int32,
  }),
  fc.record({ type: fc.constant(OpCode.GetEphemerals as const), prefixPath: path }),
  fc.record({
    type: fc.constant(OpCode.SetWatches as const),
    relativeZxid: long,
    dataWatches: strings,
    existWatches: strings,
    childWatches: strings,
  }),
  fc.record({
    type: fc.constant(OpCode.SetWatches2 as const),
    relativeZxid: long,
    dataWatches: strings,
    existWatches: strings,
    childWatches: strings,
    persistentWatches: strings,
    persistentRecursiveWatches: strings,
  }),
  fc.record({ type: fc.constant(OpCode.AddWatch as const), path, mode: int32 }),
  fc.record({ type: fc.constant(OpCode.Auth as const), authType: int32, scheme: str, auth: buf }),
  fc.record({ type: fc.constant(OpCode.Sasl as const), token: buf }),
  fc.record({ type: fc.constant(OpCode.Multi as const), ops: fc.array(multiOp, { maxLength: 5 }) }),
  fc.record({ type: fc.constant(OpCode.MultiRead as const), ops: fc.array(multiReadOp, { maxLength: 5 }) }),
  fc.record({ type: fc.constantFrom(OpCode.Ping as const, OpCode.CloseSession as const, OpCode.WhoAmI as const) }),
);

export const opResult: fc.Arbitrary<OpResult> = fc.oneof(
  fc.record({ type: fc.constant(OpCode.Create as const), path }),
  fc.record({ type: fc.constant(OpCode.Create2 as const), path, stat }),
  fc.record({ type: fc.constantFrom(OpCode.Delete as const, OpCode.Check as const) }),
  fc.record({ type: fc.constant(OpCode.SetData as const), stat }),
  fc.record({ type: fc.constant(OpCode.GetData as const), data, stat }),
  fc.record({ type: fc.constant(OpCode.GetChildren as const), children: strings }),
  fc.record({ type: fc.constant(OpCode.Error as const), err: int32 }),
);

export const clientResponse: fc.Arbitrary<ClientResponse> = fc.oneof(
  fc.record({ type: fc.constantFrom(OpCode.Create as const, OpCode.Sync as const), path }),
  fc.record({
    type: fc.constantFrom(OpCode.Create2 as const, OpCode.CreateContainer as const, OpCode.CreateTTL as const),
    path,
    stat,
  }),
  fc.record({ type: fc.constantFrom(OpCode.Exists as const, OpCode.SetData as const, OpCode.SetACL as const), stat }),
  fc.record({ type: fc.constantFrom(OpCode.GetData as const, OpCode.Reconfig as const), data, stat }),
  fc.record({ type: fc.constant(OpCode.GetACL as const), acl: acls, stat }),
  fc.record({ type: fc.constant(OpCode.GetChildren as const), children: strings }),
  fc.record({ type: fc.constant(OpCode.GetChildren2 as const), children: strings, stat }),
  fc.record({ type: fc.constant(OpCode.GetEphemerals as const), ephemerals: strings }),
  fc.record({ type: fc.constant(OpCode.GetAllChildrenNumber as const), totalNumber: int32 }),
  fc.record({
    type: fc.constant(OpCode.WhoAmI as const),
    clientInfo: fc.array(fc.record({ authScheme: str, user: str }), { maxLength: 3 }),
  }),
  fc.record({ type: fc.constant(OpCode.Sasl as const), token: buf }),
  fc.record({
    type: fc.constantFrom(OpCode.Multi as const, OpCode.MultiRead as const),
    results: fc.array(opResult, { maxLength: 5 }),
  }),
  fc.record({
    type: fc.constantFrom(
      OpCode.Delete as const,
      OpCode.Check as const,
      OpCode.Ping as const,
      OpCode.CloseSession as const,
      OpCode.Auth as const,
      OpCode.SetWatches as const,
      OpCode.SetWatches2 as const,
      OpCode.CheckWatches as const,
      OpCode.RemoveWatches as const,
      OpCode.AddWatch as const,
    ),
  }),
);
