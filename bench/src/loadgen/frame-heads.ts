// The generator's reading of a server's byte stream. It needs only the head of each reply (xid, zxid, err) and
// the whole of small frames (connect responses, watch notifications), never the data a getData returns. So a
// large frame's body is skipped as it streams past instead of being assembled: no copy and no allocation per
// 64 KiB map read, and chunks may come from one buffer reused for every read (net's `onread`). The bytes still
// cross the socket in full, so what the server has to send is unchanged.
import { FrameLengthError } from '../../../protocol/src/framing.js';

/** Frames up to this size are handed over whole. */
export const WHOLE_FRAME_LIMIT = 4096;
/** What is kept of a larger frame: the ReplyHeader (xid, zxid, err). */
export const REPLY_HEAD_BYTES = 16;

/** `head` is the frame (without its length prefix), cut to REPLY_HEAD_BYTES when `length` > WHOLE_FRAME_LIMIT. */
export type FrameHandler = (head: Buffer, length: number) => void;

export class FrameHeads {
  private readonly prefix = Buffer.alloc(4);
  private prefixHave = 0;
  /** Length of the frame in progress, -1 while its prefix is incomplete. */
  private length = -1;
  private head: Buffer = Buffer.alloc(0);
  private headHave = 0;
  /** Bytes of the frame in progress still to arrive after its head. */
  private skip = 0;
  private failure: FrameLengthError | null = null;

  constructor(
    private readonly maxFrame: number,
    private readonly onFrame: FrameHandler,
  ) {}

  /**
   * Consumes `chunk` (which the caller may overwrite once this returns) and calls the handler for every frame
   * it completes. Throws FrameLengthError for a negative or oversized length, and keeps throwing it after.
   */
  push(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    let at = 0;
    while (at < chunk.length) {
      if (this.length < 0) {
        const n = Math.min(4 - this.prefixHave, chunk.length - at);
        chunk.copy(this.prefix, this.prefixHave, at, at + n);
        this.prefixHave += n;
        at += n;
        if (this.prefixHave < 4) return;
        this.start(this.prefix.readInt32BE(0));
      }
      if (this.headHave < this.head.length) {
        const n = Math.min(this.head.length - this.headHave, chunk.length - at);
        chunk.copy(this.head, this.headHave, at, at + n);
        this.headHave += n;
        at += n;
      }
      const n = Math.min(this.skip, chunk.length - at);
      this.skip -= n;
      at += n;
      if (this.headHave === this.head.length && this.skip === 0) this.finish();
    }
  }

  private start(length: number): void {
    if (length < 0 || length > this.maxFrame) {
      this.failure = new FrameLengthError(length, this.maxFrame);
      throw this.failure;
    }
    const keep = length <= WHOLE_FRAME_LIMIT ? length : REPLY_HEAD_BYTES;
    this.length = length;
    this.head = Buffer.allocUnsafe(keep);
    this.headHave = 0;
    this.skip = length - keep;
  }

  private finish(): void {
    const { head, length } = this;
    this.length = -1;
    this.prefixHave = 0;
    this.onFrame(head, length);
  }
}
