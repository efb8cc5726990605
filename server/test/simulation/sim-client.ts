// A simulated ZooKeeper client: one session, bound to one member at a time, pipelining a few requests on a small
// key space. Like a real client it carries its session id, password and the last zxid it has seen when it moves
// to another member (after its connection drops, its member crashes, or a request goes unanswered too long), and
// every request still in flight when a connection drops fails with connection loss: writes among them may or may
// not have happened.
import { ErrorCode, OpCode, Perms } from '../../../protocol/src/constants.js';
import type { ACL, ClientRequest, ClientResponse, MultiOp } from '../../../protocol/src/records.js';
import type { NodeId } from '../../src/consensus/types.js';
import type { SimConnection, Reply } from './connection.js';
import type { EventQueue } from './event-queue.js';
import type { HistoryOp, KeyOp, Outcome, ReadOp } from './history.js';
import type { Recorder } from './recorder.js';
import { SimSession, type MemberDirectory } from './sim-session.js';

export const KEYS = ['/k0', '/k1', '/k2', '/k3'];
const OPEN_ACL: ACL[] = [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }];
const MAX_PIPELINE = 3;

interface InFlight {
  xid: number;
  kind: 'write' | 'sync' | 'read';
  sentAt: number;
  /** The operation in the linearizability history (writes, and reads that follow a sync). */
  history?: HistoryOp;
  read?: ReadOp;
  seenBefore: number;
}

export interface ClientStats {
  requests: number;
  connectionLosses: number;
  sessionsLost: number;
  timeouts: number;
}

export class SimClient extends SimSession {
  active = true;
  private nextXid = 1;
  private nextData = 1;
  private inFlight: InFlight[] = [];
  private readonly versions = new Map<string, number>();
  /** The sync just sent, whose following read is linearizable from the sync's invocation on. */
  private syncInvoke: number | undefined;
  private readonly requestTimeout: number;

  constructor(
    readonly id: number,
    events: EventQueue,
    rand: () => number,
    private readonly recorder: Recorder,
    memberIds: readonly NodeId[],
    members: MemberDirectory,
    readonly stats: ClientStats,
    sessionTimeout: number,
  ) {
    super(events, rand, memberIds, members);
    // ZooKeeper clients give up on a connection that stays silent for 2/3 of the session timeout.
    this.requestTimeout = (sessionTimeout * 2) / 3;
  }

  start(): void {
    this.events.after(this.rand() * 20, () => this.act());
  }

  /** Drops the connection from the client side (a network hiccup). */
  disconnect(reason: string): void {
    this.conn?.close(reason);
  }

  /** The client's own loop: connect if needed, give up on a stuck request, send more work. */
  private act(): void {
    if (!this.conn) this.connect();
    else if (!this.ready && this.events.now - this.connectingSince > this.requestTimeout) {
      this.conn.close('connect timed out');
    } else if (this.ready) {
      const head = this.inFlight[0];
      if (head && this.events.now - head.sentAt > this.requestTimeout) {
        this.stats.timeouts++;
        this.conn.close('client timed out waiting for a reply');
      } else if (this.active && this.inFlight.length < MAX_PIPELINE) {
        this.issue();
      }
    }
    this.events.after(2 + this.rand() * 40, () => this.act());
  }

  protected connectionLost(expired: boolean): void {
    if (this.ready) this.stats.connectionLosses++;
    // Lost writes stay in the history with an unknown outcome; reads without a reply constrain nothing.
    for (const f of this.inFlight) {
      if (f.history && f.kind === 'read') this.recorder.discard(f.history);
      else if (f.history) this.recorder.lost(f.history, this.session!.id, f.xid);
    }
    this.inFlight = [];
    this.syncInvoke = undefined;
    if (expired) this.stats.sessionsLost++;
  }

  reply(conn: SimConnection, r: Reply): void {
    if (conn !== this.conn) return;
    const f = this.inFlight.shift();
    this.recorder.replies.push({ seq: this.recorder.tick(), client: this.id, session: this.session!.id, member: conn.memberId, xid: r.xid, zxid: r.zxid, kind: f?.kind ?? '?' });
    if (!f || f.xid !== r.xid) throw new Error(`client ${this.id}: reply to xid ${r.xid} while xid ${f?.xid} was next`);
    this.lastZxidSeen = Math.max(this.lastZxidSeen, r.zxid);
    if (r.err === ErrorCode.SessionExpired) {
      // The session is gone (the write had no effect, the read saw nothing): start over with a new one.
      if (f.history) this.recorder.discard(f.history);
      conn.close('session expired');
      return;
    }
    if (r.err === ErrorCode.SessionMoved) {
      // Sent through a member the session had already left (its move there was lost): no effect; reconnect.
      if (f.history) this.recorder.discard(f.history);
      conn.close('session moved');
      return;
    }
    if (f.kind === 'sync') return;
    const outcome = outcomeOf(r.err, r.body);
    if (f.history) this.recorder.respond(f.history, outcome);
    if (f.read) {
      const { path, withData } = f.read;
      this.recorder.reads.push({ seq: this.recorder.tick(), client: this.id, session: this.session!.id, path, withData, zxid: r.zxid, outcome, seenBefore: f.seenBefore });
      if (outcome.version !== undefined) this.versions.set(path, outcome.version);
    }
  }

  // ---- the workload ----

  private issue(): void {
    const r = this.rand();
    const path = this.pick(KEYS);
    if (r < 0.16) this.write({ type: 'create', path, data: this.data() });
    else if (r < 0.38) this.write({ type: 'set', path, data: this.data(), version: this.guessVersion(path) });
    else if (r < 0.46) this.write({ type: 'delete', path, version: this.guessVersion(path) });
    else if (r < 0.6) this.read({ type: 'read', path, withData: this.rand() < 0.8 }, false);
    else if (r < 0.84) {
      this.sync(path);
      this.read({ type: 'read', path, withData: this.rand() < 0.8 }, true);
    } else this.multi(path);
  }

  private multi(path: string): void {
    // A multi spans at most a pair of keys ({k0,k1} or {k2,k3}), so the history splits into two independent parts.
    const other = this.rand() < 0.3 ? KEYS[KEYS.indexOf(path) ^ 1]! : path;
    const shapes: KeyOp[][] = [
      [{ type: 'check', path, version: this.guessVersion(path) }, { type: 'set', path: other, data: this.data(), version: -1 }],
      [{ type: 'create', path, data: this.data() }, { type: 'set', path: other, data: this.data(), version: -1 }],
      [{ type: 'delete', path, version: -1 }, { type: 'create', path: other, data: this.data() }],
    ];
    this.write({ type: 'multi', ops: this.pick(shapes) });
  }

  private write(op: KeyOp | { type: 'multi'; ops: KeyOp[] }): void {
    const req: ClientRequest = op.type === 'multi' ? { type: OpCode.Multi, ops: op.ops.map(toRequest) } : toRequest(op);
    this.send(req, { kind: 'write', history: this.recorder.invoke(this.id, op) });
  }

  private sync(path: string): void {
    this.syncInvoke = this.recorder.tick();
    this.send({ type: OpCode.Sync, path }, { kind: 'sync' });
  }

  private read(op: ReadOp, afterSync: boolean): void {
    const req: ClientRequest = op.withData ? { type: OpCode.GetData, path: op.path, watch: false } : { type: OpCode.Exists, path: op.path, watch: false };
    const history = afterSync && this.syncInvoke !== undefined ? this.recorder.invoke(this.id, op, this.syncInvoke) : undefined;
    this.syncInvoke = undefined;
    this.send(req, { kind: 'read', read: op, ...(history ? { history } : {}) });
  }

  private send(req: ClientRequest, f: Omit<InFlight, 'xid' | 'sentAt' | 'seenBefore'>): void {
    const xid = this.nextXid++;
    this.stats.requests++;
    this.inFlight.push({ ...f, xid, sentAt: this.events.now, seenBefore: this.lastZxidSeen });
    this.conn!.sendRequest(xid, req);
  }

  private guessVersion(path: string): number {
    return this.rand() < 0.4 ? -1 : (this.versions.get(path) ?? 0) + (this.rand() < 0.2 ? 1 : 0);
  }

  private data(): string {
    return `c${this.id}.${this.nextData++}`;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }
}

function toRequest(op: KeyOp): MultiOp {
  switch (op.type) {
    case 'create':
      return { type: OpCode.Create, path: op.path, data: Buffer.from(op.data), acl: OPEN_ACL, flags: 0 };
    case 'set':
      return { type: OpCode.SetData, path: op.path, data: Buffer.from(op.data), version: op.version };
    case 'delete':
      return { type: OpCode.Delete, path: op.path, version: op.version };
    case 'check':
      return { type: OpCode.Check, path: op.path, version: op.version };
  }
}

/** What a reply (or the apply result behind it) says, in the checker's terms. */
export function outcomeOf(err: ErrorCode, body: ClientResponse | undefined): Outcome {
  if (err !== ErrorCode.Ok || !body) return { err };
  switch (body.type) {
    case OpCode.SetData:
    case OpCode.Exists:
      return { err, version: body.stat.version };
    case OpCode.GetData:
      return { err, version: body.stat.version, data: body.data?.toString() ?? '' };
    case OpCode.Multi:
      return { err, results: body.results.map((x) => (x.type === OpCode.Error ? x.err : ErrorCode.Ok)) };
    default:
      return { err };
  }
}
