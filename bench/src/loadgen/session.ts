// One ZooKeeper session on a raw socket, speaking protocol/src directly: no client library, so that the
// generator's own cost per request stays small and visible. Requests are pipelined; ZooKeeper answers a
// session's requests in order, so outstanding requests are a FIFO queue rather than a map by xid.
import { connect, type Socket } from 'node:net';
import {
  DEFAULT_MAX_BUFFER,
  OpCode,
  PROTOCOL_VERSION,
  SESSION_PASSWORD_LENGTH,
  Xid,
  decodeConnectResponse,
  decodeServerFrame,
  encodeConnectRequest,
  encodeRequest,
  type ClientRequest,
  type WatcherEvent,
} from '../../../protocol/src/index.js';
import { now } from '../clock.js';
import { FrameHeads } from './frame-heads.js';

/**
 * Every socket of this process reads into this one buffer (net's `onread`): each chunk is consumed before the
 * read callback returns, so no per-read buffer is allocated.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Called with the reply's error code (0 = ok, or a ZooKeeper ErrorCode; CONNECTION_LOST when the socket died). */
export type ReplyCallback = (err: number, sentAt: number) => void;

/** Error code handed to callbacks of requests still outstanding when the connection closes. */
export const CONNECTION_LOST = -4;

export interface SessionOptions {
  host: string;
  port: number;
  /** Session timeout asked of the server; the server may clamp it. */
  timeoutMs: number;
  /** Largest frame accepted from the server (raise with jute.maxbuffer for big nodes). */
  maxFrame?: number;
  /** Gives up on the TCP connect plus handshake after this long. */
  connectTimeoutMs?: number;
  onNotification?: (event: WatcherEvent) => void;
}

export class RawSession {
  sessionId = 0n;
  /** The timeout the server granted (0 before the handshake). */
  timeoutMs = 0;
  /** When the last frame was sent, for pinging idle sessions. */
  lastSent = 0;
  /** When the last frame from the server arrived. */
  lastReceived = 0;
  /** True from a successful handshake until the connection closes. */
  alive = false;
  /** Replies whose xid did not match the oldest outstanding request (a protocol-order violation). */
  outOfOrder = 0;

  private socket: Socket | null = null;
  private nextXid = 1;
  // Outstanding requests: parallel arrays used as a FIFO from `head`.
  private xids: number[] = [];
  private sentAts: number[] = [];
  private callbacks: ReplyCallback[] = [];
  private head = 0;
  private corked = false;
  private onClosed: (() => void)[] = [];

  constructor(private readonly opts: SessionOptions) {}

  get outstanding(): number {
    return this.xids.length - this.head;
  }

  /** Connects and completes the handshake; rejects if refused, expired or timed out. */
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      let handshaking = true;
      const fail = (why: string) => {
        if (!handshaking) return;
        handshaking = false;
        clearTimeout(timer);
        sock.destroy();
        reject(new Error(why));
      };
      const onFrame = (frame: Buffer) => {
        if (!handshaking) return this.onFrame(frame);
        const res = decodeConnectResponse(frame);
        if (res.timeOut <= 0) return fail('session refused (expired)');
        handshaking = false;
        clearTimeout(timer);
        this.sessionId = res.sessionId;
        this.timeoutMs = res.timeOut;
        this.alive = true;
        resolve();
      };
      const frames = new FrameHeads(this.opts.maxFrame ?? DEFAULT_MAX_BUFFER, onFrame);
      const onRead = (bytes: number, buf: Uint8Array) => {
        this.lastReceived = now();
        try {
          frames.push(Buffer.from(buf.buffer, buf.byteOffset, bytes));
        } catch (err) {
          fail((err as Error).message);
          sock.destroy();
        }
        return true;
      };
      const sock = connect({ host: this.opts.host, port: this.opts.port, onread: { buffer: READ_BUFFER, callback: onRead } });
      this.socket = sock;
      sock.setNoDelay(true);
      const timer = setTimeout(() => fail('connect timed out'), this.opts.connectTimeoutMs ?? 30_000);
      sock.on('connect', () => {
        this.lastSent = now();
        sock.write(encodeConnectRequest({
          protocolVersion: PROTOCOL_VERSION,
          lastZxidSeen: 0,
          timeOut: this.opts.timeoutMs,
          sessionId: 0n,
          passwd: Buffer.alloc(SESSION_PASSWORD_LENGTH),
          readOnly: false,
        }));
      });
      sock.on('error', (err) => fail(err.message));
      sock.on('close', () => {
        fail('connection closed during the handshake');
        this.alive = false;
        this.failOutstanding();
        for (const f of this.onClosed.splice(0)) f();
      });
    });
  }

  /** Sends a request; `cb` runs with the reply's error code. Frames sent in one tick go out in one write. */
  request(req: ClientRequest, cb: ReplyCallback): void {
    const sock = this.socket;
    if (!sock || !this.alive) {
      cb(CONNECTION_LOST, now());
      return;
    }
    const xid = this.nextXid++;
    const t = now();
    this.xids.push(xid);
    this.sentAts.push(t);
    this.callbacks.push(cb);
    this.send(sock, encodeRequest(xid, req), t);
  }

  /** Sends a ping (its reply is not queued: servers may answer pings out of band). */
  ping(): void {
    if (this.socket && this.alive) this.send(this.socket, encodeRequest(Xid.Ping, { type: OpCode.Ping }), now());
  }

  /** Sends closeSession and resolves when the server closed the connection (or at once if already closed). */
  close(): Promise<void> {
    if (!this.socket || this.socket.destroyed) return Promise.resolve();
    const closed = new Promise<void>((r) => this.onClosed.push(r));
    if (this.alive) this.request({ type: OpCode.CloseSession }, () => this.socket?.end());
    else this.socket.destroy();
    return closed;
  }

  /** Drops the connection without closing the session (the server expires it later). */
  destroy(): void {
    this.socket?.destroy();
  }

  private send(sock: Socket, frame: Buffer, t: number): void {
    this.lastSent = t;
    if (!this.corked) {
      this.corked = true;
      sock.cork();
      process.nextTick(() => {
        this.corked = false;
        sock.uncork();
      });
    }
    sock.write(frame);
  }

  /** A frame after the handshake (only the head of a large reply: see FrameHeads). */
  private onFrame(frame: Buffer): void {
    const msg = decodeServerFrame(frame);
    if (msg.kind === 'notification') {
      this.opts.onNotification?.(msg.event);
      return;
    }
    const { xid, err } = msg.header;
    if (xid < 0) return; // ping replies and other out-of-band answers
    if (this.head >= this.xids.length) {
      this.outOfOrder++;
      return;
    }
    if (this.xids[this.head] !== xid) this.outOfOrder++;
    const cb = this.callbacks[this.head]!;
    const sentAt = this.sentAts[this.head]!;
    this.callbacks[this.head] = noop;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.xids.length) this.compact();
    cb(err, sentAt);
  }

  private compact(): void {
    this.xids = this.xids.slice(this.head);
    this.sentAts = this.sentAts.slice(this.head);
    this.callbacks = this.callbacks.slice(this.head);
    this.head = 0;
  }

  private failOutstanding(): void {
    const callbacks = this.callbacks.slice(this.head);
    const sentAts = this.sentAts.slice(this.head);
    this.xids = [];
    this.sentAts = [];
    this.callbacks = [];
    this.head = 0;
    callbacks.forEach((cb, i) => cb(CONNECTION_LOST, sentAts[i]!));
  }
}

const noop: ReplyCallback = () => {};
