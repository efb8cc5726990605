// Length-prefixed framing of a ZooKeeper byte stream, and recognition of four-letter-word admin commands.
import { DEFAULT_MAX_BUFFER } from './constants.js';
import { JuteWriter, MarshallingError } from './jute.js';

/** A frame length that is negative or above the limit. The connection must be closed. */
export class FrameLengthError extends MarshallingError {
  override name = 'FrameLengthError';
  constructor(
    readonly frameLength: number,
    readonly maxFrameSize: number,
  ) {
    super(
      frameLength < 0
        ? `negative frame length ${frameLength}`
        : `frame length ${frameLength} exceeds the limit of ${maxFrameSize} bytes`,
    );
  }
}

/**
 * Splits a byte stream into frames (4-byte big-endian length, then that many bytes).
 *
 * Usage: `push(chunk)` each chunk as it arrives, then call `next()` until it returns null. A frame lying inside one
 * chunk is returned as a view of that chunk (no copy; socket chunks are not reused by Node, so this is safe);
 * a frame spread over chunks is copied once. Buffered chunks are kept in a list, never concatenated, so the cost
 * is linear in the bytes received however the stream is split.
 *
 * The limit follows ZooKeeper's server, which refuses a length below 0 or above jute.maxbuffer (default
 * 1048575 = 0xfffff; the limit covers the whole record, headers included). The check happens as soon as the
 * 4 length bytes are in, so an oversized frame is refused before its body is buffered. After a FrameLengthError
 * the decoder stays failed: every later call throws the same error.
 */
export class FrameDecoder {
  private chunks: (Buffer | undefined)[] = [];
  private head = 0; // index of the first live chunk
  private headOffset = 0; // bytes already consumed from chunks[head]
  private buffered = 0; // live bytes across chunks
  private pendingLength = -1; // length of the frame being assembled, once read
  private failure: FrameLengthError | null = null;

  constructor(readonly maxFrameSize: number = DEFAULT_MAX_BUFFER) {}

  /** Bytes received but not yet returned as frames (including a pending length prefix). */
  get bufferedBytes(): number {
    return this.buffered + (this.pendingLength >= 0 ? 4 : 0);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The first 4 unconsumed bytes as a big-endian int, without consuming them; null if fewer are buffered.
   * On a fresh connection, pass it to fourLetterWord() before calling next().
   */
  peekInt(): number | null {
    if (this.pendingLength >= 0 || this.buffered < 4) return null;
    return this.readInt(false);
  }

  /** Removes and returns `n` raw bytes (e.g. the 8-byte argument of `stmk`); null if fewer are buffered. */
  takeBytes(n: number): Buffer | null {
    if (this.pendingLength >= 0 || this.buffered < n) return null;
    return this.take(n);
  }

  /** The next complete frame's payload (without its length prefix), or null if it has not fully arrived. */
  next(): Buffer | null {
    if (this.failure) throw this.failure;
    if (this.pendingLength < 0) {
      if (this.buffered < 4) return null;
      const len = this.readInt(true);
      if (len < 0 || len > this.maxFrameSize) {
        this.failure = new FrameLengthError(len, this.maxFrameSize);
        this.release();
        throw this.failure;
      }
      this.pendingLength = len;
    }
    if (this.buffered < this.pendingLength) return null;
    const frame = this.take(this.pendingLength);
    this.pendingLength = -1;
    return frame;
  }

  private readInt(consume: boolean): number {
    const first = this.chunks[this.head]!;
    if (first.length - this.headOffset >= 4) {
      const v = first.readInt32BE(this.headOffset);
      if (consume) this.advance(4);
      return v;
    }
    const bytes = consume ? this.take(4) : this.copyOut(4);
    return bytes.readInt32BE(0);
  }

  /** Removes n ≤ buffered bytes from the front: a view when they sit in one chunk, else one copy. */
  private take(n: number): Buffer {
    const first = this.chunks[this.head];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length - this.headOffset >= n) {
      const view = first.subarray(this.headOffset, this.headOffset + n);
      this.advance(n);
      return view;
    }
    const out = this.copyOut(n);
    this.advance(n);
    return out;
  }

  /** Copies the first n ≤ buffered bytes without consuming them. */
  private copyOut(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let offset = this.headOffset;
    for (let i = this.head; filled < n; i++) {
      const c = this.chunks[i]!;
      const count = Math.min(c.length - offset, n - filled);
      c.copy(out, filled, offset, offset + count);
      filled += count;
      offset = 0;
    }
    return out;
  }

  private advance(n: number): void {
    this.buffered -= n;
    let left = n;
    while (left > 0) {
      const avail = this.chunks[this.head]!.length - this.headOffset;
      if (left < avail) {
        this.headOffset += left;
        return;
      }
      left -= avail;
      this.chunks[this.head] = undefined; // let the consumed chunk be collected
      this.head++;
      this.headOffset = 0;
    }
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  private release(): void {
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.buffered = 0;
  }
}

// ---- Writing frames ----

let spare: JuteWriter | null = new JuteWriter();

/**
 * Encodes one frame: a 4-byte length followed by whatever `write` appends. The result is a view of a shared
 * JuteWriter slab that is never written again, so it can be handed to socket.write as is (copy it only to cache
 * it long-term). The writer is taken for the duration of the call, so nested calls are safe.
 */
export function encodeFrame(write: (w: JuteWriter) => void): Buffer {
  const w = spare ?? new JuteWriter();
  spare = null;
  try {
    const at = w.reserveLength();
    write(w);
    w.patchLength(at);
    return w.finish();
  } catch (e) {
    w.reset();
    throw e;
  } finally {
    spare = w;
  }
}

/** The 4-byte length prefix for an already-encoded payload (send it followed by the payload, e.g. with writev). */
export function lengthPrefix(payloadLength: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(payloadLength, 0);
  return b;
}

// ---- Four-letter words ----

/**
 * The admin commands ZooKeeper 3.9 recognises in place of the first length on a fresh connection
 * (FourLetterCommands). Each word is also its own name in `4lw.commands.whitelist`, and `*` there enables all of
 * them. The server answers each one from its table (server/src/admin/four-letter.ts), which the compiler checks
 * against this list.
 */
export const FOUR_LETTER_WORD_NAMES = [
  'conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'ruok', 'stmk', 'srvr', 'srst', 'stat', 'wchc', 'wchp', 'wchs',
  'mntr', 'isro', 'hash',
] as const;

export type FourLetterWord = (typeof FOUR_LETTER_WORD_NAMES)[number];

/**
 * The telnet close sequence: ZooKeeper recognises it so that it can close such connections quietly (as a length
 * it would be negative anyway).
 */
export const TELNET_CLOSE = 0xfff4fffd | 0;

/** The words keyed by the big-endian int of their ASCII bytes. */
const BY_FIRST_INT = new Map<number, FourLetterWord | 'telnet close'>([
  ...FOUR_LETTER_WORD_NAMES.map((w): [number, FourLetterWord] => [Buffer.from(w, 'latin1').readInt32BE(0), w]),
  [TELNET_CLOSE, 'telnet close'],
]);

/** The known four-letter word whose bytes form `firstInt` (see FrameDecoder.peekInt), else undefined. */
export function fourLetterWord(firstInt: number): FourLetterWord | 'telnet close' | undefined {
  return BY_FIRST_INT.get(firstInt | 0);
}
