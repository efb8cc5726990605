// One incoming snapshot transfer: feeds the chunks of its connection to the snapshot handler as an async iterable
// and answers the sender with the handler's outcome. Success means the handler resolved after reading the whole
// stream; anything else (handler error, a stream cut short, an abort from the sender) fails the transfer.
import type net from 'node:net';
import type { NodeId } from '../consensus/types.js';
import type { LoggerLike } from '../storage/logger.js';
import { ChunkChannel } from './chunk-channel.js';
import { FrameKind, ProtocolError, decodeValue, encodeValueFrame, type Frame, type Verdict } from './wire.js';

export type SnapshotHandler = (from: NodeId, meta: unknown, chunks: AsyncIterable<Uint8Array>) => Promise<void>;

export class SnapshotReceiver {
  private readonly channel: ChunkChannel;
  private settled = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly from: NodeId,
    meta: unknown,
    handler: SnapshotHandler,
    highWaterBytes: number,
    private readonly log: LoggerLike,
  ) {
    this.channel = new ChunkChannel({ pause: () => socket.pause(), resume: () => socket.resume() }, highWaterBytes);
    Promise.resolve()
      .then(() => handler(from, meta, this.channel))
      .then(
        () =>
          this.settle(
            this.channel.ended ? { ok: true } : { ok: false, reason: 'the snapshot handler returned before the end of the stream' },
          ),
        (err: unknown) => {
          this.channel.cancel();
          this.log.warn({ peer: from, err: String(err) }, 'snapshot from peer failed');
          this.settle({ ok: false, reason: err instanceof Error ? err.message : String(err) });
        },
      );
  }

  onFrame(frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.Chunk:
        return this.channel.push(frame.payload);
      case FrameKind.End:
        // Installing may take a while after the last byte; the sender is waiting for our verdict, not idle.
        this.socket.setTimeout(0);
        return this.channel.end();
      case FrameKind.Abort:
        return this.channel.fail(new Error(`peer ${this.from} aborted the snapshot: ${String(decodeValue(frame.payload))}`));
      default:
        throw new ProtocolError(`unexpected frame kind ${frame.kind} on a snapshot connection`);
    }
  }

  connectionClosed(): void {
    this.channel.fail(new Error(`snapshot connection from peer ${this.from} closed before the end of the stream`));
  }

  private settle(verdict: Verdict): void {
    if (this.settled) return;
    this.settled = true;
    if (this.socket.destroyed) return;
    this.socket.end(encodeValueFrame(FrameKind.Verdict, verdict));
    this.socket.resume(); // a paused socket would never see the sender's end and never close
  }
}
