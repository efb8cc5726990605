// Jute binary encoding (ZooKeeper's BinaryOutputArchive/BinaryInputArchive): big-endian ints and longs,
// one-byte booleans, int-length-prefixed buffers/UTF-8 strings/vectors where length -1 means null.
//
// 64-bit fields — the decision applied by every codec in this package:
// - Session ids are `bigint` (JuteWriter.writeBigLong / JuteReader.readBigLong). ZooKeeper puts the server id in
//   the top byte of a session id, and Stat.ephemeralOwner also carries container/TTL markers with the sign or top
//   bits set, so these values routinely exceed 2^53. Fields: ConnectRequest/ConnectResponse.sessionId,
//   Stat.ephemeralOwner.
// - Every other long (zxids, ctime/mtime, TTLs, relativeZxid, curConfigId) is a JS `number`
//   (writeLong/readLong). This is exact as long as values stay within ±(2^53 − 1): times are milliseconds since
//   1970 (≈2^40), TTLs are capped at 2^40 − 1, and a zxid is epoch << 32 | counter, which stays exact while the
//   epoch is below 2^21 (two million leader changes). -1 (used as "no zxid") is fine. Corral's server must keep
//   its epochs below 2^21. Numbers are cheaper on the hot paths (zxids and stats are in every reply; writing a
//   long is ~3x faster from a number than from a bigint, see protocol/bench) and server code can compare and
//   increment them directly.
//   readLong throws MarshallingError when the wire value is not a safe integer rather than silently rounding.

/** Malformed or unacceptable bytes from a peer. The server answers by closing only that connection. */
export class MarshallingError extends Error {
  override name = 'MarshallingError';
}

const TWO_32 = 0x1_0000_0000;
const MIN_CAPACITY = 256;

/**
 * Appends jute-encoded values to a slab Buffer and hands out each finished message as a view of the slab
 * (no copy). Messages are laid out one after another; when the slab runs out, a new one is allocated and only
 * the message in progress is copied over. An old slab is freed once every view of it is garbage, so a view kept
 * long-term pins its whole slab: copy it (Buffer.from) if you cache encoded messages.
 */
export class JuteWriter {
  private buf: Buffer;
  private start = 0; // where the message in progress begins
  private pos = 0;

  constructor(private readonly slabSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(slabSize, MIN_CAPACITY));
  }

  /** Bytes written to the message in progress. */
  get length(): number {
    return this.pos - this.start;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(this.slabSize, MIN_CAPACITY, (used + n) * 2));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = used;
  }

  /** Big-endian int32 at pos, written byte by byte (cheaper than Buffer.writeInt32BE's checks). */
  private put32(v: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }

  writeInt(v: number): void {
    if ((v | 0) !== v) throw new RangeError(`int value ${v} is not a 32-bit integer`);
    this.ensure(4);
    this.put32(v);
  }

  /** A long held as a safe-integer number (zxids, times); see the note at the top of this file. */
  writeLong(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`long value ${v} is not a safe integer`);
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    this.put32(hi);
    this.put32(v - hi * TWO_32);
  }

  /** A long held as a bigint (session ids, ephemeralOwner). */
  writeBigLong(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  writeBoolean(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** A jute `buffer`; null is written as length -1. */
  writeBuffer(b: Uint8Array | null): void {
    if (b === null) {
      this.writeInt(-1);
      return;
    }
    this.ensure(4 + b.length);
    this.put32(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A jute `ustring` (UTF-8); null is written as length -1. */
  writeString(s: string | null): void {
    if (s === null) {
      this.writeInt(-1);
      return;
    }
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes, so reserve that and write in place.
    this.ensure(4 + s.length * 3);
    const at = this.pos;
    const n = this.buf.write(s, at + 4);
    this.put32(n);
    this.pos = at + 4 + n;
  }

  writeStringVector(items: readonly string[]): void {
    this.writeInt(items.length);
    for (const s of items) this.writeString(s);
  }

  writeVector<T>(items: readonly T[], writeItem: (w: JuteWriter, item: T) => void): void {
    this.writeInt(items.length);
    for (const item of items) writeItem(this, item);
  }

  /** Reserves a 4-byte length slot and returns its offset in the message, for patchLength. */
  reserveLength(): number {
    this.ensure(4);
    const at = this.pos - this.start;
    this.pos += 4;
    return at;
  }

  /** Fills a slot from reserveLength with the number of bytes written after it. */
  patchLength(at: number): void {
    const abs = this.start + at;
    this.buf.writeInt32BE(this.pos - abs - 4, abs);
  }

  /** Ends the message in progress and returns it: a view the writer will never write to again. */
  finish(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  /** Discards the message in progress. */
  reset(): void {
    this.pos = this.start;
  }
}

/**
 * Reads jute values from a Buffer, checking every length against the bytes that remain so that malformed input
 * raises MarshallingError and never a RangeError or a huge allocation.
 * Buffers returned by readBuffer are views into the input (no copy).
 */
export class JuteReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
    end = buf.length,
  ) {
    this.pos = offset;
    this.end = Math.min(end, buf.length);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new MarshallingError(`truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  readInt(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A long as a number; throws MarshallingError if it is outside the safe-integer range. */
  readLong(): number {
    this.need(8, 'long');
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    const v = hi * TWO_32 + lo;
    if (!Number.isSafeInteger(v)) {
      throw new MarshallingError(`long at offset ${this.pos} exceeds 2^53 (high word 0x${(hi >>> 0).toString(16)})`);
    }
    this.pos += 8;
    return v;
  }

  readBigLong(): bigint {
    this.need(8, 'long');
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  readBoolean(): boolean {
    this.need(1, 'boolean');
    return this.buf[this.pos++] !== 0;
  }

  /** Reads a length prefix: -1 for null, else a count of at most `remaining / minItemBytes`. */
  private readLength(minItemBytes: number, what: string): number {
    const len = this.readInt();
    if (len === -1) return -1;
    if (len < 0) throw new MarshallingError(`negative ${what} length ${len}`);
    if (len * minItemBytes > this.end - this.pos) {
      throw new MarshallingError(`${what} length ${len} exceeds the ${this.end - this.pos} bytes remaining`);
    }
    return len;
  }

  /** A jute `buffer`, null when the length is -1. The result aliases the input. */
  readBuffer(): Buffer | null {
    const len = this.readLength(1, 'buffer');
    if (len === -1) return null;
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  /** A jute `ustring`; null (length -1) reads as ''. */
  readString(): string {
    return this.readNullableString() ?? '';
  }

  readNullableString(): string | null {
    const len = this.readLength(1, 'string');
    if (len === -1) return null;
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** A vector<ustring>; null reads as []. */
  readStringVector(): string[] {
    const n = this.readLength(4, 'vector');
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.readString());
    return out;
  }

  /** A vector of records each at least `minItemBytes` long (bounds the count before allocating); null reads as []. */
  readVector<T>(minItemBytes: number, readItem: (r: JuteReader) => T): T[] {
    const n = this.readLength(minItemBytes, 'vector');
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(readItem(this));
    return out;
  }
}
