// The connection this member keeps to one peer for everything it sends there (Raft and aux frames). It dials
// until the peer accepts its Hello, redials forever with exponential backoff once the connection drops, and
// writes queued frames in batches: one corked write per event-loop turn, never more than a bounded amount handed
// to the socket, so a slow peer makes the queue (and its bounds) do the waiting.
import net from 'node:net';
import type { NodeId } from '../consensus/types.js';
import type { LoggerLike } from '../storage/logger.js';
import { FRAME_HEADER_BYTES } from '../storage/frame.js';
import { SendQueue, frameBytes, type Lane, type OutFrame, type QueueLimits } from './send-queue.js';
import { FrameDecoder, FrameKind, PROTOCOL_VERSION, ProtocolError, decodeValue, encodeValueFrame, toVerdict, type PeerAddress } from './wire.js';

export type { PeerAddress } from './wire.js';

export interface LinkStats {
  /** The peer accepted our Hello and the connection is up. */
  connected: boolean;
  queuedMessages: number;
  queuedBytes: number;
  sentRaft: number;
  sentAux: number;
  /** Raft messages dropped because the queue was full or the message exceeded maxFrameBytes. */
  droppedRaft: number;
  droppedAux: number;
  /** Connections the peer accepted so far. */
  connects: number;
}

export interface LinkOptions {
  selfId: NodeId;
  /** Where this member listens, announced in the Hello (see Hello.address). */
  selfAddress: () => PeerAddress | undefined;
  peerId: NodeId;
  address: PeerAddress;
  limits: QueueLimits;
  maxFrameBytes: number;
  log: LoggerLike;
}

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;
const CONNECT_TIMEOUT_MS = 3000;
/** A connection that lasted this long counts as healthy: the next redial starts from the minimum backoff again. */
const STABLE_MS = 1000;
/** Bytes handed to the socket beyond which we wait for 'drain' instead of writing more. */
const SOCKET_BUDGET = 1 << 20;

export class OutboundLink {
  private address: PeerAddress;
  private readonly queue: SendQueue;
  private socket: net.Socket | undefined;
  private accepted = false;
  private started = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  /** The last connection problem logged, so a peer that stays down is reported once, not every second. */
  private reported = '';
  private readonly counters = { sentRaft: 0, sentAux: 0, droppedRaft: 0, droppedAux: 0, connects: 0 };

  constructor(private readonly opts: LinkOptions) {
    this.address = opts.address;
    this.queue = new SendQueue(opts.limits);
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.dial();
  }

  get connected(): boolean {
    return this.accepted;
  }

  stats(): LinkStats {
    return { connected: this.accepted, queuedMessages: this.queue.length, queuedBytes: this.queue.byteLength, ...this.counters };
  }

  /** Whether a frame of `lane` may still be queued; callers check before encoding so a dead peer costs no CPU. */
  hasRoom(lane: Lane): boolean {
    return !this.closed && this.queue.hasRoom(lane);
  }

  /** Queues a frame; false (and counted) if it was dropped. */
  enqueue(lane: Lane, frame: OutFrame): boolean {
    const bytes = frameBytes(frame);
    if (bytes - FRAME_HEADER_BYTES > this.opts.maxFrameBytes) {
      this.opts.log.warn({ peer: this.opts.peerId, bytes, lane }, 'peer message exceeds maxFrameBytes; dropped');
      return this.dropped(lane);
    }
    if (this.closed || !this.queue.push(lane, frame, bytes)) return this.dropped(lane);
    this.scheduleFlush();
    return true;
  }

  dropped(lane: Lane): false {
    if (lane === 'raft') this.counters.droppedRaft++;
    else this.counters.droppedAux++;
    return false;
  }

  /** The peer moved (reconfiguration): drop the current connection and dial the new address. */
  setAddress(address: PeerAddress): void {
    if (address.host === this.address.host && address.port === this.address.port) return;
    this.address = address;
    this.failures = 0;
    this.accepted = false; // frames queued from now on wait for the new connection
    this.socket?.destroy(new Error(`peer moved to ${address.host}:${address.port}`));
  }

  /**
   * The peer just connected to us, so it is up and likely lets us in too (a joiner the leader now reaches, a
   * member back from a restart): if we are waiting out a backoff, dial now.
   */
  redialNow(): void {
    if (this.closed || this.socket || this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.failures = 0;
    this.dial();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.queue.clear();
  }

  private dial(): void {
    const { selfId, peerId, selfAddress } = this.opts;
    const address = `${this.address.host}:${this.address.port}`;
    const socket = net.connect({ host: this.address.host, port: this.address.port });
    this.socket = socket;
    let problem = 'connection closed';
    let acceptedAt = 0;
    const decoder = new FrameDecoder(64 * 1024);
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('no answer to hello in time')));
    socket.once('connect', () => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 10_000);
      socket.write(encodeValueFrame(FrameKind.Hello, { version: PROTOCOL_VERSION, from: selfId, to: peerId, stream: 'messages', address: selfAddress() }));
    });
    socket.on('data', (data) => {
      try {
        for (const frame of decoder.push(data)) {
          // The peer says one thing on this connection: whether it accepts us.
          if (this.accepted || frame.kind !== FrameKind.Verdict) throw new ProtocolError(`unexpected frame kind ${frame.kind}`);
          const verdict = toVerdict(decodeValue(frame.payload));
          if (!verdict.ok) throw new ProtocolError(`refused: ${verdict.reason ?? 'no reason given'}`);
          this.accepted = true;
          acceptedAt = Date.now();
          this.counters.connects++;
          this.reported = '';
          socket.setTimeout(0);
          this.opts.log.info({ peer: peerId, address }, 'connected to peer');
          this.flush();
        }
      } catch (err) {
        problem = (err as Error).message;
        socket.destroy();
      }
    });
    socket.on('drain', () => this.flush());
    socket.on('error', (err) => (problem = err.message));
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      const wasAccepted = this.accepted;
      this.accepted = false;
      if (this.closed) return;
      if (wasAccepted || problem !== this.reported) {
        this.opts.log.warn({ peer: peerId, address, problem }, wasAccepted ? 'lost connection to peer' : 'cannot connect to peer');
        this.reported = problem;
      }
      if (wasAccepted && Date.now() - acceptedAt >= STABLE_MS) this.failures = 0;
      const delay = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.failures);
      this.failures = Math.min(this.failures + 1, 10);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.dial();
      }, delay);
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.accepted) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const socket = this.socket;
    if (!socket || !this.accepted || !socket.writable || socket.writableNeedDrain) return;
    socket.cork();
    while (socket.writableLength < SOCKET_BUDGET) {
      const item = this.queue.shift();
      if (!item) break;
      if (Buffer.isBuffer(item.frame)) socket.write(item.frame);
      else for (const piece of item.frame) socket.write(piece);
      if (item.lane === 'raft') this.counters.sentRaft++;
      else this.counters.sentAux++;
    }
    socket.uncork();
  }
}
