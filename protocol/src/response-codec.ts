// Reply bodies (after the ReplyHeader), in both directions: the server encodes, the client decodes.
// A reply carries no opcode, so decoding needs the type of the request it answers.
import { ErrorCode, OpCode } from './constants.js';
import { JuteWriter, MarshallingError, type JuteReader } from './jute.js';
import { buffer, int, nullableBuffer, record, stringVector, ustring, withType, vector, type Codec } from './layout.js';
import { aclsCodec, MULTI_END, multiHeaderCodec, replyHeaderCodec, statCodec } from './record-codec.js';
import type { ClientResponse, OpResult, Stat } from './records.js';

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
  statCodec.write(w, stat);
  return w.finish();
}

/** Reply heads are small and sent at once, so they are views of one slab (see JuteWriter). */
const heads = new JuteWriter();

/** A successful reply around a body encoded beforehand: a 20-byte head (length prefix, ReplyHeader), then `body`. */
export function sharedBodyReply(xid: number, zxid: number, body: Buffer): Buffer[] {
  try {
    heads.writeInt(REPLY_HEAD_BYTES - 4 + body.length);
    replyHeaderCodec.write(heads, { xid, zxid, err: ErrorCode.Ok });
  } catch (e) {
    heads.reset();
    throw e;
  }
  return [heads.finish(), body];
}

/** The body of a reply to a request of type K (without the opcode, which the reply does not carry). */
type BodyOf<K, R = ClientResponse> = R extends { type: infer T } ? (K extends T ? Omit<R, 'type'> : never) : never;

const pathStat = record({ path: ustring, stat: statCodec });
const statOnly = record({ stat: statCodec });
const dataStat = record({ data: nullableBuffer, stat: statCodec });
const children = record({ children: stringVector });
const none = record({});

/** Result bodies a multi or multiRead response may carry (Error carries only its code). */
const OP_RESULTS = {
  [OpCode.Create]: record({ path: ustring }),
  [OpCode.Create2]: pathStat,
  [OpCode.SetData]: statOnly,
  [OpCode.GetData]: dataStat,
  [OpCode.GetChildren]: children,
  [OpCode.Delete]: none,
  [OpCode.Check]: none,
  [OpCode.Error]: record({ err: int }),
} satisfies { [K in OpResult['type']]: Codec<BodyOf<K, OpResult>> };

/** A multi result: its MultiHeader, then the same body as the top-level reply to that op (or the error code). */
const opResults: Codec<OpResult[]> = {
  read(r) {
    const results: OpResult[] = [];
    for (;;) {
      const h = multiHeaderCodec.read(r);
      if (h.done) return results;
      const body = (OP_RESULTS as Record<number, Codec<object> | undefined>)[h.type];
      if (body === undefined) throw new MarshallingError(`unknown multi result type ${h.type}`);
      results.push(withType(h.type, body.read(r)) as OpResult);
    }
  },
  write(w, results) {
    for (const res of results) {
      multiHeaderCodec.write(w, { type: res.type, done: false, err: res.type === OpCode.Error ? res.err : ErrorCode.Ok });
      (OP_RESULTS as Record<number, Codec<object>>)[res.type]!.write(w, res);
    }
    multiHeaderCodec.write(w, MULTI_END);
  },
};

/** ZooKeeper answers addWatch with an ErrorResponse body holding 0; nothing the caller needs. */
const okErrorResponse: Codec<object> = {
  read: (r) => (r.readInt(), {}),
  write: (w) => w.writeInt(ErrorCode.Ok),
};

const RESPONSE_BODIES = {
  [OpCode.Create]: record({ path: ustring }),
  [OpCode.Sync]: record({ path: ustring }),
  [OpCode.Create2]: pathStat,
  [OpCode.CreateContainer]: pathStat,
  [OpCode.CreateTTL]: pathStat,
  [OpCode.Exists]: statOnly,
  [OpCode.SetData]: statOnly,
  [OpCode.SetACL]: statOnly,
  [OpCode.GetData]: dataStat,
  [OpCode.Reconfig]: dataStat,
  [OpCode.GetACL]: record({ acl: aclsCodec, stat: statCodec }),
  [OpCode.GetChildren]: children,
  [OpCode.GetChildren2]: record({ children: stringVector, stat: statCodec }),
  [OpCode.GetEphemerals]: record({ ephemerals: stringVector }),
  [OpCode.GetAllChildrenNumber]: record({ totalNumber: int }),
  [OpCode.WhoAmI]: record({ clientInfo: vector(record({ authScheme: ustring, user: ustring }), 8) }),
  [OpCode.Sasl]: record({ token: buffer }),
  [OpCode.Multi]: record({ results: opResults }),
  [OpCode.MultiRead]: record({ results: opResults }),
  [OpCode.AddWatch]: okErrorResponse,
  [OpCode.Delete]: none,
  [OpCode.Check]: none,
  [OpCode.Ping]: none,
  [OpCode.CloseSession]: none,
  [OpCode.Auth]: none,
  [OpCode.SetWatches]: none,
  [OpCode.SetWatches2]: none,
  [OpCode.CheckWatches]: none,
  [OpCode.RemoveWatches]: none,
} satisfies { [K in ClientResponse['type']]: Codec<BodyOf<K>> };

const bodies: Record<number, Codec<object> | undefined> = RESPONSE_BODIES;

/** Writes a successful reply's body (not the header). */
export function writeResponseBody(w: JuteWriter, res: ClientResponse): void {
  bodies[res.type]!.write(w, res);
}

/**
 * Decodes the body of a successful reply (ReplyHeader.err === 0) to a request of type `type`.
 * Buffers in the result alias the frame.
 */
export function decodeResponse(type: number, r: JuteReader): ClientResponse {
  const body = bodies[type];
  if (body === undefined) throw new MarshallingError(`no reply layout for request type ${type}`);
  return withType(type, body.read(r)) as ClientResponse;
}
