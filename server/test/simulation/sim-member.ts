// One incarnation of a simulated member: the real Replicator (routing, forwarding, zxids, read barriers) over the
// real RaftCore, the in-memory write-ahead log, the simulated peer network, and the real replicated state and its
// one apply function, with snapshots made and restored by the real snapshot code. Around them, a condensed copy of
// what member.ts does with client requests (it cannot run here: sockets, files, wall-clock timers): writes become
// Request transactions answered when applied here, reads are answered from the local tree, sync waits for a read
// barrier, and clients whose writes were lost in a leader change are disconnected. Handshakes are the real code
// (SessionAdmission: sessions created and moved through the log, a client that has seen more than this member
// waits for it to catch up), and so is session liveness (SessionRegistry, SessionLiveness): followers report
// touches to the leader, which alone expires sessions.
import { pino } from 'pino';
import { ErrorCode, OpCode, PROTOCOL_VERSION } from '../../../protocol/src/constants.js';
import type { ClientRequest } from '../../../protocol/src/records.js';
import { RaftCore, type SoftState } from '../../src/consensus/raft.js';
import type { Message } from '../../src/consensus/messages.js';
import { EntryKind, type Entry, type Membership, type NodeId, type SnapshotMeta } from '../../src/consensus/types.js';
import { Replicator, type PeerTransport, type ReplicatorHost } from '../../src/member/replicator.js';
import { answerRead, isReadRequest } from '../../src/member/reads.js';
import { SessionAdmission } from '../../src/member/session-admission.js';
import { SessionLiveness } from '../../src/member/session-liveness.js';
import { SessionEntry, SessionRegistry } from '../../src/member/sessions.js';
import { WatchManager, type Watcher } from '../../src/member/watches.js';
import { ReplicatedState, type ApplyResult } from '../../src/state/apply.js';
import { restoreSnapshot, StateSnapshot } from '../../src/state/snapshot.js';
import { decodeTxn, encodeTxn, TxnKind, type Txn, type WriteRequest } from '../../src/state/txn.js';
import type { MemberConfig } from '../../src/config/member-config.js';
import type { SimConnection, HandshakeRequest, MemberEnd, Reply } from './connection.js';
import type { EventQueue } from './event-queue.js';
import { MemoryWal, type MemberDisk } from './memory-disk.js';
import type { PeerEndpoint, SimPeerNetwork } from './peer-network.js';

/** What the simulation watches on every member. */
export interface MemberObserver {
  /** An entry applied, with its transaction and result if it was one. */
  applied(member: SimMember, entry: Entry, zxid: number, applied?: { txn: Txn; result: ApplyResult }): void;
  /** A snapshot replaced the member's state. */
  installed(member: SimMember): void;
  /** Something the member cannot survive (a real member would exit). */
  failed(err: Error): void;
}

export interface MemberSetup {
  id: NodeId;
  membership: Membership;
  disk: MemberDisk;
  events: EventQueue;
  network: SimPeerNetwork;
  random: () => number;
  electionTicks: number;
  /** ZooKeeper's tickTime: sessions are expired and reported in its units; the Raft tick is a tenth of it. */
  tickTime: number;
  sessionTimeout: number;
  observer: MemberObserver;
  /** The write-ahead log has writes waiting for the disk. */
  onLogWrite: () => void;
  syncMode?: SyncMode;
}

/**
 * How sync is answered. 'ordered' (the default) is described in request(). Variants the checkers must catch:
 * 'noBarrier' answers at once, without a read barrier (deliberately broken); 'afterBatch' is what member.ts did
 * before 9aa18f6: the reply is made when the barrier's promise settles, after the whole committed batch was
 * applied, and the session's later writes are not held back.
 */
export type SyncMode = 'ordered' | 'noBarrier' | 'afterBatch';

const NO_WATCHER: Watcher = { auth: [], notify: () => {} };
const SILENT = pino({ level: 'silent' });

async function* iterate(chunks: Buffer[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}

export class SimMember implements ReplicatorHost, MemberEnd, PeerEndpoint {
  readonly id: NodeId;
  state = SimMember.freshState();
  replicator!: Replicator;
  wal: MemoryWal;
  /** Serving clients: everything the leader had committed at start is applied here (as member.ts waits for). */
  serving = false;
  alive = true;
  appliedIndex = 0;
  appliedTerm = 0;
  private readonly watches = new WatchManager();
  private readonly connections = new Set<SimConnection>();
  private readonly transport: PeerTransport;
  private readonly registry: SessionRegistry;
  private readonly liveness: SessionLiveness;
  private readonly admission: SessionAdmission;
  private raftTicks = 0;

  constructor(private readonly setup: MemberSetup) {
    this.id = setup.id;
    this.wal = new MemoryWal(setup.disk, setup.onLogWrite);
    this.transport = setup.network.transport(setup.id);
    const { events } = setup;
    this.registry = new SessionRegistry(setup.id, setup.tickTime, this.now());
    this.liveness = new SessionLiveness({
      log: SILENT,
      registry: this.registry,
      selfId: setup.id,
      leader: () => this.core.leader,
      sendAux: (to, payload) => this.transport.sendAux(to, payload),
      propose: (txn) => this.propose(txn),
      now: () => this.now(),
      afterIo: (fn) => events.after(0, fn),
    });
    // The session timeouts the simulated clients ask for are taken as they are.
    const config = { minSessionTimeout: 1, maxSessionTimeout: 2 ** 31 - 1, localSessionsEnabled: false } as MemberConfig;
    this.admission = new SessionAdmission({
      config,
      log: SILENT,
      registry: this.registry,
      replicated: () => this.state,
      serving: () => this.serving,
      barrier: () => this.replicator.barrier(),
      propose: (txn, handed) => this.propose(txn, handed),
      appliedTerm: () => this.appliedTerm,
      selfId: setup.id,
      connections: () => this.connections,
      now: () => this.now(),
    });
  }

  static freshState(): ReplicatedState {
    return new ReplicatedState({ enforceQuota: false, extendedTypesEnabled: false, skipAcl: true });
  }

  /** The member's wall clock: whole simulated milliseconds, as Date.now() gives. */
  private now(): number {
    return Math.floor(this.setup.events.now);
  }

  get core(): RaftCore {
    return this.replicator.core;
  }

  /** Recovery from the disk: the newest snapshot, then the log after it. */
  async start(): Promise<void> {
    const { disk, id, events } = this.setup;
    let snapshot: SnapshotMeta = { index: 0, term: 0, membership: this.setup.membership };
    const stored = disk.latestSnapshot();
    if (stored) {
      await restoreSnapshot(this.state, iterate(stored.chunks));
      snapshot = stored.meta;
    }
    this.appliedIndex = snapshot.index;
    this.appliedTerm = snapshot.term;
    const entries = disk.entries.filter((e) => e.index > snapshot.index);
    if (entries.length > 0 && entries[0]!.index !== snapshot.index + 1) {
      throw new Error(`member ${id}: log resumes at ${entries[0]!.index} after a snapshot at ${snapshot.index}`);
    }
    const core = new RaftCore({
      id,
      snapshot,
      ...(disk.hardState ? { hardState: disk.hardState } : {}),
      entries,
      random: this.setup.random,
      electionTicks: this.setup.electionTicks,
    });
    const clock = { now: () => events.now, defer: (fn: () => void) => events.after(0, fn) };
    this.replicator = new Replicator(core, this.wal, this, this.state.lastZxid, { peers: this.transport, clock });
    this.trackSessions(this.state);
    this.setup.network.attach(id, this);
    // As member.ts: serving once everything the leader had committed is applied here.
    const replicator = this.replicator;
    replicator.afterBarrier(() => {
      if (this.replicator === replicator && this.alive) this.serving = true;
    });
    this.replicator.schedule();
  }

  /** The process dies: the first `survive` pending log writes reach the disk; clients lose their connections. */
  crash(survive: number): void {
    this.alive = false;
    this.serving = false;
    this.replicator.stop();
    this.wal.crash(survive);
    this.setup.network.detach(this.id);
    for (const conn of [...this.connections]) conn.close('member crashed');
  }

  /** A Raft tick; every tenth is also a tickTime for session liveness, as member.ts runs them. */
  tick(): void {
    this.replicator.tick();
    this.liveness.flush();
    if (++this.raftTicks % 10 === 0) this.liveness.tick();
  }

  /** Sessions from the log or a snapshot get a full timeout here, as in member.ts. */
  private trackSessions(state: ReplicatedState): void {
    for (const [id, s] of state.sessions) {
      if (!this.registry.get(id)) this.registry.add(new SessionEntry(id, s.timeout, false, s.passwd), this.now());
    }
  }

  /** Writes a snapshot of the applied state and lets consensus compact its log up to it. */
  takeSnapshot(): void {
    const index = this.appliedIndex;
    if (index <= this.core.snapshotMeta.index || this.appliedTerm === 0) return;
    const writer = new StateSnapshot(this.state);
    const chunks: Buffer[] = [];
    for (let c = writer.next(); c; c = writer.next()) chunks.push(c);
    this.setup.disk.storeSnapshot({ meta: { index, term: this.appliedTerm, membership: this.core.membership }, chunks });
    this.replicator.compact(index);
  }

  // ---- PeerEndpoint ----

  step(m: Message): void {
    this.replicator.step(m);
  }

  aux(from: NodeId, payload: unknown): void {
    if (!this.replicator.handleAux(from, payload)) this.liveness.receive(payload);
  }

  async snapshot(_from: NodeId, meta: Message, chunks: Buffer[]): Promise<void> {
    this.setup.disk.storeSnapshot({ meta: meta.snapshot!, chunks });
    if (this.alive) this.replicator.step(meta);
  }

  peerGone(id: NodeId): void {
    this.replicator.peerGone(id);
  }

  // ---- ReplicatorHost ----

  committed(entries: Array<{ entry: Entry; zxid: number }>): void {
    if (!this.alive) return;
    for (const { entry, zxid } of entries) {
      if (entry.term > this.appliedTerm) this.dropLostWrites(entry.term);
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      if (entry.kind === EntryKind.Config) throw new Error('the ensemble simulation makes no membership changes');
      if (entry.kind === EntryKind.Noop) {
        this.state.lastZxid = zxid;
        this.setup.observer.applied(this, entry, zxid);
        continue;
      }
      const txn = decodeTxn(entry.data);
      const result = this.state.apply(txn, zxid);
      this.deliver(txn, result);
      this.setup.observer.applied(this, entry, zxid, { txn, result });
    }
  }

  roleChanged(state: SoftState): void {
    if (state.role === 'leader') this.liveness.leadershipGained();
  }

  async installSnapshot(meta: SnapshotMeta): Promise<number> {
    const stored = this.setup.disk.snapshot(meta.index);
    if (!stored) throw new Error(`member ${this.id}: snapshot ${meta.index} was never stored`);
    const state = SimMember.freshState();
    await restoreSnapshot(state, iterate(stored.chunks));
    if (this.alive) {
      this.state = state;
      this.appliedIndex = meta.index;
      this.appliedTerm = meta.term;
      this.trackSessions(state);
      this.setup.observer.installed(this);
    }
    return state.lastZxid;
  }

  async snapshotChunks(index: number): Promise<AsyncIterable<Uint8Array>> {
    const stored = this.setup.disk.snapshot(index);
    if (!stored) throw new Error(`member ${this.id}: no snapshot at ${index} to send`);
    return iterate(stored.chunks);
  }

  fatal(err: Error): void {
    this.setup.observer.failed(err);
  }

  /** Membership changes are not simulated here. */
  joinersStaged(): void {}

  // ---- MemberEnd: clients ----

  handshake(conn: SimConnection, req: HandshakeRequest): void {
    this.connections.add(conn);
    const { sessionId, passwd, lastZxidSeen } = req;
    this.admission.handshake(conn, { protocolVersion: PROTOCOL_VERSION, lastZxidSeen, timeOut: this.setup.sessionTimeout, sessionId, passwd, readOnly: false });
  }

  request(conn: SimConnection, xid: number, req: ClientRequest): void {
    const entry = this.registry.get(conn.sessionId!);
    if (entry) this.liveness.seen(entry);
    if (!entry || entry.closing) return conn.answer(xid, () => this.reply(xid, ErrorCode.SessionExpired));
    const session = entry.id;
    if (req.type === OpCode.Sync) {
      const path = req.path;
      const answer = (): Reply => this.reply(xid, ErrorCode.Ok, { type: OpCode.Sync, path });
      if (this.setup.syncMode === 'noBarrier') return conn.answer(xid, answer);
      conn.expectWrite(xid);
      if (this.setup.syncMode === 'afterBatch') {
        void this.replicator.barrier().then(() => this.alive && conn.complete(xid, answer()));
        return;
      }
      // As member.ts does (since 9aa18f6; before, 'afterBatch'): the barrier is met synchronously
      // within the apply batch, the reply is computed only when its turn comes (after the session's earlier
      // writes, so its zxid is never older than theirs), and the session's later writes wait for the barrier
      // (so the reads behind the sync cannot see them, whatever happens to leadership meanwhile).
      conn.syncsPending++;
      this.replicator.afterBarrier(() => {
        if (!this.alive) return;
        conn.syncsPending--;
        conn.complete(xid, answer);
        if (conn.syncsPending > 0) return;
        const held = conn.heldWrites.splice(0);
        // A connection that closed meanwhile gave its client CONNECTIONLOSS: its held writes never happen.
        if (conn.open) for (const txn of held) this.proposeWrite(conn, txn);
      });
      return;
    }
    if (isReadRequest(req)) {
      conn.answer(xid, () => {
        const a = answerRead(req, { tree: this.state.tree, watches: this.watches, watcher: NO_WATCHER, auth: [], skipAcl: true, session });
        return this.reply(xid, a.err, a.body);
      });
      return;
    }
    conn.expectWrite(xid);
    const claim = this.state.sessions.get(session)?.claim ?? 0;
    const txn: Txn = { kind: TxnKind.Request, time: this.now(), session, cxid: xid, auth: [], req: req as WriteRequest, global: true, owner: this.id, claim };
    if (conn.syncsPending > 0) conn.heldWrites.push(txn);
    else this.proposeWrite(conn, txn);
  }

  /** A write handed to a leader whose term is already superseded here was lost with that leader's log. */
  private proposeWrite(conn: SimConnection, txn: Extract<Txn, { kind: TxnKind.Request }>): void {
    this.propose(txn, (term) => {
      if (conn.handed(txn.cxid, term) && term < this.appliedTerm) conn.close('write lost in a leader change');
    });
  }

  closed(conn: SimConnection): void {
    this.connections.delete(conn);
    const session = conn.sessionId === undefined ? undefined : this.registry.get(conn.sessionId);
    if (session?.connection === conn) session.connection = undefined;
  }

  private reply(xid: number, err: ErrorCode, body?: Reply['body']): Reply {
    return { xid, zxid: this.state.lastZxid, err, ...(body ? { body } : {}) };
  }

  private propose(txn: Txn, handed?: (term: number) => void): void {
    this.replicator.propose(encodeTxn(txn), handed);
  }

  /** A new term's first entry applied: writes handed to older leaders and still unanswered never will be. */
  private dropLostWrites(term: number): void {
    this.admission.dropLost(term);
    for (const conn of [...this.connections]) if (conn.hasWriteHandedBefore(term)) conn.close('write lost in a leader change');
  }

  private deliver(txn: Txn, result: ApplyResult): void {
    switch (txn.kind) {
      case TxnKind.CreateSession:
        return this.admission.sessionCreated(txn);
      case TxnKind.CloseSession:
        // Expired (the simulated clients never close their sessions): the client finds its connection closed.
        this.registry.remove(txn.session)?.connection?.close('session expired');
        return;
      case TxnKind.Request: {
        const conn = this.registry.get(txn.session)?.connection as SimConnection | undefined;
        conn?.complete(txn.cxid, { xid: txn.cxid, zxid: result.zxid, err: result.err, ...(result.response ? { body: result.response } : {}) });
        return;
      }
      case TxnKind.MoveSession:
        return this.admission.sessionMoved(txn, result.err);
      case TxnKind.DeleteExpired:
        return;
    }
  }
}
