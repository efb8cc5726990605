// A member's request path, without sockets, files or timers: a client's requests in (session checks, special
// opcodes, reads from the local tree, writes proposed as transactions, sync barriers, closeSession), committed
// entries out (applied in log order by the one apply function, answered to the clients connected here, writes
// lost in a leader change dropped). The member (member.ts) runs it with client sockets, the write-ahead log and
// wall-clock timers; the ensemble simulation (server/test/simulation) runs the same code with simulated
// connections, disks, network and virtual time. What each plugs in is RequestPathHost.
import type { Logger } from 'pino';
import {
  encodeReply, ErrorCode, isEphemeral, OpCode, Xid, type ClientResponse, type ConnectRequest, type Id,
  type ReplyBytes,
} from 'corral/protocol';
import type { MemberConfig } from '../config/member-config.js';
import type { ServerSpec } from '../config/server-line.js';
import { isJoint } from '../consensus/membership.js';
import type { RaftCore, SoftState } from '../consensus/raft.js';
import type { Entry, NodeId, SnapshotMeta } from '../consensus/types.js';
import { ReplicatedState, type ApplyResult } from '../state/apply.js';
import { committedOp, type CommittedOp } from '../state/committed-entry.js';
import { encodeTxn, TxnKind, type Txn, type WriteRequest } from '../state/txn.js';
import { authenticate } from '../tree/acl.js';
import { isExpiredNode } from '../tree/znode.js';
import { hex } from './connection.js';
import type { AcceptedRequest } from './opcodes.js';
import { answerRead, encodeAnswer, isReadRequest, restoreWatches } from './reads.js';
import { ReconfigRequests } from './reconfig-requests.js';
import type { Replicator } from './replicator.js';
import { SessionAdmission, type AdmissionConnection } from './session-admission.js';
import { SessionLiveness, type TouchReport } from './session-liveness.js';
import { SessionEntry, SessionRegistry } from './sessions.js';
import { WatchManager, type Watcher } from './watches.js';

/** A write's place in its connection's reply order. */
export interface WriteSlot {
  /** The term of the leader that took the proposal, once one did. */
  term?: number;
  /** Set once the write is answered. */
  readonly reply?: unknown;
}

/** What the request path needs of a client connection (the member's ClientConnection, or the simulation's). */
export interface PathConnection extends AdmissionConnection, Watcher {
  readonly sessionId: bigint | undefined;
  addAuth(ids: readonly Id[]): void;
  /** A reply that can be computed now, in order behind anything still pending. */
  answer(xid: number, op: OpCode, compute: () => ReplyBytes): void;
  /** Reserves the reply slot of a write (or sync); complete or completeWhenDue fills it. */
  expectWrite(xid: number, op: OpCode): WriteSlot;
  /** The reply to the oldest pending write with this xid (`fanOut`: one of many sent at once). */
  complete(xid: number, reply: Buffer, zxid: number, fanOut?: boolean): void;
  /** Like complete, but the reply is made once every earlier reply has gone out, so it shows the state then. */
  completeWhenDue(xid: number, compute: () => Buffer): void;
  /** Whether a write handed to a leader of a term before `term` is still unanswered. */
  hasWriteHandedBefore(term: number): boolean;
  /** Closes after everything queued so far has been sent (closeSession, a failed auth). */
  finish(): void;
}

/** The replicator as the request path uses it. */
export type PathReplicator = Pick<Replicator, 'isLeader' | 'propose' | 'barrier' | 'afterBarrier' | 'proposeMembership'> & {
  readonly core: Pick<RaftCore, 'leader' | 'membership'>;
};

/** Time, as the member's host sees it: wall-clock timers in a member, virtual time in the simulation. */
export interface PathClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` in `ms` milliseconds; a pending call does not keep a member's process alive. */
  after(ms: number, fn: () => void): void;
  /** Runs `fn` once the I/O that is ready now has been handled (setImmediate). */
  afterIo(fn: () => void): void;
}

/** What the request path needs from the member around it. */
export interface RequestPathHost {
  readonly config: MemberConfig;
  readonly log: Logger;
  /** This member's consensus id. */
  readonly selfId: NodeId;
  readonly clock: PathClock;
  readonly stats: { received(): void; sent(): void };
  /** The replicator (there is one once the member has started). */
  replicator(): PathReplicator;
  /** True once the member has caught up and serves read-write clients. */
  serving(): boolean;
  connections(): Iterable<PathConnection>;
  /** Sends a session report to another member; false if it could not be queued. */
  sendAux(to: NodeId, report: TouchReport): boolean;
  /**
   * The servers to keep connections with changed (a reconfig applied, joiners staged, departing members gone, a
   * snapshot installed, the log replayed after a restart).
   */
  serversChanged(servers: ServerSpec[]): void;
  /** Called after each committed entry is applied. */
  applied?(entry: Entry, op: CommittedOp, result: ApplyResult): void;
}

export class RequestPath {
  /** Replaced wholesale when a snapshot from the leader is installed. */
  state: ReplicatedState;
  appliedIndex = 0;
  appliedTerm = 0;
  readonly watches: WatchManager;
  readonly registry: SessionRegistry;
  readonly admission: SessionAdmission;
  readonly liveness: SessionLiveness;
  readonly reconfigs: ReconfigRequests;
  /** Per connection: syncs whose barrier is not met yet, and the writes sent after them, held until it is. */
  private readonly syncBarriers = new WeakMap<PathConnection, { pending: number; held: Array<() => void> }>();
  /** Transactions proposed by this member, by their encoded bytes, until those are garbage. */
  private readonly proposedHere = new WeakMap<Uint8Array, Txn>();
  /**
   * While the entries committed before a restart are applied again: the index they end at. Their config entries
   * replay history (members added, then removed), so the peer list, already set to where they lead, stays put.
   */
  private replayingTo: number | undefined;

  constructor(private readonly host: RequestPathHost) {
    const { config, log, clock, selfId } = host;
    this.state = this.freshState();
    this.watches = new WatchManager(config.skipACL);
    this.registry = new SessionRegistry(config.serverId, config.tickTime, clock.now());
    const replicated = () => this.state;
    this.admission = new SessionAdmission({
      config,
      log,
      registry: this.registry,
      replicated,
      serving: () => host.serving(),
      barrier: () => host.replicator().barrier(),
      propose: (txn, handed) => this.propose(txn, handed),
      appliedTerm: () => this.appliedTerm,
      selfId: config.standalone ? undefined : selfId,
      connections: () => host.connections(),
      now: () => clock.now(),
    });
    this.liveness = new SessionLiveness({
      log,
      registry: this.registry,
      selfId,
      leader: () => host.replicator().core.leader,
      sendAux: (to, report) => host.sendAux(to, report),
      propose: (txn) => this.propose(txn),
      now: () => clock.now(),
      afterIo: (fn) => clock.afterIo(fn),
    });
    this.reconfigs = new ReconfigRequests({
      config,
      log,
      replicated,
      proposeMembership: (changes) => host.replicator().proposeMembership(changes),
      serversChanged: (servers) => {
        if (this.replayingTo === undefined) host.serversChanged(servers);
      },
      reply: (xid, err, body) => this.reply(xid, err, body),
      now: () => clock.now(),
      after: (ms, fn) => clock.after(ms, fn),
    });
  }

  /** An empty state with this member's options. */
  freshState(): ReplicatedState {
    const { enforceQuota, extendedTypesEnabled, skipACL } = this.host.config;
    return new ReplicatedState({ enforceQuota, extendedTypesEnabled, skipAcl: skipACL });
  }

  /** A snapshot replaced the state: it is applied up to `meta`, and the peers are its configuration's. */
  installed(state: ReplicatedState, meta: SnapshotMeta): void {
    this.state = state;
    this.appliedIndex = meta.index;
    this.appliedTerm = meta.term;
    this.replayingTo = undefined;
    this.host.serversChanged(this.reconfigs.peerServers());
    this.trackSessions();
  }

  /**
   * Recovery: the entries up to `commitIndex` were committed before a restart and are applied again. The peers are
   * set to where they lead once they are (see replayingTo).
   */
  replayUntil(commitIndex: number): void {
    if (commitIndex > this.appliedIndex) this.replayingTo = commitIndex;
  }

  /** Sessions of the state that this member does not track yet get a full timeout to reconnect, as in ZooKeeper. */
  trackSessions(): void {
    const now = this.host.clock.now();
    for (const [id, s] of this.state.sessions) {
      if (!this.registry.get(id)) this.registry.add(new SessionEntry(id, s.timeout, false, s.passwd), now);
    }
  }

  /** Leadership changed. */
  roleChanged(state: SoftState): void {
    if (state.leader !== 0) this.admission.leaveReadOnly();
    if (state.role === 'leader') this.liveness.leadershipGained();
  }

  // ---- Requests ----

  handshake(conn: PathConnection, req: ConnectRequest): void {
    this.host.stats.received();
    this.admission.handshake(conn, req);
  }

  request(conn: PathConnection, xid: number, req: AcceptedRequest): void {
    this.host.stats.received();
    const sessionId = conn.sessionId!;
    const session = this.registry.get(sessionId);
    if (session) this.liveness.seen(session);
    if (!session || session.closing) {
      conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.SessionExpired));
      return;
    }
    switch (req.type) {
      // Special xids, as ZooKeeper answers them: a ping always with -2, whatever xid it came with; auth and
      // setWatches with the request's own xid (Java and C clients send -4 and -8, the Go client and
      // node-zookeeper-client number them like any request and wait for that number).
      case OpCode.Ping:
        conn.answer(xid, req.type, () => this.reply(Xid.Ping, ErrorCode.Ok));
        return;
      case OpCode.Auth: {
        const ids = authenticate(req.scheme, req.auth, this.host.config.superDigest);
        if (!ids) {
          this.host.log.info({ session: hex(sessionId), scheme: req.scheme }, 'authentication failed');
          conn.answer(xid, req.type, () => this.authReply(xid, ErrorCode.AuthFailed));
          conn.finish();
          return;
        }
        conn.addAuth(ids);
        conn.answer(xid, req.type, () => this.authReply(xid, ErrorCode.Ok));
        return;
      }
      case OpCode.SetWatches:
      case OpCode.SetWatches2:
        conn.answer(xid, req.type, () => {
          restoreWatches(req, this.state.tree, this.watches, conn);
          return this.reply(xid, ErrorCode.Ok);
        });
        return;
      case OpCode.Sync:
        return this.sync(conn, xid, req.path);
      case OpCode.Sasl:
        conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.Unimplemented));
        return;
      case OpCode.Reconfig:
        return this.reconfigs.handle(conn, xid, req);
      case OpCode.CloseSession:
        return this.closeSession(conn, session, xid);
    }
    if (isReadRequest(req)) {
      conn.answer(xid, req.type, () => {
        const a = answerRead(req, {
          tree: this.state.tree,
          watches: this.watches,
          watcher: conn,
          auth: conn.auth,
          skipAcl: this.host.config.skipACL,
          session: sessionId,
        });
        this.host.stats.sent();
        return encodeAnswer(xid, this.state.lastZxid, a);
      });
      return;
    }
    this.write(conn, session, xid, req);
  }

  private write(conn: PathConnection, session: SessionEntry, xid: number, req: WriteRequest): void {
    const { config, clock } = this.host;
    if (conn.readOnly) return conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.NotReadOnly));
    if (session.local && createsEphemeral(req)) {
      if (!config.localSessionsUpgradingEnabled) {
        conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.EphemeralOnLocalSession));
        return;
      }
      // Upgrade: the session becomes global through the log, ahead of the write that needs it.
      session.local = false;
      this.propose({ kind: TxnKind.CreateSession, time: clock.now(), session: session.id, timeout: session.timeout, passwd: session.passwd });
    }
    const slot = conn.expectWrite(xid, req.type);
    const txn: Txn = { kind: TxnKind.Request, time: clock.now(), session: session.id, cxid: xid, auth: conn.auth, req, global: !session.local };
    if (!session.local && !config.standalone) {
      txn.owner = this.host.selfId;
      txn.claim = this.state.sessions.get(session.id)?.claim ?? 0;
    }
    this.afterSyncs(conn, () => this.propose(txn, this.handedTo(conn, slot)));
  }

  /**
   * ZooKeeper's sync: answered once this member has applied everything the leader had committed when it arrived.
   * The barrier is met right after the entry that satisfies it is applied; the reply is made only when every
   * earlier reply of the session has gone (so its zxid is never older than theirs), and the session's writes sent
   * after the sync wait for the barrier, so reads queued behind the sync cannot see them.
   */
  private sync(conn: PathConnection, xid: number, path: string): void {
    if (conn.readOnly) return conn.answer(xid, OpCode.Sync, () => this.reply(xid, ErrorCode.NotReadOnly));
    conn.expectWrite(xid, OpCode.Sync);
    const syncs = this.syncBarriers.get(conn) ?? { pending: 0, held: [] };
    this.syncBarriers.set(conn, syncs);
    syncs.pending++;
    this.host.replicator().afterBarrier(() => {
      syncs.pending--;
      conn.completeWhenDue(xid, () => this.reply(xid, ErrorCode.Ok, { type: OpCode.Sync, path }));
      if (syncs.pending > 0) return;
      const held = syncs.held.splice(0);
      // A connection that closed meanwhile gave its client CONNECTIONLOSS: its held writes never happen.
      if (conn.isOpen) for (const propose of held) propose();
    });
  }

  /** Runs `propose` now, or once the connection's pending syncs have met their barriers. */
  private afterSyncs(conn: PathConnection, propose: () => void): void {
    const barrier = this.syncBarriers.get(conn);
    if (barrier && barrier.pending > 0) barrier.held.push(propose);
    else propose();
  }

  private closeSession(conn: PathConnection, session: SessionEntry, xid: number): void {
    session.closing = true;
    if (session.local) {
      this.registry.remove(session.id);
      conn.answer(xid, OpCode.CloseSession, () => this.reply(xid, ErrorCode.Ok));
      conn.finish();
      return;
    }
    session.closeXid = xid;
    const slot = conn.expectWrite(xid, OpCode.CloseSession);
    this.afterSyncs(conn, () => this.propose({ kind: TxnKind.CloseSession, time: this.host.clock.now(), session: session.id }, this.handedTo(conn, slot)));
  }

  /**
   * Records the term of the leader that took a client's write. If entries of a later term are already applied
   * here and the write is still unanswered, it was lost with that leader's log (see dropLostWrites).
   */
  private handedTo(conn: PathConnection, slot: WriteSlot): (term: number) => void {
    return (term) => {
      slot.term = term;
      if (slot.reply === undefined && term < this.appliedTerm) conn.close('write lost in a leader change');
    };
  }

  /** A connection closed: its watches go, and its session waits for the client elsewhere (or expires). */
  closed(conn: PathConnection): void {
    this.watches.removeWatcher(conn);
    const session = conn.sessionId === undefined ? undefined : this.registry.get(conn.sessionId);
    if (session?.connection === conn) session.connection = undefined;
  }

  private reply(xid: number, err: ErrorCode, body?: ClientResponse): Buffer {
    this.host.stats.sent();
    return encodeReply(xid, this.state.lastZxid, err, body);
  }

  /** ZooKeeper answers auth outside its request pipeline, with zxid 0: it changes nothing replicated. */
  private authReply(xid: number, err: ErrorCode): Buffer {
    this.host.stats.sent();
    return encodeReply(xid, 0, err);
  }

  propose(txn: Txn, handed?: (term: number) => void): void {
    const replicator = this.host.replicator();
    const data = encodeTxn(txn);
    // Applying our own proposal later needs no decoding: a leader's entry carries these very bytes. A follower's
    // entry comes back from the leader as other bytes, so remembering it there would only burden the collector.
    if (replicator.isLeader) this.proposedHere.set(data, txn);
    replicator.propose(data, handed);
  }

  /** Proposes the removal of containers and TTL nodes that are due; apply re-checks each at its turn. */
  sweepExpiredNodes(): void {
    const { tree } = this.state;
    const now = this.host.clock.now();
    for (const path of [...tree.containers, ...tree.ttlNodes]) {
      if (isExpiredNode(tree.get(path)!, now)) this.propose({ kind: TxnKind.DeleteExpired, time: now, path });
    }
  }

  // ---- Commits ----

  /** Committed entries with their zxids, in log order: applied, then answered to the clients connected here. */
  committed(entries: ReadonlyArray<{ entry: Entry; zxid: number }>): void {
    for (const { entry, zxid } of entries) {
      if (entry.term > this.appliedTerm) this.dropLostWrites(entry.term);
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      const proposed = this.proposedHere.get(entry.data);
      // Applied once: the log may keep the bytes until compaction, but not the decoded transaction.
      if (proposed) this.proposedHere.delete(entry.data);
      const op = committedOp(entry, proposed);
      const result = this.state.apply(op, zxid);
      for (const ev of result.events) this.watches.trigger(ev);
      this.deliver(op, result);
      this.host.applied?.(entry, op, result);
    }
    if (this.replayingTo !== undefined && this.appliedIndex >= this.replayingTo) {
      this.replayingTo = undefined;
      this.reconfigs.replayed(isJoint(this.host.replicator().core.membership));
    }
  }

  /**
   * The first entry of a new term was committed, so every write handed to an older leader that has not been
   * applied by now never will be. Its client cannot get an answer; like ZooKeeper, drop the connection (the
   * client sees CONNECTIONLOSS and reconnects).
   */
  private dropLostWrites(term: number): void {
    this.admission.dropLost(term);
    for (const conn of this.host.connections()) {
      if (conn.hasWriteHandedBefore(term)) conn.close('write lost in a leader change');
    }
  }

  /** Answers the client whose transaction or reconfig this was, if it is connected here. */
  private deliver(txn: CommittedOp, result: ApplyResult): void {
    switch (txn.kind) {
      case 'config':
        return this.reconfigs.applied(txn, result);
      case 'noop':
        return;
      case TxnKind.CreateSession:
        return this.admission.sessionCreated(txn);
      case TxnKind.MoveSession:
        return this.admission.sessionMoved(txn, result.err);
      case TxnKind.CloseSession: {
        const entry = this.registry.remove(txn.session);
        const conn = entry?.connection as PathConnection | undefined;
        if (!conn) return;
        if (entry?.closeXid !== undefined) {
          this.host.stats.sent();
          // Clients often close all at once (a fleet shutting down): the replies leave within the turn budget.
          conn.complete(entry.closeXid, encodeReply(entry.closeXid, result.zxid, ErrorCode.Ok), result.zxid, true);
        }
        conn.finish();
        return;
      }
      case TxnKind.Request: {
        const conn = this.registry.get(txn.session)?.connection as PathConnection | undefined;
        if (!conn) return;
        this.host.stats.sent();
        conn.complete(txn.cxid, encodeReply(txn.cxid, result.zxid, result.err, result.response), result.zxid);
        return;
      }
      case TxnKind.DeleteExpired:
        return;
    }
  }
}

function createsEphemeral(req: WriteRequest): boolean {
  // createContainer makes a container whatever its flags say.
  const ephemeral = (op: WriteRequest) => 'flags' in op && op.type !== OpCode.CreateContainer && isEphemeral(op.flags);
  return req.type === OpCode.Multi ? req.ops.some(ephemeral) : ephemeral(req);
}
