// Request bodies (after the RequestHeader), in both directions: the server decodes, the client encodes. One table
// gives each opcode a client may send its body layout (see layout.ts).
import { OpCode } from './constants.js';
import { MarshallingError, type JuteReader, type JuteWriter } from './jute.js';
import { boolean, buffer, int, long, nullableBuffer, nullableString, record, stringVector, ustring, withType, type Codec } from './layout.js';
import { aclsCodec, MULTI_END, multiHeaderCodec } from './record-codec.js';
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

/** The body of a request of type K: its record without the opcode (which travels in the header). */
type BodyOf<K, R = ClientRequest> = R extends { type: infer T } ? (K extends T ? Omit<R, 'type'> : never) : never;

const path = record({ path: ustring });
const pathWatch = record({ path: ustring, watch: boolean });
const pathVersion = record({ path: ustring, version: int });
const create = record({ path: ustring, data: nullableBuffer, acl: aclsCodec, flags: int });
const createTTL = record({ path: ustring, data: nullableBuffer, acl: aclsCodec, flags: int, ttl: long });
const watches = record({ path: ustring, watcherType: int });
const setWatchesFields = { relativeZxid: long, dataWatches: stringVector, existWatches: stringVector, childWatches: stringVector };
const none = record({});

/** The ops that may appear both alone and inside multi (writes) or multiRead (reads). */
const WRITE_OPS = {
  [OpCode.Create]: create,
  [OpCode.Create2]: create,
  [OpCode.CreateContainer]: create,
  [OpCode.CreateTTL]: createTTL,
  [OpCode.Delete]: pathVersion,
  [OpCode.SetData]: record({ path: ustring, data: nullableBuffer, version: int }),
  [OpCode.Check]: pathVersion,
} satisfies { [K in MultiOp['type']]: Codec<BodyOf<K>> };

const READ_OPS = {
  [OpCode.GetData]: pathWatch,
  [OpCode.GetChildren]: pathWatch,
} satisfies { [K in MultiReadOp['type']]: Codec<BodyOf<K>> };

/** The ops of a multi, each behind a MultiHeader, up to the done marker; an op of the wrong kind is malformed. */
function subOps<T extends MultiOp | MultiReadOp>(table: Record<number, Codec<object>>): Codec<T[]> {
  return {
    read(r) {
      const ops: T[] = [];
      for (;;) {
        const h = multiHeaderCodec.read(r);
        if (h.done) return ops;
        const body = table[h.type];
        if (body === undefined) throw new MarshallingError(`op type ${h.type} not allowed in this multi`);
        ops.push(withType(h.type, body.read(r)) as T);
      }
    },
    write(w, ops) {
      for (const op of ops) {
        // ZooKeeper's client marks each op header with err -1; servers ignore it.
        multiHeaderCodec.write(w, { type: op.type, done: false, err: -1 });
        table[op.type]!.write(w, op);
      }
      multiHeaderCodec.write(w, MULTI_END);
    },
  };
}

const REQUEST_BODIES = {
  ...WRITE_OPS,
  ...READ_OPS,
  [OpCode.Exists]: pathWatch,
  [OpCode.GetChildren2]: pathWatch,
  [OpCode.GetACL]: path,
  [OpCode.Sync]: path,
  [OpCode.GetAllChildrenNumber]: path,
  [OpCode.SetACL]: record({ path: ustring, acl: aclsCodec, version: int }),
  [OpCode.Reconfig]: record({ joiningServers: nullableString, leavingServers: nullableString, newMembers: nullableString, curConfigId: long }),
  [OpCode.CheckWatches]: watches,
  [OpCode.RemoveWatches]: watches,
  [OpCode.GetEphemerals]: record({ prefixPath: ustring }),
  [OpCode.SetWatches]: record(setWatchesFields),
  [OpCode.SetWatches2]: record({ ...setWatchesFields, persistentWatches: stringVector, persistentRecursiveWatches: stringVector }),
  [OpCode.AddWatch]: record({ path: ustring, mode: int }),
  [OpCode.Auth]: record({ authType: int, scheme: ustring, auth: buffer }),
  [OpCode.Sasl]: record({ token: buffer }),
  [OpCode.Multi]: record({ ops: subOps<MultiOp>(WRITE_OPS) }),
  [OpCode.MultiRead]: record({ ops: subOps<MultiReadOp>(READ_OPS) }),
  [OpCode.Ping]: none,
  [OpCode.CloseSession]: none,
  [OpCode.WhoAmI]: none,
} satisfies { [K in ClientRequest['type']]: Codec<BodyOf<K>> };

const bodies: Record<number, Codec<object> | undefined> = REQUEST_BODIES;

/**
 * Decodes the body of a request whose header was already read. Buffers in the result alias the frame.
 * Throws UnknownOpCodeError for opcodes clients may not send, MarshallingError for malformed bodies.
 */
export function decodeRequest(header: RequestHeader, r: JuteReader): ClientRequest {
  const body = bodies[header.type];
  if (body === undefined) throw new UnknownOpCodeError(header.xid, header.type);
  return withType(header.type, body.read(r)) as ClientRequest;
}

/** Writes a request body (not the header). */
export function writeRequestBody(w: JuteWriter, req: ClientRequest): void {
  bodies[req.type]!.write(w, req);
}
