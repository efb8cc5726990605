// One incarnation of a simulated member: the member's real request path (RequestPath: sessions, reads, writes,
// sync barriers, apply and delivery of committed entries, dropping lost writes, reconfig requests) over the real
// Replicator and RaftCore, with the in-memory write-ahead log, the simulated peer network, simulated client
// connections and virtual time plugged in where member.ts has files, sockets and timers. Snapshots are made and
// restored by the real snapshot code.
import { pino } from 'pino';
import { PROTOCOL_VERSION } from '../../../protocol/src/constants.js';
import type { ClientRequest } from '../../../protocol/src/records.js';
import type { MemberConfig } from '../../src/config/member-config.js';
import type { MembershipChange } from '../../src/consensus/membership.js';
import type { Message } from '../../src/consensus/messages.js';
import { RaftCore, type SoftState } from '../../src/consensus/raft.js';
import type { Entry, Membership, NodeId, SnapshotMeta } from '../../src/consensus/types.js';
import { isAccepted } from '../../src/member/opcodes.js';
import { Replicator, type PeerTransport, type ReplicatorHost } from '../../src/member/replicator.js';
import { RequestPath, type PathReplicator } from '../../src/member/request-path.js';
import { ServerStatsCounter } from '../../src/member/server-stats.js';
import type { ApplyResult, ReplicatedState } from '../../src/state/apply.js';
import { restoreSnapshot, StateSnapshot } from '../../src/state/snapshot.js';
import { serversAfterLog, type CommittedOp } from '../../src/state/committed-entry.js';
import type { HandshakeRequest, MemberEnd, SimConnection } from './connection.js';
import type { EventQueue } from './event-queue.js';
import { MemoryWal, type MemberDisk } from './memory-disk.js';
import type { PeerEndpoint, SimPeerNetwork } from './peer-network.js';

/** What the simulation watches on every member. */
export interface MemberObserver {
  /** An entry applied: what apply took for it, and its result. */
  applied(member: SimMember, entry: Entry, op: CommittedOp, result: ApplyResult): void;
  /** A snapshot replaced the member's state. */
  installed(member: SimMember): void;
  /** Something the member cannot survive (a real member would exit). */
  failed(err: Error): void;
}

export interface MemberSetup {
  id: NodeId;
  /** The member's zoo.cfg: tickTime, session limits, reconfigEnabled, and the server lines an empty disk starts from. */
  config: MemberConfig;
  /** The membership those server lines declare. */
  membership: Membership;
  disk: MemberDisk;
  events: EventQueue;
  network: SimPeerNetwork;
  random: () => number;
  electionTicks: number;
  sessionTimeout: number;
  observer: MemberObserver;
  /** The write-ahead log has writes waiting for the disk. */
  onLogWrite: () => void;
  syncMode?: SyncMode;
}

/**
 * How sync is answered. 'ordered' is the real request path over the replicator's read barrier (met right after
 * the entry that satisfies it is applied). Variants the checkers must catch: 'noBarrier', a barrier met at once
 * (deliberately broken); 'afterBatch', member.ts's sync before 9aa18f6: the barrier is met when the replicator's
 * barrier promise settles, after the whole committed batch was applied, and the reply is made then, not when its
 * turn comes (SimConnection.eagerReplies).
 */
export type SyncMode = 'ordered' | 'noBarrier' | 'afterBatch';

const SILENT = pino({ level: 'silent' });

async function* iterate(chunks: Buffer[]): AsyncIterable<Uint8Array> {
  yield* chunks;
}

export class SimMember implements ReplicatorHost, MemberEnd, PeerEndpoint {
  readonly id: NodeId;
  readonly path: RequestPath;
  replicator!: Replicator;
  wal: MemoryWal;
  /** Serving clients: everything the leader had committed at start is applied here (as member.ts waits for). */
  serving = false;
  alive = true;
  private readonly connections = new Set<SimConnection>();
  private readonly transport: PeerTransport;
  private raftTicks = 0;

  constructor(private readonly setup: MemberSetup) {
    this.id = setup.id;
    this.wal = new MemoryWal(setup.disk, setup.onLogWrite);
    this.transport = setup.network.transport(setup.id);
    const { events } = setup;
    this.path = new RequestPath({
      config: setup.config,
      log: SILENT,
      selfId: setup.id,
      clock: {
        // The member's wall clock: whole simulated milliseconds, as Date.now() gives.
        now: () => Math.floor(events.now),
        // A crashed incarnation's timers die with it.
        after: (ms, fn) =>
          events.after(ms, () => {
            if (this.alive) fn();
          }),
        afterIo: (fn) => events.after(0, fn),
      },
      stats: new ServerStatsCounter(),
      replicator: () => withSyncMode(this.replicator, setup.syncMode ?? 'ordered'),
      serving: () => this.serving,
      connections: () => this.connections,
      sendAux: (to, report) => this.transport.sendAux(to, report),
      // As member.ts: the leader stays a peer while a configuration applied during catch-up does not name it.
      serversChanged: (servers) =>
        setup.network.setPeers(setup.id, servers.map((spec) => spec.id), (peer) => this.replicator.core.leader === peer),
      applied: (entry, op, result) => setup.observer.applied(this, entry, op, result),
    });
  }

  get state(): ReplicatedState {
    return this.path.state;
  }

  get core(): RaftCore {
    return this.replicator.core;
  }

  /** Recovery from the disk: the newest snapshot, then the log after it. */
  async start(): Promise<void> {
    const { disk, id, events, config } = this.setup;
    const { path } = this;
    let snapshot: SnapshotMeta = { index: 0, term: 0, membership: this.setup.membership };
    const stored = disk.latestSnapshot();
    if (stored) {
      await restoreSnapshot(path.state, iterate(stored.chunks));
      snapshot = stored.meta;
    } else {
      // An empty disk starts from zoo.cfg's server lines, recorded at once as snapshot 0 (as member.ts does).
      path.state.initServers(config.servers, config.configVersion);
      disk.storeSnapshot({ meta: snapshot, chunks: snapshotChunks(path.state) });
    }
    path.appliedIndex = snapshot.index;
    path.appliedTerm = snapshot.term;
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
    // As member.ts: ZooKeeper's limits on a joiner's catch-up, an answer within syncLimit ticks, the first sync within initLimit.
    const catchUp = { answerWithinMs: config.syncLimit * config.tickTime, syncWithinMs: config.initLimit * config.tickTime };
    this.replicator = new Replicator(core, this.wal, this, path.state.lastZxid, { peers: this.transport, clock, catchUp });
    path.trackSessions();
    // As member.ts: the peers are the servers the committed log leads to, set once its replay is done.
    const servers = serversAfterLog(path.state.servers, entries.filter((e) => e.index <= core.commitIndex));
    this.setup.network.setPeers(id, [...servers.keys()]);
    path.replayUntil(core.commitIndex);
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
    this.path.liveness.flush();
    if (++this.raftTicks % 10 === 0) this.path.liveness.tick();
  }

  /** Writes a snapshot of the applied state and lets consensus compact its log up to it. */
  takeSnapshot(): void {
    const { appliedIndex: index, appliedTerm: term } = this.path;
    if (index <= this.core.snapshotMeta.index || term === 0) return;
    this.setup.disk.storeSnapshot({ meta: { index, term, membership: this.core.membership }, chunks: snapshotChunks(this.state) });
    this.replicator.compact(index);
  }

  // ---- PeerEndpoint ----

  step(m: Message): void {
    this.replicator.step(m);
  }

  aux(from: NodeId, payload: unknown): void {
    if (!this.replicator.handleAux(from, payload)) this.path.liveness.receive(payload);
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
    if (this.alive) this.path.committed(entries);
  }

  roleChanged(state: SoftState): void {
    this.path.roleChanged(state);
  }

  async installSnapshot(meta: SnapshotMeta): Promise<number> {
    const stored = this.setup.disk.snapshot(meta.index);
    if (!stored) throw new Error(`member ${this.id}: snapshot ${meta.index} was never stored`);
    const state = this.path.freshState();
    await restoreSnapshot(state, iterate(stored.chunks));
    if (this.alive) {
      this.path.installed(state, meta);
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

  joinersStaged(joiners: MembershipChange[]): void {
    this.path.reconfigs.stage(joiners);
  }

  // ---- MemberEnd: clients ----

  handshake(conn: SimConnection, req: HandshakeRequest): void {
    this.connections.add(conn);
    conn.eagerReplies = this.setup.syncMode === 'afterBatch';
    const { sessionId, passwd, lastZxidSeen } = req;
    this.path.handshake(conn, { protocolVersion: PROTOCOL_VERSION, lastZxidSeen, timeOut: this.setup.sessionTimeout, sessionId, passwd, readOnly: false });
  }

  request(conn: SimConnection, xid: number, req: ClientRequest): void {
    // The connection refuses the rest before they reach the request path; simulated clients never send them.
    if (!isAccepted(req)) throw new Error(`a simulated client sent opcode ${req.type}, which members refuse`);
    this.path.request(conn, xid, req);
  }

  closed(conn: SimConnection): void {
    this.connections.delete(conn);
    this.path.closed(conn);
  }
}

function snapshotChunks(state: ReplicatedState): Buffer[] {
  const writer = new StateSnapshot(state);
  const chunks: Buffer[] = [];
  for (let c = writer.next(); c; c = writer.next()) chunks.push(c);
  return chunks;
}

/** The replicator with the read barrier of `mode` (see SyncMode). */
function withSyncMode(replicator: Replicator, mode: SyncMode): PathReplicator {
  if (mode === 'ordered') return replicator;
  return {
    get isLeader() {
      return replicator.isLeader;
    },
    core: replicator.core,
    propose: (data, handed) => replicator.propose(data, handed),
    barrier: () => replicator.barrier(),
    proposeMembership: (changes) => replicator.proposeMembership(changes),
    afterBarrier: mode === 'noBarrier' ? (done) => done() : (done) => void replicator.barrier().then(done),
  };
}
