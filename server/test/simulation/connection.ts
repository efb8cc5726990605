// One simulated client connection: in order both ways with small delays, closed by either end (a crash, a member
// dropping a client whose write was lost, a client giving up). The member side keeps the real connection's reply
// discipline (server/src/member/connection.ts): replies leave in request order, a read queued behind a write is
// computed only when the write's reply is ready, and unanswered writes remember the term of the leader that took them.
import type { ErrorCode } from '../../../protocol/src/constants.js';
import { decodeConnectResponse } from '../../../protocol/src/messages.js';
import type { ClientRequest, ClientResponse } from '../../../protocol/src/records.js';
import type { NodeId } from '../../src/consensus/types.js';
import type { AdmissionConnection } from '../../src/member/session-admission.js';
import type { Txn, TxnKind } from '../../src/state/txn.js';
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

interface Slot {
  xid: number;
  term?: number;
  reply?: Reply;
  run?: () => Reply;
}

export class SimConnection implements AdmissionConnection {
  open = true;
  readOnly = false;
  readonly remoteAddress = '127.0.0.1';
  sessionId: bigint | undefined;
  /** Member side: syncs waiting for their barrier, and the writes sent after them, held until they are met. */
  syncsPending = 0;
  heldWrites: Array<Extract<Txn, { kind: TxnKind.Request }>> = [];
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

  /** Either end gives up on the connection; the other end finds out. */
  close(reason: string): void {
    if (!this.open) return;
    this.open = false;
    this.member.closed(this);
    this.events.after(this.delay(), () => this.client.closed(this, reason));
  }

  // ---- member side ----

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

  /** A reply that can be computed now, in order behind anything still pending. */
  answer(xid: number, compute: () => Reply): void {
    if (this.slots.length === 0) this.send(compute());
    else this.slots.push({ xid, run: compute });
  }

  expectWrite(xid: number): void {
    this.slots.push({ xid });
  }

  /** The write `xid` was taken by the leader of `term`; false if it is answered already. */
  handed(xid: number, term: number): boolean {
    const slot = this.slots.find((s) => s.xid === xid && s.reply === undefined && s.run === undefined);
    if (slot) slot.term = term;
    return slot !== undefined;
  }

  hasWriteHandedBefore(term: number): boolean {
    return this.slots.some((s) => s.reply === undefined && s.run === undefined && s.term !== undefined && s.term < term);
  }

  /** The reply to the oldest pending write with this xid; a function computes it when its turn comes. */
  complete(xid: number, reply: Reply | (() => Reply)): void {
    const slot = this.slots.find((s) => s.xid === xid && s.reply === undefined && s.run === undefined);
    if (!slot) return;
    if (typeof reply === 'function') slot.run = reply;
    else slot.reply = reply;
    while (this.slots.length > 0) {
      const head = this.slots[0]!;
      if (head.reply === undefined && head.run === undefined) return;
      this.slots.shift();
      this.send(head.reply ?? head.run!());
    }
  }

  private send(reply: Reply): void {
    this.toClient(() => this.client.reply(this, reply));
  }

  private toMember(fn: () => void): void {
    this.toMemberTail = this.ordered(this.toMemberTail, fn);
  }

  private toClient(fn: () => void): void {
    this.toClientTail = this.ordered(this.toClientTail, fn);
  }

  private ordered(tail: number, fn: () => void): number {
    const at = Math.max(this.events.now + this.delay(), tail);
    this.events.at(at, () => {
      if (this.open) fn();
    });
    return at;
  }

  private delay(): number {
    return 0.1 + this.rand() * 2;
  }
}
