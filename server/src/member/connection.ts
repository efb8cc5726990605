// One client TCP connection: framing, the connect handshake, four-letter words, ordered replies and batched
// writes. Requests are handed to the member; replies are sent strictly in request order, so a read issued after
// a write of the same session waits for that write, as ZooKeeper guarantees.
import type { Socket } from 'node:net';
import {
  decodeConnectRequest, decodeRequestFrame, encodeNotification, encodeReply, ErrorCode, EventType, fourLetterWord,
  FrameDecoder, KeeperState, MarshallingError, OpCode, UnknownOpCodeError, type ConnectRequest, type Id,
  type ReplyBytes,
} from 'corral/protocol';
import { argumentBytes } from '../admin/four-letter.js';
import { isAccepted, opName, type AcceptedRequest } from './opcodes.js';
import { isReadOp } from './reads.js';
import type { RequestThrottle } from './request-throttle.js';
import type { TurnBudget } from './turn-budget.js';
import type { Watcher } from './watches.js';
import type { ConnectionInfo } from '../admin/view.js';

/** What a connection needs from the member. */
export interface ConnectionHost {
  readonly maxFrameSize: number;
  /** Largest backlog of unsent bytes before a client that does not read is disconnected. */
  readonly maxOutputBytes: number;
  /** Bounds the client work (frames handled, socket writes) of one turn of the event loop. */
  readonly turns: TurnBudget;
  /** globalOutstandingLimit: when a connection stops reading because too many requests are in process. */
  readonly throttle: RequestThrottle;
  handshake(conn: ClientConnection, req: ConnectRequest): void;
  request(conn: ClientConnection, xid: number, req: AcceptedRequest): void;
  /** The answer to a four-letter word: its 4 bytes and the argument bytes it takes (stmk's trace mask). */
  fourLetterWord(head: Buffer, argument: Buffer | undefined): Buffer;
  closed(conn: ClientConnection, reason: string): void;
  readonly stats: { latency(ms: number): void };
  lastZxid(): number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

export interface Slot {
  xid: number;
  op: OpCode;
  started: number;
  /** For writes: the term of the leader that took the proposal, once one did. */
  term?: number;
  /** The reply once known; a slot without one is a write waiting for its commit. */
  reply?: ReplyBytes;
  /** A read waiting for earlier requests to be answered first. */
  run?: () => ReplyBytes;
}

/** The connection a socket carries, so that one set of listener functions serves every socket. */
const CONNECTION = Symbol('connection');
type ConnectedSocket = Socket & { [CONNECTION]: ClientConnection };

function onSocketData(this: ConnectedSocket, chunk: Buffer): void {
  this[CONNECTION].onData(chunk);
}

function onSocketError(this: ConnectedSocket): void {
  this[CONNECTION].close('socket error');
}

function onSocketClose(this: ConnectedSocket): void {
  this[CONNECTION].close('peer closed');
}

/** Shared by connections with nothing queued (most idle ones): replaced by a real array on first use. */
const NO_SLOTS: readonly Slot[] = Object.freeze([]);

/**
 * What cons reports about the replies of a connection, made on its first counted reply: an idle connection only
 * handshakes and pings, which are not counted. Times are numbers beyond small integers (a boxed double each), so
 * they live here too.
 */
class ReplyStats {
  lastZxid = -1;
  lastResponseTime = 0;
  lastLatency = 0;
  minLatency = 0;
  maxLatency = 0;
  latencyTotal = 0;
  latencyCount = 0;

  record(now: number, latency: number): void {
    this.lastLatency = latency;
    this.lastResponseTime = now;
    this.latencyTotal += latency;
    this.latencyCount++;
    this.minLatency = this.latencyCount === 1 ? latency : Math.min(this.minLatency, latency);
    this.maxLatency = Math.max(this.maxLatency, latency);
  }

  resetLatency(): void {
    this.latencyTotal = this.latencyCount = this.minLatency = this.maxLatency = this.lastLatency = 0;
  }
}

/**
 * Connection start times are kept as milliseconds since this module loaded: a small integer stored in the object
 * itself, where an epoch time is a separate boxed double per connection. Beyond 2^31 ms either way (24 days, or a
 * clock stepped far back) the offset is a double too, as correct and as costly as before.
 */
const EPOCH = Date.now();

function sinceEpoch(now: number): number {
  const ms = now - EPOCH;
  return (ms | 0) === ms ? ms | 0 : ms;
}

/**
 * One string per client address rather than one per connection (clients come from a few hosts, each with many
 * sessions). Bounded: a member with connections from very many hosts only loses the sharing.
 */
const addresses = new Map<string, string>();
const MAX_SHARED_ADDRESSES = 4096;

function sharedAddress(raw: string): string {
  let addr = addresses.get(raw);
  if (addr === undefined) {
    if (addresses.size >= MAX_SHARED_ADDRESSES) addresses.clear();
    addr = normalizeAddress(raw);
    addresses.set(raw, addr);
  }
  return addr;
}

// A member may hold a hundred thousand idle connections, so what each costs matters: listeners are shared
// functions, the frame decoder exists only while a frame is partly received, and the reply queue, held frames,
// identities and reply statistics are made on first use.
export class ClientConnection implements Watcher, ConnectionInfo {
  /** Bytes of a frame not yet complete; undefined between frames. */
  private decoder: FrameDecoder | undefined;
  readonly remoteAddress: string;
  /** See EPOCH. */
  private readonly startedAt = sinceEpoch(Date.now());
  private identities: Id[] | undefined;
  sessionId: bigint | undefined;
  sessionTimeout = 0;
  readOnly = false;
  private state: 'new' | 'connecting' | 'open' | 'closed' = 'new';
  private slots = NO_SLOTS as Slot[];
  private corked = false;
  /** A frame waiting for a turn with time for it, the socket paused meanwhile (see TurnBudget). */
  private waitingFrame: Buffer | undefined;
  /** Not reading while too many requests are in process and some of ours are unanswered (see RequestThrottle). */
  private throttled = false;
  /** Frames that arrived while the handshake was being committed. */
  private held: Buffer[] | undefined;

  received = 0;
  sent = 0;
  lastOperation = 'NA';
  lastCxid = -1;
  private replies: ReplyStats | undefined = undefined;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.remoteAddress = sharedAddress(socket.remoteAddress ?? '');
    socket.setNoDelay(true);
    (socket as ConnectedSocket)[CONNECTION] = this;
    socket.on('data', onSocketData);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  /**
   * Identities for ACL checks: the client's address, then whatever addauth added. Never changed in place: a write
   * already on its way keeps the identities it was sent with (its transaction holds this very array).
   */
  get auth(): readonly Id[] {
    return (this.identities ??= [{ scheme: 'ip', id: this.remoteAddress }]);
  }

  /** addauth: the new identities go before the ip identity (the order whoAmI shows in ZooKeeper), once each. */
  addAuth(ids: readonly Id[]): void {
    const current = this.auth;
    const added = ids.filter((id) => !current.some((a) => a.scheme === id.scheme && a.id === id.id));
    const ipAt = current.findIndex((a) => a.scheme === 'ip');
    const at = ipAt < 0 ? current.length : ipAt;
    this.identities = [...current.slice(0, at), ...added, ...current.slice(at)];
  }

  get watcherKey(): object {
    return this;
  }

  get queued(): number {
    return this.slots.length;
  }

  /** Not a field of its own: the socket keeps its peer's address and port once asked (see the constructor). */
  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  get established(): number {
    return EPOCH + this.startedAt;
  }

  get lastZxid(): number {
    return this.replies?.lastZxid ?? -1;
  }

  get lastResponseTime(): number {
    return this.replies?.lastResponseTime ?? 0;
  }

  get lastLatency(): number {
    return this.replies?.lastLatency ?? 0;
  }

  get minLatency(): number {
    return this.replies?.minLatency ?? 0;
  }

  get maxLatency(): number {
    return this.replies?.maxLatency ?? 0;
  }

  get avgLatency(): number {
    const r = this.replies;
    return r === undefined || r.latencyCount === 0 ? 0 : r.latencyTotal / r.latencyCount;
  }

  resetStats(): void {
    this.received = this.sent = 0;
    this.replies?.resetLatency();
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  /** @internal Bytes from the socket. */
  onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    const decoder = (this.decoder ??= new FrameDecoder(this.host.maxFrameSize));
    decoder.push(chunk);
    // Behind a frame that waits for a turn, everything waits: a session's requests are handled in order.
    if (this.waitingFrame !== undefined || this.throttled) return;
    try {
      if (this.state === 'new') {
        // A four-letter word or a handshake's length prefix: too few bytes yet to tell. Once the prefix has been
        // read (peekInt answers null then), the handshake's body may still be on its way in later chunks.
        const first = decoder.peekInt();
        if (first === null && decoder.bufferedBytes < 4) return;
        const word = first === null ? undefined : fourLetterWord(first);
        if (word !== undefined) return this.answerFourLetterWord(decoder, word);
      }
      for (let frame = this.nextFrame(decoder); frame !== null && this.isOpen; frame = this.nextFrame(decoder)) {
        // In a storm, costly frames (handshakes, writes, closes) wait with the socket paused for a turn with time
        // for them; reads and pings are answered at once, so a client that only reads never queues behind it.
        if (!this.host.turns.hasTime() && !this.isCheap(frame)) return this.pauseInput(frame);
        this.onFrame(frame);
      }
      // Frames that arrived whole (the usual case) leave nothing behind to keep.
      if (decoder.bufferedBytes === 0 && this.decoder === decoder) this.decoder = undefined;
    } catch (err) {
      this.protocolError(err);
    }
  }

  /** The next whole frame, unless this connection must stop reading first (then null, the socket paused). */
  private nextFrame(decoder: FrameDecoder): Buffer | null {
    if (this.state === 'open' && this.host.throttle.holds(this.slots.length)) {
      this.throttled = true;
      this.socket.pause();
      return null;
    }
    return decoder.next();
  }

  /** Reads again once this connection's replies brought the requests in process back within the limit. */
  private releaseThrottle(): void {
    if (!this.throttled || this.host.throttle.holds(this.slots.length)) return;
    this.throttled = false;
    // Not from within the reply's callback (an apply batch): the frames waiting behind go in a turn of their own.
    this.host.turns.run(resumeReading, this);
  }

  /** @internal Carries on with the frames that arrived while reading was throttled (see releaseThrottle). */
  resumeReading(): void {
    if (!this.isOpen || this.throttled || this.waitingFrame !== undefined) return;
    this.socket.resume();
    this.onData(NO_BYTES);
  }

  /** Frames answered from this member's memory: local reads and pings, and anything held during a handshake. */
  private isCheap(frame: Buffer): boolean {
    if (this.state === 'connecting') return true;
    if (this.state !== 'open' || frame.length < 8) return false;
    const op = frame.readInt32BE(4); // after the xid
    return op === OpCode.Ping || isReadOp(op);
  }

  private pauseInput(frame: Buffer): void {
    this.waitingFrame = frame;
    this.socket.pause();
    this.host.turns.later(resumeInput, this);
  }

  /** @internal Carries on with the frame that waited for a turn, and those behind it (see pauseInput). */
  resumeInput(): void {
    const frame = this.waitingFrame!;
    this.waitingFrame = undefined;
    if (!this.isOpen) return;
    if (!this.throttled) this.socket.resume();
    try {
      this.onFrame(frame);
    } catch (err) {
      return this.protocolError(err);
    }
    this.onData(NO_BYTES);
  }

  private onFrame(frame: Buffer): void {
    this.received++;
    switch (this.state) {
      case 'new':
        this.state = 'connecting';
        this.host.handshake(this, decodeConnectRequest(frame));
        return;
      case 'connecting':
        (this.held ??= []).push(frame);
        return;
      case 'open':
        this.dispatch(frame);
        return;
    }
  }

  private dispatch(frame: Buffer): void {
    let decoded;
    try {
      decoded = decodeRequestFrame(frame);
    } catch (err) {
      if (err instanceof UnknownOpCodeError) return this.refuseRequest(err.xid, err.opCode);
      throw err;
    }
    const { header, request } = decoded;
    if (!isAccepted(request)) return this.refuseRequest(header.xid, request.type);
    this.lastCxid = header.xid;
    this.lastOperation = opName(request.type);
    this.host.request(this, header.xid, request);
  }

  /**
   * An opcode clients may not send (see OPCODES): ZooKeeper's answer to an unknown request, UNIMPLEMENTED with its
   * xid, then the connection closed. The session lives on for the client's next connection.
   */
  private refuseRequest(xid: number, opCode: number): void {
    this.host.log.warn({ session: hex(this.sessionId), xid, opCode }, 'unknown request type');
    this.answer(xid, OpCode.Error, () => encodeReply(xid, this.host.lastZxid(), ErrorCode.Unimplemented));
    this.closeAfterFlush('unknown request type');
  }

  /** Session established: sends the connect response and starts on frames that were waiting. */
  accept(response: Buffer, sessionId: bigint, timeout: number): void {
    if (this.state !== 'connecting') return;
    this.sessionId = sessionId;
    this.sessionTimeout = timeout;
    this.state = 'open';
    this.write(response);
    // As ZooKeeper's "Established session": the one line an operator greps for when a client cannot connect.
    this.host.log.info({ session: hex(sessionId), timeout, client: `${this.remoteAddress}:${this.remotePort}` }, 'established session');
    const held = this.held ?? [];
    this.held = undefined;
    try {
      for (const frame of held) if (this.isOpen) this.dispatch(frame);
    } catch (err) {
      this.protocolError(err);
    }
  }

  /** Handshake refused: answer (if there is an answer) and close. */
  refuse(response: Buffer | undefined, reason: string): void {
    if (response) this.write(response);
    this.closeAfterFlush(reason);
  }

  /** A reply that can be computed now, in order behind anything still pending. */
  answer(xid: number, op: OpCode, compute: () => ReplyBytes): void {
    if (this.slots.length === 0) {
      this.writeReply(Date.now(), compute(), op !== OpCode.Ping);
    } else {
      this.queue({ xid, op, started: Date.now(), run: compute });
    }
  }

  private queue(slot: Slot): void {
    if (this.slots === NO_SLOTS) this.slots = [];
    this.slots.push(slot);
    this.host.throttle.started();
  }

  /** Reserves the reply slot of a write; `complete` fills it once the write is applied. */
  expectWrite(xid: number, op: OpCode): Slot {
    const slot: Slot = { xid, op, started: Date.now() };
    this.queue(slot);
    return slot;
  }

  /** Whether a write handed to a leader of a term before `term` is still unanswered. */
  hasWriteHandedBefore(term: number): boolean {
    return this.slots.some((s) => s.reply === undefined && s.run === undefined && s.term !== undefined && s.term < term);
  }

  /** The reply to the oldest pending write with this xid (`fanOut`: one of many sent at once, see write). */
  complete(xid: number, reply: Buffer, zxid: number, fanOut = false): void {
    (this.replies ??= new ReplyStats()).lastZxid = zxid;
    const slot = this.slots.find((s) => s.xid === xid && s.reply === undefined && s.run === undefined);
    if (!slot) return;
    slot.reply = reply;
    this.flushSlots(fanOut);
  }
  /** Like complete, but the reply is made only once every earlier reply has gone out, so it shows the state then. */
  completeWhenDue(xid: number, compute: () => Buffer): void {
    const slot = this.slots.find((s) => s.xid === xid && s.reply === undefined && s.run === undefined);
    if (!slot) return;
    slot.run = compute;
    this.flushSlots();
  }


  private flushSlots(fanOut = false): void {
    while (this.slots.length > 0) {
      const head = this.slots[0]!;
      if (head.reply === undefined && head.run === undefined) break;
      this.slots.shift();
      this.host.throttle.finished();
      this.writeReply(head.started, head.reply ?? head.run!(), head.op !== OpCode.Ping, fanOut);
    }
    this.releaseThrottle();
  }

  private writeReply(started: number, reply: ReplyBytes, counted: boolean, fanOut = false): void {
    if (counted) {
      const now = Date.now();
      const latency = now - started;
      (this.replies ??= new ReplyStats()).record(now, latency);
      this.host.stats.latency(latency);
    }
    this.write(reply, fanOut);
  }

  /**
   * A watch event. One change may notify thousands of connections (a herd): they share one encoded frame, and
   * their batches leave within the turn budget instead of as thousands of writes in one stretch.
   */
  notify(type: EventType, path: string): void {
    this.write(notificationFrame(type, this.readOnly ? KeeperState.ConnectedReadOnly : KeeperState.SyncConnected, path), true);
  }

  /**
   * Queues one frame. Everything written in one callback leaves in one batch (writev, no copy), at its end or, in
   * a storm, in a later turn (see TurnBudget): the order of this connection's frames never changes. `fanOut`
   * marks a frame sent to many connections at once (watch events, session closes).
   */
  write(frame: ReplyBytes, fanOut = false): void {
    if (this.state === 'closed') return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      // A small reply leaves at the end of this callback; a large one (say a 64 KiB map for each of a herd of
      // readers) or one of a fan-out when a turn has time for it.
      if (!fanOut && frameBytes(frame) < SMALL_BATCH_BYTES) process.nextTick(uncork, this);
      else this.host.turns.run(uncork, this);
    }
    this.sent++;
    if (Buffer.isBuffer(frame)) this.socket.write(frame);
    else for (const chunk of frame) this.socket.write(chunk);
    if (this.socket.writableLength > this.host.maxOutputBytes) {
      this.host.log.warn({ client: this.remoteAddress, session: hex(this.sessionId), backlog: this.socket.writableLength }, 'client is not reading its replies; closing its connection');
      this.close('output backlog');
    }
  }

  /** Answers a four-letter word (once its argument bytes, if any, have arrived) and closes, as ZooKeeper does. */
  private answerFourLetterWord(decoder: FrameDecoder, word: string): void {
    const extra = argumentBytes(word);
    if (decoder.bufferedBytes < 4 + extra) return;
    this.state = 'closed';
    const head = decoder.takeBytes(4)!;
    const argument = extra > 0 ? decoder.takeBytes(extra)! : undefined;
    this.socket.end(this.host.fourLetterWord(head, argument));
    this.host.closed(this, 'four-letter word answered');
  }

  private protocolError(err: unknown): void {
    const reason = err instanceof MarshallingError ? err.message : `internal error: ${(err as Error)?.stack ?? err}`;
    this.host.log.warn({ client: `${this.remoteAddress}:${this.remotePort}`, session: hex(this.sessionId), reason }, 'closing connection after a bad request');
    this.close(reason);
  }

  /** @internal Sends what write() queued. */
  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  private closeAfterFlush(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.dropSlots();
    // Ends after the queued frames, in a turn with time for it (closing thousands at once is a storm of its own).
    this.host.turns.run(endSocket, this.socket);
    this.host.closed(this, reason);
  }

  close(reason: string): void {
    if (this.state === 'closed') {
      this.socket.destroy();
      return;
    }
    this.state = 'closed';
    this.dropSlots();
    this.socket.destroy();
    this.host.closed(this, reason);
  }

  /** A closed connection sends no more replies: its unanswered requests no longer count as in process. */
  private dropSlots(): void {
    this.host.throttle.finished(this.slots.length);
    this.slots = NO_SLOTS as Slot[];
  }

  /** Closes after everything queued so far has been sent (closeSession, expiry). */
  finish(): void {
    this.closeAfterFlush('session closed');
  }
}

const NO_BYTES = Buffer.alloc(0);
/** Output batches that start with a frame smaller than this are sent without waiting for the budget. */
const SMALL_BATCH_BYTES = 4096;

function frameBytes(frame: ReplyBytes): number {
  if (Buffer.isBuffer(frame)) return frame.length;
  let n = 0;
  for (const chunk of frame) n += chunk.length;
  return n;
}

/** The last notification encoded: a fan-out sends the same frame to every watcher. */
let lastNotification: { type: EventType; state: KeeperState; path: string; frame: Buffer } | undefined;

function notificationFrame(type: EventType, state: KeeperState, path: string): Buffer {
  const last = lastNotification;
  if (last !== undefined && last.type === type && last.state === state && last.path === path) return last.frame;
  const frame = encodeNotification({ type, state, path });
  lastNotification = { type, state, path, frame };
  return frame;
}

function resumeInput(conn: ClientConnection): void {
  conn.resumeInput();
}

function resumeReading(conn: ClientConnection): void {
  conn.resumeReading();
}

function uncork(conn: ClientConnection): void {
  conn.uncork();
}

/**
 * Lets go of the socket once every queued byte is with the kernel (which sends them, then FIN), as ZooKeeper
 * closes a connection after the last reply. Waiting for the client's FIN instead would handle it (a read event, a
 * stream end, the teardown) in the event loop's I/O phase, unbudgeted, for each of thousands of clients closing
 * at once; closing here does the teardown within the budget.
 */
function endSocket(socket: Socket): void {
  if (socket.writableLength === 0) socket.destroy();
  else socket.destroySoon();
}

export function hex(id: bigint | undefined): string {
  return id === undefined ? '0x0' : '0x' + BigInt.asUintN(64, id).toString(16);
}

function normalizeAddress(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
