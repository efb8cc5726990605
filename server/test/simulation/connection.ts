// One simulated client connection: in order both ways with small delays, closed by either end (a crash, a member
// dropping a client whose write was lost, a client giving up). The member side is what the request path needs of a
// connection (PathConnection) with the real connection's reply discipline (server/src/member/connection.ts):
// replies leave in request order as the encoded frames the request path made, a read queued behind a write is
// computed only when the write's reply is ready, and unanswered writes remember the term of the leader that took
// them. The client gets each reply decoded by the type of its request.
import { ErrorCode, OpCode } from '../../../protocol/src/constants.js';
import { decodeConnectResponse, decodeReply } from '../../../protocol/src/messages.js';
import type { ClientRequest, ClientResponse, Id } from '../../../protocol/src/records.js';
import type { ReplyBytes } from '../../../protocol/src/response-codec.js';
import type { NodeId } from '../../src/consensus/types.js';
import type { PathConnection, WriteSlot } from '../../src/member/request-path.js';
import type { EventQueue } from './event-queue.js';

export interface Reply {
  xid: number;
  /** The header zxid: the write's own zxid, or what the member had applied when it answered. */
  zxid: number;
  err: ErrorCode;
  body?: ClientResponse;
}

export interface HandshakeRequest {
  sessionId: bigint;
  passwd: Buffer;
  lastZxidSeen: number;
}

/** The client's end. */
export interface ClientEnd {
  connected(conn: SimConnection, sessionId: bigint, passwd: Buffer): void;
  reply(conn: SimConnection, reply: Reply): void;
  closed(conn: SimConnection, reason: string): void;
}

/** The member's end. */
export interface MemberEnd {
  handshake(conn: SimConnection, req: HandshakeRequest): void;
  request(conn: SimConnection, xid: number, req: ClientRequest): void;
  closed(conn: SimConnection): void;
}

interface Slot extends WriteSlot {
  xid: number;
  op: OpCode;
  reply?: ReplyBytes;
  run?: () => ReplyBytes;
}

export class SimConnection implements PathConnection {
  /** The member's side is open: it may still send (a finished connection closes once its replies are out). */
  private open = true;
  /** Broken, not finished: what is on its way to the client is lost. */
  private broken = false;
  readOnly = false;
  readonly remoteAddress = '127.0.0.1';
  auth: readonly Id[] = [{ scheme: 'ip', id: this.remoteAddress }];
  sessionId: bigint | undefined;
  /**
   * A broken variant the checkers must catch (SyncMode 'afterBatch'): a reply completed "when due" is made at once,
   * with the state as it is then, as member.ts made sync's reply before 9aa18f6.
   */
  eagerReplies = false;
  private slots: Slot[] = [];
  private toMemberTail = 0;
  private toClientTail = 0;

  constructor(
    private readonly events: EventQueue,
    private readonly rand: () => number,
    readonly client: ClientEnd,
    readonly memberId: NodeId,
    private readonly member: MemberEnd,
  ) {}

  // ---- client side ----

  sendHandshake(req: HandshakeRequest): void {
    this.toMember(() => this.member.handshake(this, req));
  }

  sendRequest(xid: number, req: ClientRequest): void {
    this.toMember(() => this.member.request(this, xid, req));
  }

  /** Either end breaks the connection; the other end finds out, and what was on its way is lost. */
  close(reason: string): void {
    if (this.broken) return;
    this.broken = true;
    this.end(reason, this.events.now + this.delay());
  }

  // ---- member side (PathConnection) ----

  get isOpen(): boolean {
    return this.open;
  }

  /** The handshake succeeded: the client learns its session and password from the connect response. */
  accept(response: Buffer, sessionId: bigint): void {
    this.sessionId = sessionId;
    const { passwd } = decodeConnectResponse(response.subarray(4)); // after the frame's length
    this.toClient(() => this.client.connected(this, sessionId, passwd));
  }

  /** A refused handshake: the client finds the connection closed, as with a real one (it reads the response as an end). */
  refuse(_response: Buffer | undefined, reason: string): void {
    this.close(reason);
  }

  /** Closes once the replies queued so far have reached the client. */
  finish(): void {
    this.end('session closed', Math.max(this.events.now + this.delay(), this.toClientTail));
  }

  addAuth(ids: readonly Id[]): void {
    this.auth = [...ids, ...this.auth];
  }

  /** The simulated clients set no watches. */
  notify(): void {}

  answer(xid: number, op: OpCode, compute: () => ReplyBytes): void {
    if (this.slots.length === 0) this.send(op, compute());
    else this.slots.push({ xid, op, run: compute });
  }

  expectWrite(xid: number, op: OpCode): WriteSlot {
    const slot: Slot = { xid, op };
    this.slots.push(slot);
    return slot;
  }

  hasWriteHandedBefore(term: number): boolean {
    return this.slots.some((s) => s.reply === undefined && s.run === undefined && s.term !== undefined && s.term < term);
  }

  complete(xid: number, reply: Buffer): void {
    const slot = this.pendingSlot(xid);
    if (!slot) return;
    slot.reply = reply;
    this.flushSlots();
  }

  completeWhenDue(xid: number, compute: () => Buffer): void {
    const slot = this.pendingSlot(xid);
    if (!slot) return;
    if (this.eagerReplies) slot.reply = compute();
    else slot.run = compute;
    this.flushSlots();
  }

  private pendingSlot(xid: number): Slot | undefined {
    return this.slots.find((s) => s.xid === xid && s.reply === undefined && s.run === undefined);
  }

  private flushSlots(): void {
    while (this.slots.length > 0) {
      const head = this.slots[0]!;
      if (head.reply === undefined && head.run === undefined) return;
      this.slots.shift();
      this.send(head.op, head.reply ?? head.run!());
    }
  }

  /** A reply frame, decoded for the client by the type of its request. */
  private send(op: OpCode, frame: ReplyBytes): void {
    if (!this.open) return;
    const bytes = Buffer.isBuffer(frame) ? frame : Buffer.concat(frame);
    const { header, body } = decodeReply(bytes.subarray(4), op); // after the frame's length
    const reply: Reply = { xid: header.xid, zxid: header.zxid, err: header.err, ...(body ? { body } : {}) };
    this.toClient(() => this.client.reply(this, reply));
  }

  /** The member forgets the connection now; the client finds out at `at`. */
  private end(reason: string, at: number): void {
    if (!this.open) return;
    this.open = false;
    this.member.closed(this);
    this.events.at(at, () => this.client.closed(this, reason));
  }

  private toMember(fn: () => void): void {
    this.toMemberTail = this.ordered(this.toMemberTail, () => this.open && fn());
  }

  private toClient(fn: () => void): void {
    this.toClientTail = this.ordered(this.toClientTail, () => !this.broken && fn());
  }

  private ordered(tail: number, fn: () => void): number {
    const at = Math.max(this.events.now + this.delay(), tail);
    this.events.at(at, fn);
    return at;
  }

  private delay(): number {
    return 0.1 + this.rand() * 2;
  }
}
