// What travels between Corral members: the frames of storage/frame.ts (length | kind | CRC-32 | payload) over TCP,
// payloads in msgpack except Raft messages, which go in binary (raft-codec.ts), and snapshot chunks, which go as
// raw bytes.
//
// A connection starts with a Hello naming the sender (and, on a message connection, where it listens). On a
// message connection the receiver answers with a Verdict (accepted, or refused with a reason), then the sender
// streams Raft and Aux frames one way. On a snapshot connection the sender streams Chunk frames and an End (or an
// Abort), and the receiver's only Verdict is the outcome of installing the snapshot (or the refusal of the Hello).
import { Packr, RESERVE_START_SPACE } from 'msgpackr';
import type { NodeId } from '../consensus/types.js';
import { FRAME_HEADER_BYTES, readFrame, sealFrame } from '../storage/frame.js';

export const enum FrameKind {
  Hello = 1,
  Verdict = 2,
  Raft = 3,
  Aux = 4,
  Chunk = 5,
  End = 6,
  Abort = 7,
  /** A snapshot connection's metadata, after a Hello too large to carry it (see Hello.metaFollows). */
  Meta = 8,
}

/** 2: Raft messages in binary (version 1 sent them as msgpack). */
export const PROTOCOL_VERSION = 2;

/** Until a peer has named itself it gets no more than this per frame: a stranger cannot make us buffer much. */
export const HELLO_MAX_BYTES = 1 << 20;

/** Where a member listens for its peers: its quorum port, as its configuration names it. */
export interface PeerAddress {
  host: string;
  port: number;
}

export interface Hello {
  version: number;
  from: NodeId;
  /** The member the sender believes it dialled: catches a wrong address in someone's configuration. */
  to: NodeId;
  stream: 'messages' | 'snapshot';
  /** Snapshot connections: the metadata handed to the receiver's snapshot handler. */
  meta?: unknown;
  /**
   * Snapshot connections: the metadata would make the Hello larger than HELLO_MAX_BYTES (a CatchUp carries the
   * log after the snapshot), so it comes in a Meta frame right after, once the sender has named itself.
   */
  metaFollows?: boolean;
  /**
   * Message connections: where the sender listens. A member whose configuration does not name the sender yet
   * (it lagged through the change that added it) accepts it on this address and dials it back, as ZooKeeper's
   * peers learn each other's election address from their first message.
   */
  address?: PeerAddress;
}

export interface Verdict {
  ok: boolean;
  reason?: string;
}

/** Thrown for anything a peer sends that breaks the protocol; it costs the peer that one connection. */
export class ProtocolError extends Error {}

// Binary stays binary (Uint8Array <-> bin); decoded binaries are copies, so an entry kept in the Raft log does not
// pin the socket buffer it arrived in. 64-bit integers come back as bigint (session ids in aux messages).
const packr = new Packr({ useRecords: false, useBigInt64: true, copyBuffers: true } as ConstructorParameters<typeof Packr>[0]);

export function encodeValueFrame(kind: FrameKind, value: unknown): Buffer {
  // msgpackr leaves room for the frame header in front of the value, so the frame needs no second copy.
  const frame = packr.pack(value, RESERVE_START_SPACE | FRAME_HEADER_BYTES);
  sealFrame(frame, 0, kind, frame.length - FRAME_HEADER_BYTES);
  return frame;
}

export function decodeValue(payload: Buffer): unknown {
  try {
    return packr.unpack(payload);
  } catch (err) {
    throw new ProtocolError(`undecodable payload: ${(err as Error).message}`);
  }
}

export interface Frame {
  kind: number;
  /** A view into the receive buffer. */
  payload: Buffer;
}

/** Splits a byte stream into frames without re-copying a large frame for every piece of it that arrives. */
export class FrameDecoder {
  private pieces: Buffer[] = [];
  private buffered = 0;
  private needed = FRAME_HEADER_BYTES;
  private first = true;

  /**
   * The largest payload accepted, and for the connection's first frame (a Hello, before the peer has named
   * itself) `firstFrameMaxBytes`: frames that arrive with it are judged by the later limit already.
   */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly firstFrameMaxBytes = maxFrameBytes,
  ) {}

  /** The frames completed by `data`; throws ProtocolError on a damaged or oversized frame. */
  push(data: Buffer): Frame[] {
    this.pieces.push(data);
    this.buffered += data.length;
    if (this.buffered < this.needed) return [];
    const buf = this.pieces.length === 1 ? this.pieces[0]! : Buffer.concat(this.pieces, this.buffered);
    const frames: Frame[] = [];
    let offset = 0;
    this.needed = FRAME_HEADER_BYTES;
    while (buf.length - offset >= FRAME_HEADER_BYTES) {
      const r = readFrame(buf, offset);
      if (r.kind === 'frame') {
        frames.push({ kind: r.type, payload: r.payload });
        offset = r.end;
        this.first = false;
      } else if (r.kind === 'short') {
        const limit = this.first ? this.firstFrameMaxBytes : this.maxFrameBytes;
        if (r.needed - FRAME_HEADER_BYTES > limit) {
          throw new ProtocolError(`frame of ${r.needed - FRAME_HEADER_BYTES} bytes exceeds the limit of ${limit}`);
        }
        this.needed = r.needed;
        break;
      } else {
        throw new ProtocolError(r.kind === 'bad' ? `bad frame: ${r.reason}` : 'bad frame: zero header');
      }
    }
    this.pieces = offset < buf.length ? [buf.subarray(offset)] : [];
    this.buffered = buf.length - offset;
    return frames;
  }
}

const optional = (v: unknown, check: (v: unknown) => boolean) => v === undefined || check(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBool = (v: unknown) => typeof v === 'boolean';
const isAddress = (v: unknown) =>
  isObject(v) && typeof v.host === 'string' && v.host.length > 0 && v.host.length <= 255 && isCount(v.port) && v.port > 0 && v.port < 65536;

export function toHello(v: unknown): Hello {
  const ok =
    isObject(v) &&
    v.version === PROTOCOL_VERSION &&
    isCount(v.from) &&
    isCount(v.to) &&
    (v.stream === 'messages' || v.stream === 'snapshot') &&
    optional(v.address, isAddress);
  if (!ok) throw new ProtocolError('malformed hello');
  return v as unknown as Hello;
}

export function toVerdict(v: unknown): Verdict {
  if (!isObject(v) || !isBool(v.ok) || !optional(v.reason, (r) => typeof r === 'string')) {
    throw new ProtocolError('malformed verdict');
  }
  return v as unknown as Verdict;
}
