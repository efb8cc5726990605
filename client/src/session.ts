// A ZooKeeper session over a sequence of connections: host rotation, handshake with the previous session id,
// password and last zxid seen, re-sending auth and watches after a reconnect, pings and read timeouts,
// request timeouts, bounded outstanding requests, and matching replies to requests in order.
import { EventEmitter } from 'node:events';
import {
  decodeResponse, decodeServerFrame, encodeRequest, ErrorCode, OpCode, PROTOCOL_VERSION, Xid, type ClientRequest,
  type ClientResponse, type ConnectResponse, type ReplyHeader, type WatcherEvent,
} from 'corral/protocol';
import type { HostPort } from './connect-string.js';
import { Connection } from './connection.js';
import {
  AuthFailedError,
  ConnectionLossError,
  RequestTimeoutError,
  SessionExpiredError,
  errorFor,
  type ZooKeeperError,
} from './errors.js';
import type { ClientState } from './types.js';

/** Server paths of every watch the client holds, re-registered after a reconnect. */
export interface WatchLists {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  persistentRecursive: string[];
}

export interface SessionOptions {
  /** Servers in the order to try them (already shuffled). */
  hosts: HostPort[];
  /** Requested session timeout (ms); the server may negotiate it. */
  sessionTimeout: number;
  /** Per-request timeout (ms) from submission to reply; 0 disables it. */
  requestTimeout: number;
  /** Requests sent but not yet answered, at most; further ones wait in the client. */
  maxOutstanding: number;
  /** Accept a read-only server (one cut off from its quorum). */
  canBeReadOnly: boolean;
  /** Resume this session instead of creating one. */
  sessionId?: bigint;
  sessionPassword?: Buffer;
  /** Called synchronously for each notification, before any reply that follows it on the wire. */
  onNotification(event: WatcherEvent): void;
  watchesToRestore(): WatchLists;
}

export interface Reply {
  header: ReplyHeader;
  body: ClientResponse | undefined;
}

interface Pending {
  request: ClientRequest;
  /** The request encoded with xid 0; the real xid is patched in when it is sent. */
  frame: Buffer;
  xid: number;
  /** Client path, for error messages. */
  path: string | undefined;
  /** Runs synchronously when the reply is read, before any later frame (e.g. to register a watch). */
  onReply: ((header: ReplyHeader) => void) | undefined;
  resolve(reply: Reply): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
}

interface AuthInfo {
  scheme: string;
  auth: Buffer;
  waiters: { resolve(): void; reject(err: Error): void }[];
}

const TERMINAL: ReadonlySet<ClientState> = new Set(['expired', 'auth-failed', 'closed']);
/** ZooKeeper's client splits setWatches into packets of about this many path bytes. */
const SET_WATCHES_BATCH_BYTES = 128 * 1024;
const MAX_XID = 0x7fffffff;

export class Session extends EventEmitter {
  state: ClientState = 'connecting';
  sessionId: bigint;
  password: Buffer;
  /** The session timeout the server granted (0 before the first handshake). */
  negotiatedTimeout = 0;
  /** Highest zxid seen in a reply; sent on reconnect so no server behind us accepts the session. */
  lastZxid = 0;
  /** The server of the current connection, if any. */
  server: HostPort | undefined;

  private conn: Connection | null = null;
  private hostIndex = -1;
  private attempts = 0;
  private closing = false;
  private queue: Pending[] = [];
  private inflight: Pending[] = [];
  private nextXid = 1;
  private auths: AuthInfo[] = [];
  private authInFlight: AuthInfo[] = [];
  private pingTimer: NodeJS.Timeout | undefined;
  private readTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SessionOptions) {
    super();
    this.sessionId = opts.sessionId ?? 0n;
    this.password = opts.sessionPassword ?? Buffer.alloc(16);
  }

  get terminal(): boolean {
    return TERMINAL.has(this.state);
  }

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.inflight.length;
  }

  /** Requests waiting to be sent (disconnected, or over maxOutstanding). */
  get queued(): number {
    return this.queue.length;
  }

  start(): void {
    void this.connectLoop();
  }

  /**
   * Queues a request; resolves with its reply header and decoded body (undefined when header.err ≠ 0).
   * `onReply` runs as soon as the reply is read, before notifications behind it are dispatched.
   */
  submit(request: ClientRequest, path?: string, onReply?: (header: ReplyHeader) => void): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (this.terminal) {
        reject(this.terminalError(path));
        return;
      }
      const pending: Pending = {
        request,
        frame: encodeRequest(0, request),
        xid: 0,
        path,
        onReply,
        resolve,
        reject,
        timer: undefined,
        settled: false,
      };
      if (this.opts.requestTimeout > 0) {
        pending.timer = setTimeout(() => this.timeOut(pending), this.opts.requestTimeout);
      }
      this.queue.push(pending);
      this.flush();
    });
  }

  /** Adds credentials to the session; they are re-sent on every reconnect. */
  addAuth(scheme: string, auth: Buffer): Promise<void> {
    if (this.terminal) return Promise.reject(this.terminalError());
    return new Promise((resolve, reject) => {
      const info: AuthInfo = { scheme, auth, waiters: [{ resolve, reject }] };
      this.auths.push(info);
      if (this.conn && this.isConnected()) this.sendAuth(info);
    });
  }

  /** Closes the session on the server (best effort within a short wait), then stops. */
  async close(): Promise<void> {
    if (this.terminal) return;
    if (this.conn && this.isConnected()) {
      this.closing = true;
      const reply = this.submit({ type: OpCode.CloseSession }).catch(() => undefined);
      const wait = Math.min(2000, this.negotiatedTimeout || 2000);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([reply, new Promise((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
    }
    this.terminate('closed');
  }

  /** Drops the current connection as if the network failed; the session reconnects (for tests and tools). */
  dropConnection(reason = 'connection dropped by the client'): void {
    this.conn?.close(new Error(reason));
  }

  private isConnected(): boolean {
    return this.state === 'connected' || this.state === 'read-only';
  }

  private async connectLoop(): Promise<void> {
    const hosts = this.opts.hosts;
    while (!this.terminal && this.conn === null) {
      if (this.attempts > 0 && this.attempts % hosts.length === 0) {
        // Every host failed once in a row: wait a little before the next round, as ZooKeeper's client does.
        await sleep(50 + Math.random() * 950);
        if (this.terminal) return;
      }
      this.hostIndex = (this.hostIndex + 1) % hosts.length;
      const server = hosts[this.hostIndex]!;
      this.attempts++;
      const timeout = Math.max(1000, Math.floor((this.negotiatedTimeout || this.opts.sessionTimeout) / hosts.length));
      let opened: { connection: Connection; response: ConnectResponse };
      try {
        opened = await Connection.open(
          server,
          {
            protocolVersion: PROTOCOL_VERSION,
            lastZxidSeen: this.lastZxid,
            timeOut: this.opts.sessionTimeout,
            sessionId: this.sessionId,
            passwd: this.password,
            readOnly: this.opts.canBeReadOnly,
          },
          timeout,
        );
      } catch (err) {
        this.emit('connect-error', err, server);
        continue;
      }
      if (this.terminal) {
        opened.connection.close();
        return;
      }
      if (opened.response.timeOut <= 0) {
        // The server no longer knows this session (or refused it): it is gone for good.
        opened.connection.close();
        this.terminate('expired');
        return;
      }
      this.established(opened.connection, opened.response);
    }
  }

  private established(conn: Connection, res: ConnectResponse): void {
    this.conn = conn;
    this.server = conn.server;
    this.attempts = 0;
    this.sessionId = res.sessionId;
    this.password = Buffer.from(res.passwd);
    this.negotiatedTimeout = res.timeOut;
    conn.attach({ frame: (f) => this.onFrame(conn, f), closed: (err) => this.onConnectionLost(conn, err) });
    for (const info of this.auths) this.sendAuth(info);
    this.sendSetWatches();
    this.startTimers(conn);
    this.state = res.readOnly ? 'read-only' : 'connected';
    this.flush();
    this.announce();
  }

  private onFrame(conn: Connection, frame: Buffer): void {
    this.readTimer?.refresh();
    const msg = decodeServerFrame(frame);
    if (msg.kind === 'notification') {
      this.opts.onNotification(msg.event);
      return;
    }
    const h = msg.header;
    if (h.zxid > this.lastZxid) this.lastZxid = h.zxid;
    switch (h.xid) {
      case Xid.Ping:
        return;
      case Xid.Auth:
        this.onAuthReply(h.err);
        return;
      case Xid.SetWatches:
        if (h.err !== 0) this.emit('connect-error', errorFor(h.err, undefined, 'setWatches failed'), this.server);
        return;
    }
    const head = this.inflight[0];
    if (head === undefined || head.xid !== h.xid) {
      conn.close(new Error(`reply xid ${h.xid} does not match the oldest request's xid ${head?.xid ?? 'none'}`));
      return;
    }
    const body = h.err === 0 ? decodeResponse(head.request.type, msg.reader) : undefined;
    this.inflight.shift();
    this.settle(head, () => {
      head.onReply?.(h);
      head.resolve({ header: h, body });
    });
    this.flush();
  }

  private onAuthReply(err: number): void {
    const info = this.authInFlight.shift();
    if (info === undefined) return;
    const waiters = info.waiters.splice(0);
    if (err === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.auths = this.auths.filter((a) => a !== info);
    const error = errorFor(err, undefined, `auth scheme ${info.scheme}`);
    for (const w of waiters) w.reject(error);
    if (err === ErrorCode.AuthFailed) this.terminate('auth-failed');
  }

  private onConnectionLost(conn: Connection, reason: Error): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.server = undefined;
    this.stopTimers();
    this.authInFlight = [];
    const lost = this.inflight.splice(0);
    for (const p of lost) this.settle(p, () => p.reject(new ConnectionLossError(p.path, reason.message)));
    if (this.terminal) return;
    if (this.closing) {
      this.terminate('closed');
      return;
    }
    this.state = 'disconnected';
    this.announce();
    void this.connectLoop();
  }

  private flush(): void {
    const conn = this.conn;
    if (conn === null || !this.isConnected()) return;
    while (this.queue.length > 0 && this.inflight.length < this.opts.maxOutstanding) {
      const p = this.queue.shift()!;
      p.xid = this.nextXid;
      this.nextXid = this.nextXid === MAX_XID ? 1 : this.nextXid + 1;
      p.frame.writeInt32BE(p.xid, 4); // after the 4-byte length prefix
      this.inflight.push(p);
      conn.send(p.frame);
    }
  }

  private sendAuth(info: AuthInfo): void {
    this.authInFlight.push(info);
    this.conn!.send(encodeRequest(Xid.Auth, { type: OpCode.Auth, authType: 0, scheme: info.scheme, auth: info.auth }));
  }

  private sendSetWatches(): void {
    const w = this.opts.watchesToRestore();
    const lists = [w.data, w.exist, w.child, w.persistent, w.persistentRecursive];
    if (lists.every((l) => l.length === 0)) return;
    // Servers older than 3.6 only know setWatches; use setWatches2 only when persistent watches need it.
    const v2 = w.persistent.length > 0 || w.persistentRecursive.length > 0;
    for (const [data, exist, child, persistent, persistentRecursive] of batchPaths(lists, SET_WATCHES_BATCH_BYTES)) {
      const common = { relativeZxid: this.lastZxid, dataWatches: data!, existWatches: exist!, childWatches: child! };
      this.conn!.send(
        encodeRequest(
          Xid.SetWatches,
          v2
            ? { type: OpCode.SetWatches2, ...common, persistentWatches: persistent!, persistentRecursiveWatches: persistentRecursive! }
            : { type: OpCode.SetWatches, ...common },
        ),
      );
    }
  }

  private startTimers(conn: Connection): void {
    const t = this.negotiatedTimeout;
    this.pingTimer = setInterval(() => conn.send(encodeRequest(Xid.Ping, { type: OpCode.Ping })), Math.max(1, Math.floor(t / 3)));
    this.readTimer = setTimeout(
      () => conn.close(new Error(`nothing heard from the server for ${Math.floor((t * 2) / 3)} ms`)),
      Math.max(1, Math.floor((t * 2) / 3)),
    );
  }

  private stopTimers(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.readTimer);
    this.pingTimer = this.readTimer = undefined;
  }

  private timeOut(p: Pending): void {
    const queued = this.queue.indexOf(p);
    if (queued >= 0) this.queue.splice(queued, 1);
    const sent = this.inflight.indexOf(p);
    if (sent >= 0) this.inflight.splice(sent, 1);
    this.settle(p, () => p.reject(new RequestTimeoutError(p.path, `no reply within ${this.opts.requestTimeout} ms`)));
    // A reply may still come for a sent request; the connection's reply order is no longer known to hold
    // for it, so start over on a fresh connection (what ZooKeeper's Java client does too).
    if (sent >= 0) this.conn?.close(new Error('request timed out'));
  }

  private settle(p: Pending, action: () => void): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    action();
  }

  private terminalError(path?: string): ZooKeeperError {
    if (this.state === 'auth-failed') return new AuthFailedError(path);
    return new SessionExpiredError(path, this.state === 'closed' ? 'the client is closed' : undefined);
  }

  private terminate(state: 'expired' | 'auth-failed' | 'closed'): void {
    if (this.terminal) return;
    this.state = state;
    this.stopTimers();
    const conn = this.conn;
    this.conn = null;
    this.server = undefined;
    conn?.close();
    for (const p of [...this.inflight.splice(0), ...this.queue.splice(0)]) {
      this.settle(p, () => p.reject(this.terminalError(p.path)));
    }
    for (const info of this.auths) for (const w of info.waiters.splice(0)) w.reject(this.terminalError());
    this.announce();
  }

  private announce(): void {
    this.emit('state', this.state);
    this.emit(this.state);
  }
}

/** Splits lists of paths into batches whose total length stays near `limit` (each batch has every list). */
export function batchPaths(lists: string[][], limit: number): string[][][] {
  const batches: string[][][] = [];
  let current = lists.map(() => [] as string[]);
  let size = 0;
  lists.forEach((list, k) => {
    for (const path of list) {
      if (size > 0 && size + path.length > limit) {
        batches.push(current);
        current = lists.map(() => [] as string[]);
        size = 0;
      }
      current[k]!.push(path);
      size += path.length;
    }
  });
  if (size > 0) batches.push(current);
  return batches;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
