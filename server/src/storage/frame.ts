// Length- and checksum-framed records, shared by the write-ahead log and snapshot files.
//
// Layout: u32 LE payload length | u8 type | u32 LE CRC-32 | payload.
// The CRC covers the length and type bytes as well as the payload, so a damaged length field is caught
// by the checksum instead of sending the reader off to a wrong record boundary. Type 0 is never written:
// an all-zero header is how a reader recognises zero-filled (preallocated) space after the last frame.
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 9;

/** CRC-32 (zlib's polynomial) of one byte, by table: the header's five bytes are summed here, not natively. */
const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/**
 * The checksum of the header's length and type at `buf[at, at + 5)` and then `payload`. The five header bytes are
 * summed in JavaScript: a native call and a view for them cost more than the sum, on every record and message.
 */
function frameCrc(buf: Buffer, at: number, payload: Uint8Array): number {
  let c = -1;
  for (let i = at; i < at + 5; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return crc32(payload, ~c >>> 0);
}

function checkType(type: number): void {
  if (type < 1 || type > 255) throw new RangeError(`frame type must be 1..255, got ${type}`);
}

/** The 9-byte header for `payload`; write it immediately followed by the payload. */
export function frameHeader(type: number, payload: Uint8Array): Buffer {
  checkType(type);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header[4] = type;
  header.writeUInt32LE(frameCrc(header, 0, payload), 5);
  return header;
}

/** Header and payload in one buffer. */
export function encodeFrame(type: number, payload: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(type, payload), payload]);
}

/**
 * Completes a frame whose payload was written in place: `buf[at + 9, at + 9 + payloadLength)`. Fills in the
 * header before it, so a record is built in one buffer without a second copy of its payload.
 */
export function sealFrame(buf: Buffer, at: number, type: number, payloadLength: number): void {
  checkType(type);
  buf.writeUInt32LE(payloadLength, at);
  buf[at + 4] = type;
  const payload = buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + payloadLength);
  buf.writeUInt32LE(frameCrc(buf, at, payload), at + 5);
}

/**
 * A frame whose payload is `shared` followed by a short per-copy `tail`, for sending the same bytes to several
 * receivers: the checksum of the header and `shared` is computed once, each copy only adds its tail's.
 * The header depends only on the lengths, so every copy with a tail of the same length has the same prefix.
 */
export class SharedPrefixFrame {
  private readonly prefixCrc: number;
  private readonly header: Buffer;

  constructor(
    type: number,
    readonly shared: Buffer,
    private readonly tailLength: number,
  ) {
    checkType(type);
    this.header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    this.header.writeUInt32LE(shared.length + tailLength, 0);
    this.header[4] = type;
    this.prefixCrc = frameCrc(this.header, 0, shared);
  }

  /** The frame with `tail` as its end, as [header, shared, tail] (write them in this order). */
  withTail(tail: Buffer): Buffer[] {
    if (tail.length !== this.tailLength) throw new RangeError(`tail of ${tail.length} bytes, expected ${this.tailLength}`);
    const header = Buffer.from(this.header);
    header.writeUInt32LE(crc32(tail, this.prefixCrc), 5);
    return [header, this.shared, tail];
  }
}

export type FrameRead =
  | { kind: 'frame'; type: number; payload: Buffer; end: number }
  /** An all-zero header: nothing more was written here (unless non-zero bytes follow, which is damage). */
  | { kind: 'zeros' }
  /** The buffer ends before the frame does: a torn write, or the caller has to read further. */
  | { kind: 'short'; needed: number }
  | { kind: 'bad'; reason: string };

/** Decodes the frame starting at `offset`; `payload` is a view into `buf`. */
export function readFrame(buf: Buffer, offset: number): FrameRead {
  const available = buf.length - offset;
  if (available < FRAME_HEADER_BYTES) {
    return isZero(buf, offset, buf.length) ? { kind: 'zeros' } : { kind: 'short', needed: FRAME_HEADER_BYTES };
  }
  const length = buf.readUInt32LE(offset);
  const type = buf[offset + 4]!;
  const stored = buf.readUInt32LE(offset + 5);
  if (length === 0 && type === 0 && stored === 0) return { kind: 'zeros' };
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > buf.length) return { kind: 'short', needed: FRAME_HEADER_BYTES + length };
  const payload = buf.subarray(offset + FRAME_HEADER_BYTES, end);
  if (frameCrc(buf, offset, payload) !== stored) return { kind: 'bad', reason: 'checksum mismatch' };
  if (type === 0) return { kind: 'bad', reason: 'frame type 0' };
  return { kind: 'frame', type, payload, end };
}

const ZEROS = Buffer.alloc(64 * 1024);

/** True when buf[from, to) holds only zero bytes. */
export function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let at = from; at < to; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, to - at);
    if (buf.compare(ZEROS, 0, n, at, at + n) !== 0) return false;
  }
  return true;
}
