// A connection a peer opened to us: first a Hello naming the peer, then either its stream of Raft and aux
// messages or one snapshot transfer. A protocol violation costs the peer this connection and nothing else.
import type net from 'node:net';
import type { Message } from '../consensus/messages.js';
import type { NodeId } from '../consensus/types.js';
import type { LoggerLike } from '../storage/logger.js';
import { SnapshotReceiver, type SnapshotHandler } from './snapshot-receiver.js';
import { decodeRaftFrame } from './raft-codec.js';
import { FrameDecoder, FrameKind, HELLO_MAX_BYTES, ProtocolError, decodeValue, encodeValueFrame, toHello, type Frame, type PeerAddress } from './wire.js';

/** What an inbound connection needs from the network that accepted it. */
export interface InboundHost {
  readonly selfId: NodeId;
  readonly maxFrameBytes: number;
  readonly snapshotIdleTimeoutMs: number;
  readonly snapshotHighWaterBytes: number;
  readonly log: LoggerLike;
  /**
   * Whether member `id` may connect: a peer, or (given `address`, where it says it listens) a member we do not
   * know yet, which then becomes a peer reached at that address.
   */
  admit(id: NodeId, address: PeerAddress | undefined): boolean;
  snapshotHandler(): SnapshotHandler | undefined;
  /** The connection was accepted; for message streams the host replaces an older one from the same peer. */
  adopt(conn: InboundConnection): void;
  released(conn: InboundConnection): void;
  deliverRaft(m: Message): void;
  deliverAux(from: NodeId, payload: unknown): void;
  /** A frame broke the protocol (counted) or a Hello was refused. */
  malformed(): void;
  refused(): void;
}

const HANDSHAKE_TIMEOUT_MS = 5000;

export class InboundConnection {
  peer: NodeId = 0;
  stream: 'messages' | 'snapshot' | undefined;
  private readonly decoder: FrameDecoder;
  private receiver: SnapshotReceiver | undefined;
  /** A snapshot connection whose metadata comes in the frame after its Hello: what receives it then. */
  private awaitingMeta: SnapshotHandler | undefined;
  private refusing = false;

  constructor(
    readonly socket: net.Socket,
    private readonly host: InboundHost,
  ) {
    this.decoder = new FrameDecoder(host.maxFrameBytes, HELLO_MAX_BYTES);
    socket.setNoDelay(true);
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => this.drop('no hello in time'));
    socket.on('data', (data) => this.onData(data));
    socket.on('error', () => {}); // 'close' follows; resets by a departing peer are routine
    socket.on('close', () => {
      this.receiver?.connectionClosed();
      host.released(this);
    });
  }

  drop(why: string, level: 'info' | 'warn' = 'warn'): void {
    if (this.socket.destroyed) return;
    this.host.log[level]({ peer: this.peer || undefined, remote: this.remote(), why }, 'closing peer connection');
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    if (this.refusing) return;
    try {
      for (const frame of this.decoder.push(data)) {
        if (this.socket.destroyed) return;
        this.onFrame(frame);
      }
    } catch (err) {
      if (err instanceof ProtocolError) this.host.malformed();
      this.drop(err instanceof ProtocolError ? `protocol violation: ${err.message}` : `error handling a frame: ${String(err)}`);
    }
  }

  private onFrame(frame: Frame): void {
    if (this.stream === 'messages') {
      if (frame.kind === FrameKind.Raft) return this.host.deliverRaft(decodeRaftFrame(frame.payload, this.peer, this.host.selfId));
      if (frame.kind === FrameKind.Aux) return this.host.deliverAux(this.peer, decodeValue(frame.payload));
      throw new ProtocolError(`unexpected frame kind ${frame.kind} on a message connection`);
    }
    if (this.receiver) return this.receiver.onFrame(frame);
    if (this.awaitingMeta) {
      if (frame.kind !== FrameKind.Meta) throw new ProtocolError(`expected snapshot metadata, got frame kind ${frame.kind}`);
      return this.receive(this.awaitingMeta, decodeValue(frame.payload));
    }
    if (frame.kind !== FrameKind.Hello) throw new ProtocolError(`expected hello, got frame kind ${frame.kind}`);
    this.onHello(decodeValue(frame.payload));
  }

  private onHello(value: unknown): void {
    const hello = toHello(value);
    const { selfId } = this.host;
    if (hello.to !== selfId) return this.refuse(`this is member ${selfId}, not ${hello.to}`);
    const address = hello.stream === 'messages' ? hello.address : undefined;
    if (!this.host.admit(hello.from, address)) return this.refuse(`member ${hello.from} is not in member ${selfId}'s configuration`);
    this.peer = hello.from;
    this.stream = hello.stream;
    if (hello.stream === 'messages') {
      this.socket.setTimeout(0);
      this.socket.setKeepAlive(true, 10_000);
      this.socket.write(encodeValueFrame(FrameKind.Verdict, { ok: true }));
      return this.host.adopt(this);
    }
    const handler = this.host.snapshotHandler();
    if (!handler) return this.refuse(`member ${selfId} takes no snapshots`);
    this.socket.setTimeout(this.host.snapshotIdleTimeoutMs, () => this.drop('snapshot transfer idle'));
    this.socket.setKeepAlive(true, 10_000);
    if (hello.metaFollows) this.awaitingMeta = handler;
    else this.receive(handler, hello.meta);
  }

  private receive(handler: SnapshotHandler, meta: unknown): void {
    this.awaitingMeta = undefined;
    this.receiver = new SnapshotReceiver(this.socket, this.peer, meta, handler, this.host.snapshotHighWaterBytes, this.host.log);
    this.host.adopt(this);
  }

  /** Tells the dialler why and hangs up; what it sends meanwhile is ignored. */
  private refuse(reason: string): void {
    this.refusing = true;
    this.host.refused();
    this.host.log.warn({ remote: this.remote(), reason }, 'refused peer connection');
    this.socket.end(encodeValueFrame(FrameKind.Verdict, { ok: false, reason }));
  }

  private remote(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }
}
