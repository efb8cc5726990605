// A Corral member: client sockets, the write-ahead log and snapshot files, the peer network, wall-clock timers and
// the admin servers around the request path (request-path.ts), which turns writes into transactions that go
// through consensus and the write-ahead log, applies committed entries with the one apply function, and answers
// reads from the tree.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ConnectionLimitsWire, ConnectRequest, MemberEntryWire } from 'corral/protocol';
import { formatDynamicConfig } from '../config/dynamic-config.js';
import { noOwnServerLine, ownIdentity, type MemberConfig } from '../config/member-config.js';
import type { ServerSpec } from '../config/server-line.js';
import { decodeConfig, isJoint, type MembershipChange } from '../consensus/membership.js';
import type { Message } from '../consensus/messages.js';
import { RaftCore, type SoftState } from '../consensus/raft.js';
import type { Entry, Membership, NodeId, SnapshotMeta } from '../consensus/types.js';
import type { ReplicatedState } from '../state/apply.js';
import { SnapshotFiles } from './snapshot-files.js';
import { WriteAheadLog } from '../storage/wal.js';
import { fourLetterWordResponse, startAdminServer, startMetricsServer } from '../admin/index.js';
import { Replicator } from './replicator.js';
import { PeerNetwork } from '../peer/peer-network.js';
import { peerAddresses } from '../peer/addresses.js';
import { ClientConnection, hex, type ConnectionHost } from './connection.js';
import type { AcceptedRequest } from './opcodes.js';
import { RequestPath } from './request-path.js';
import type { SessionAdmission } from './session-admission.js';
import type { SessionRegistry } from './sessions.js';
import type { TouchReport } from './session-liveness.js';
import { QuorumLoss, connectedQuorum } from './quorum-loss.js';
import { serversAfterLog, type ChangeInfo } from '../state/committed-entry.js';
import { ensembleMode, memberStatuses, quorumView } from './ensemble-status.js';
import { RequestThrottle } from './request-throttle.js';
import { ServerStatsCounter } from './server-stats.js';
import type { ConnectionInfo, MemberView, QuorumView, ServerMode } from '../admin/view.js';
import { TurnBudget } from './turn-budget.js';
import type { WatchManager } from './watches.js';
import { registerEnsembleCommands, type EnsembleControl, type RecoveryOutcome, type TransferOutcome } from './ensemble-commands.js';
import { ReadinessCheck, type Readiness } from './readiness.js';
import { SERVER_VERSION } from '../version.js';

/** A client that lets this much reply data pile up unread is disconnected. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
/** Milliseconds of client socket work per turn of the event loop, so a storm leaves time for consensus. */
const CLIENT_SLICE_MS = 8;
const CONTAINER_CHECK_INTERVAL_MS = 60_000;
/** Raft election timeout in ticks (randomised between this and twice this). */
const ELECTION_TICKS = 10;
/** Raft ticks a member must see no quorum of voters connected before it lets its clients go (see QuorumLoss). */
const CUT_OFF_CONFIRM_TICKS = 3;
/** How long a readiness check waits for its read barrier: under a readiness probe's timeout (the operator's: 2 s). */
const READY_WAIT_MS = 1000;
/**
 * How long a quorum recovery waits for the member to lead its new configuration: one durable write and an election
 * it runs alone, seconds at worst on a busy disk; the answer tells whoever asked that it is done.
 */
const RECOVERY_WAIT_MS = 10_000;

/**
 * The Raft tick: a tenth of tickTime, at most 100 ms, so a dead leader is replaced within 1-2 s whatever the
 * (ZooKeeper-sized) tickTime, and heartbeats go out every tick.
 */
function raftTickMs(tickTime: number): number {
  return Math.max(5, Math.min(100, Math.floor(tickTime / ELECTION_TICKS)));
}

export interface MemberOptions {
  /** How often containers and TTL nodes are checked (ZooKeeper's znode.container.checkIntervalMs). */
  containerCheckIntervalMs?: number;
}

export class Member implements ConnectionHost, MemberView, EnsembleControl {
  readonly version = SERVER_VERSION;
  readonly startTime = Date.now();
  readonly stats = new ServerStatsCounter();
  readonly maxFrameSize: number;
  readonly maxOutputBytes = MAX_OUTPUT_BYTES;
  readonly turns = new TurnBudget(CLIENT_SLICE_MS);
  readonly throttle: RequestThrottle;
  private readonly connectionSet = new Set<ClientConnection>();
  private readonly perIp = new Map<string, number>();
  private replicator: Replicator | undefined;
  private peers: PeerNetwork | undefined;
  private readonly path: RequestPath;
  private readonly quorumLoss: QuorumLoss;
  private readonly readinessCheck: ReadinessCheck;
  private wal: WriteAheadLog | undefined;
  private server: Server | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** Admin and metrics servers to close on stop. */
  private closers: Array<{ close(): Promise<void> | void }> = [];
  private running = false;
  private snapshots: SnapshotFiles | undefined;
  private appliedSinceSnapshot = 0;

  constructor(
    readonly config: MemberConfig,
    readonly log: Logger,
    private readonly options: MemberOptions = {},
  ) {
    this.maxFrameSize = config.juteMaxBuffer;
    this.throttle = new RequestThrottle(config.globalOutstandingLimit, () => this.replicator?.backlog ?? 0);
    this.path = new RequestPath({
      config,
      log,
      selfId: this.nodeId,
      clock: {
        now: Date.now,
        after: (ms, fn) => void setTimeout(fn, ms).unref(),
        afterIo: setImmediate,
      },
      stats: this.stats,
      replicator: () => this.replicator!,
      serving: () => this.running && !this.quorumLoss.refusing,
      connections: () => this.connectionSet,
      sendAux: (to, report) => this.peers?.sendAux(to, report) ?? false,
      serversChanged: (servers) => this.peers?.setPeers(peerAddresses(servers, this.nodeId)),
    });
    this.quorumLoss = new QuorumLoss(
      {
        log,
        hasLeader: () => this.replicator?.hasReachableLeader ?? false,
        quorumReachable: () => this.quorumReachable(),
        dropClients: (reason) => {
          for (const conn of [...this.connectionSet]) if (!conn.readOnly) conn.close(reason);
        },
      },
      // A peer link that drops is redialled within tens of milliseconds; an election is decided within the longest
      // randomised election timeout.
      { confirmCutOffTicks: CUT_OFF_CONFIRM_TICKS, electionGraceTicks: 2 * ELECTION_TICKS },
    );
    this.readinessCheck = new ReadinessCheck(
      {
        standalone: config.standalone,
        notServing: () => this.notServing(),
        isLeader: () => this.replicator?.isLeader ?? false,
        hasReachableLeader: () => this.replicator?.hasReachableLeader ?? false,
        quorumReachable: () => this.quorumReachable(),
        barrier: () => this.replicator!.barrier(),
      },
      READY_WAIT_MS,
    );
  }

  /** The network to the other members, listening on `self`'s quorum port. */
  private async startPeers(self: ServerSpec, servers: readonly ServerSpec[]): Promise<PeerNetwork> {
    const peers = peerAddresses(servers, this.nodeId);
    const net = new PeerNetwork({
      selfId: this.nodeId,
      listenHost: this.config.quorumListenAddress!,
      listenPort: self.quorumPort,
      peers,
      selfAddress: { host: self.host, port: self.quorumPort },
      // A configuration applied while catching up may not name the leader sending it (removed and added back
      // meanwhile): keep talking to the leader until a later configuration settles the matter.
      retain: (id) => this.replicator?.core.leader === id,
      log: this.log,
    });
    net.onMessage((m) => this.replicator?.step(m));
    net.onPeerGone((id) => this.replicator?.peerGone(id));
    net.onAux((from, payload) => {
      if (!this.replicator?.handleAux(from, payload)) this.path.liveness.receive(payload as TouchReport);
    });
    net.onSnapshot((_from, meta, chunks) => this.receiveSnapshot(meta as Message, chunks));
    await net.start();
    return net;
  }

  /** A snapshot streamed by the leader: store it, then let consensus decide whether to install it. */
  private async receiveSnapshot(m: Message, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    await this.snapshots!.receive(m.snapshot!, chunks);
    this.replicator?.step(m);
  }

  /** ReplicatorHost: the stored snapshot at `meta.index` replaces the state. */
  async installSnapshot(meta: SnapshotMeta): Promise<number> {
    const state = await this.snapshots!.restore(meta.index, this.path.freshState());
    this.path.installed(state, meta);
    this.log.info({ index: meta.index, zxid: hex(BigInt(state.lastZxid)), nodes: state.tree.nodeCount }, 'installed snapshot from the leader');
    return state.lastZxid;
  }

  /** ReplicatorHost: the chunks of a local snapshot, streamed to a member that fell behind. */
  snapshotChunks(index: number): Promise<AsyncIterable<Uint8Array>> {
    return this.snapshots!.chunks(index);
  }

  /** ReplicatorHost: servers about to join, which this leader catches up before the change that adds them. */
  joinersStaged(joiners: MembershipChange[]): void {
    this.path.reconfigs.stage(joiners);
  }

  /** ReplicatorHost: leadership changed. */
  roleChanged(state: SoftState): void {
    this.log.info({ role: state.role, leader: state.leader, term: state.term }, 'consensus role changed');
    this.path.roleChanged(state);
  }

  /** The replicated state (replaced wholesale when a snapshot from the leader is installed). */
  get state(): ReplicatedState {
    return this.path.state;
  }

  get watches(): WatchManager {
    return this.path.watches;
  }

  get registry(): SessionRegistry {
    return this.path.registry;
  }

  private get admission(): SessionAdmission {
    return this.path.admission;
  }

  /** Consensus id: the server id from myid; a standalone member (id 0) is member 1 of a cluster of one. */
  private get nodeId(): NodeId {
    return Math.max(this.config.serverId, 1);
  }

  /** The membership zoo.cfg declares: what an empty data dir starts from. */
  private configuredMembership(): Membership {
    const { standalone, servers } = this.config;
    if (standalone) return { voters: [this.nodeId], neverLeaders: [], observers: [] };
    return membershipOf(servers);
  }

  /**
   * The configuration an ensemble member starts in: the one its data dir holds wins over zoo.cfg's server lines,
   * so a member restarted with an old file (or a newer one, or one lacking its own id) follows what the ensemble
   * committed. zoo.cfg's lines are read once, to seed an empty data dir, and recorded at once as snapshot 0 (as
   * ZooKeeper writes snapshot.0 into an empty data dir, and as etcd ignores --initial-cluster once it has data).
   * Leaves the base server lines in the state (the log's config entries apply to them again) and returns the
   * base membership, and whether the data dir held them.
   */
  private async recoverConfiguration(snapshotMembership: Membership | undefined, emptyDataDir: boolean): Promise<{ membership: Membership; recorded: boolean }> {
    const { config, log } = this;
    // A standalone member's snapshot holds no server lines: no ensemble configuration to follow.
    if (this.state.servers.size > 0) return { membership: snapshotMembership ?? membershipOf(this.state.servers.values()), recorded: true };
    this.state.initServers(config.servers, config.configVersion);
    const membership = this.configuredMembership();
    if (emptyDataDir) {
      // Nothing to record from a file that does not say who this member is (it could not even listen).
      if (!config.servers.some((s) => s.id === this.nodeId)) throw noOwnServerLine(config, undefined);
      const written = await this.snapshots!.write(this.state, 0, 0, membership, config.snapRetainCount);
      if (written === undefined) throw new Error(`cannot record the initial configuration in ${config.dataDir}`);
      log.info({ servers: config.servers.map((s) => s.id) }, "empty data dir: starting from zoo.cfg's server lines, recorded in snapshot 0");
    } else {
      log.warn("the data dir holds no ensemble configuration (its log predates snapshot 0, or a standalone member wrote it): starting from zoo.cfg's server lines");
    }
    return { membership, recorded: false };
  }

  /**
   * The server lines the recovered configuration leads to once the log's committed config entries apply, and
   * this member's own line: there, or else zoo.cfg's (a joiner not added yet, or a member the ensemble removed,
   * which waits to be added). Settles the config's own role and client address from it.
   */
  private settleServers(core: RaftCore, entries: readonly Entry[], recorded: boolean): { self: ServerSpec; servers: ServerSpec[] } {
    const { config, log } = this;
    const committed = serversAfterLog(this.state.servers, entries.filter((e) => e.index <= core.commitIndex));
    const servers = [...committed.values()];
    const self = committed.get(this.nodeId) ?? config.servers.find((s) => s.id === this.nodeId);
    if (!self) throw noOwnServerLine(config, servers);
    Object.assign(config, ownIdentity(config, self));
    const ids = (list: readonly ServerSpec[]) => list.map((s) => s.id).sort((a, b) => a - b);
    if (recorded && formatDynamicConfig(servers, 0) === formatDynamicConfig(config.servers, 0)) {
      log.info({ servers: ids(servers), index: core.commitIndex }, 'configuration from the data dir, as in zoo.cfg');
    } else if (recorded) {
      log.warn(
        { zooCfg: ids(config.servers), dataDir: ids(servers), index: core.commitIndex },
        "zoo.cfg's server lines differ from the configuration the data dir holds: following the data dir's, which the ensemble committed",
      );
    }
    if (!committed.has(this.nodeId)) log.info({ id: this.nodeId }, 'this server is not in the configuration: it serves once a reconfig adds it');
    return { self, servers };
  }

  /** Recovers from disk, replays the log through the apply function, then listens for clients. */
  async start(): Promise<{ port: number }> {
    const { config, log } = this;
    this.snapshots = await SnapshotFiles.open(join(config.dataDir, 'corral-v1', 'snapshots'), log);
    const snapshot = await this.snapshots.loadLatest(this.state);
    if (snapshot) {
      this.path.appliedIndex = snapshot.index;
      this.path.appliedTerm = snapshot.term;
      log.info({ index: snapshot.index, zxid: hex(BigInt(this.state.lastZxid)), nodes: this.state.tree.nodeCount }, 'loaded snapshot');
    }
    const opened = await WriteAheadLog.open(join(config.dataLogDir, 'corral-v1', 'wal'), {
      forceSync: config.forceSync,
      snapshotIndex: this.path.appliedIndex,
      logger: log,
    });
    this.wal = opened.wal;
    const base = config.standalone
      ? { membership: snapshot?.membership ?? this.configuredMembership(), recorded: false }
      : await this.recoverConfiguration(snapshot?.membership, !snapshot && opened.lastIndex === 0);
    const { membership } = base;
    const core = new RaftCore({
      id: this.nodeId,
      snapshot: { index: this.path.appliedIndex, term: this.path.appliedTerm, membership },
      ...(opened.hardState ? { hardState: opened.hardState } : {}),
      entries: opened.entries,
      random: Math.random,
      electionTicks: ELECTION_TICKS,
    });
    if (!config.standalone) {
      const { self, servers } = this.settleServers(core, opened.entries, base.recorded);
      this.path.replayUntil(core.commitIndex);
      this.peers = await this.startPeers(self, servers);
    }
    // ZooKeeper's limits on a learner: an answer within syncLimit ticks, the first sync within initLimit.
    const catchUp = { answerWithinMs: config.syncLimit * config.tickTime, syncWithinMs: config.initLimit * config.tickTime };
    this.replicator = new Replicator(core, opened.wal, this, this.state.lastZxid, { peers: this.peers, catchUp });
    if (config.standalone) this.replicator.campaign();
    // Serve once everything the leader had committed is applied here, as a ZooKeeper learner serves once synced:
    // then a member restarted while nothing is written serves at once, and one that missed writes serves them.
    const ready = this.replicator.barrier();
    this.timers.push(setInterval(() => this.replicator?.tick(), raftTickMs(config.tickTime)));
    if (config.admin.enableServer) {
      const admin = await startAdminServer(this);
      registerEnsembleCommands(admin, this);
      this.closers.push(admin);
    }
    if (config.metrics.enabled) this.closers.push(await startMetricsServer(this));
    // Listen before the member can serve: four-letter words answer meanwhile, and with read-only mode a member
    // that never finds a quorum still serves read-only clients.
    const port = await this.listen();
    if (config.readOnlyModeEnabled && !config.standalone) this.timers.push(setInterval(() => this.admission.checkReadOnly((this.replicator?.core.leader ?? 0) !== 0), config.tickTime));
    await ready;
    log.info({ entries: opened.entries.length, lastZxid: hex(BigInt(this.state.lastZxid)) }, 'recovered state from the log');
    // Sessions restored from the log get a full timeout to reconnect, as in ZooKeeper.
    this.path.trackSessions();
    this.timers.push(setInterval(() => this.path.liveness.tick(), config.tickTime));
    this.timers.push(setInterval(() => this.path.liveness.flush(), raftTickMs(config.tickTime)));
    this.timers.push(setInterval(() => this.path.sweepExpiredNodes(), this.options.containerCheckIntervalMs ?? CONTAINER_CHECK_INTERVAL_MS));
    this.running = true;
    if (!config.standalone) this.timers.push(setInterval(() => this.quorumLoss.tick(), raftTickMs(config.tickTime)));
    log.info({ port, address: config.clientPortAddress || '0.0.0.0' }, 'serving clients');
    return { port };
  }

  /**
   * Stops the member. With `handOver`, a leader first hands leadership to an up-to-date voter (a pod deleted, a
   * rolling restart): the ensemble has its next leader before this one goes, instead of noticing the lost
   * connection and holding an election while writes wait.
   */
  async stop(opts: { handOver?: boolean } = {}): Promise<void> {
    if (opts.handOver && this.running && this.replicator?.isLeader && !this.config.standalone) await this.handOverLeadership();
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // Stop listening before closing the connections: a client reconnecting meanwhile would otherwise be accepted
    // and hold server.close() open (it waits for every connection) until the grace period ends in SIGKILL.
    const listenerClosed = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const c of [...this.connectionSet]) c.close('member shutting down');
    await Promise.all(this.closers.map((c) => c.close()));
    this.closers = [];
    await listenerClosed;
    this.replicator?.stop();
    await this.peers?.close();
    await this.wal?.close();
  }

  private async handOverLeadership(): Promise<void> {
    // No longer than an election would take: past that, going away does no more harm than waiting.
    const outcome = await this.transferLeadership('any', ELECTION_TICKS * raftTickMs(this.config.tickTime));
    if (outcome.ok) this.log.info({ to: outcome.to, elapsedMs: outcome.elapsedMs }, 'handed leadership over before shutting down');
    else this.log.warn({ error: outcome.error }, 'could not hand leadership over before shutting down');
  }

  private listen(): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    const { clientPort, clientPortAddress, clientPortListenBacklog } = this.config;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(
        {
          port: clientPort,
          host: clientPortAddress || undefined,
          ...(clientPortListenBacklog > 0 ? { backlog: clientPortListenBacklog } : {}),
        },
        () => {
          server.off('error', reject);
          resolve((server.address() as { port: number }).port);
        },
      );
    });
  }

  private accept(socket: Socket): void {
    const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const { maxClientCnxns, maxCnxns } = this.config;
    const fromIp = this.perIp.get(ip) ?? 0;
    if ((maxCnxns > 0 && this.connectionSet.size >= maxCnxns) || (maxClientCnxns > 0 && fromIp >= maxClientCnxns)) {
      this.log.warn({ client: ip, fromIp, total: this.connectionSet.size }, 'too many connections; refusing');
      socket.destroy();
      return;
    }
    this.perIp.set(ip, fromIp + 1);
    this.connectionSet.add(new ClientConnection(socket, this));
  }

  closed(conn: ClientConnection, reason: string): void {
    if (!this.connectionSet.delete(conn)) return;
    this.log.debug({ client: `${conn.remoteAddress}:${conn.remotePort}`, session: hex(conn.sessionId), reason }, 'connection closed');
    const n = (this.perIp.get(conn.remoteAddress) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(conn.remoteAddress);
    else this.perIp.set(conn.remoteAddress, n);
    this.path.closed(conn);
  }

  lastZxid(): number {
    return this.state.lastZxid;
  }

  fatal(err: Error): void {
    this.log.fatal({ err }, 'write-ahead log failed; stopping to avoid acknowledging lost writes');
    process.exit(70);
  }

  fourLetterWord(head: Buffer, argument: Buffer | undefined): Buffer {
    return fourLetterWordResponse(head, this, argument);
  }

  // ---- Requests and commits (request-path.ts) ----

  handshake(conn: ClientConnection, req: ConnectRequest): void {
    this.path.handshake(conn, req);
  }

  request(conn: ClientConnection, xid: number, req: AcceptedRequest): void {
    this.path.request(conn, xid, req);
  }

  committed(entries: Array<{ entry: Entry; zxid: number }>): void {
    this.path.committed(entries);
    this.appliedSinceSnapshot += entries.length;
    if (this.appliedSinceSnapshot >= this.config.snapCount && !this.snapshots!.busy) void this.takeSnapshot();
  }

  // ---- Housekeeping ----

  /**
   * Writes the state as of the last applied entry while the member keeps serving (chunks interleave with
   * client traffic), then drops the log and snapshots it no longer needs.
   */
  private async takeSnapshot(): Promise<void> {
    const index = this.path.appliedIndex;
    this.appliedSinceSnapshot = 0;
    const zxid = this.state.lastZxid;
    const oldest = await this.snapshots!.write(this.state, index, this.path.appliedTerm, this.replicator!.core.membership, this.config.snapRetainCount);
    if (oldest === undefined) return;
    this.replicator?.compact(index);
    await this.wal?.releaseBefore(oldest + 1);
    this.log.info({ index, zxid: hex(BigInt(zxid)) }, 'snapshot written');
  }

  // ---- Ensemble control (admin commands) ----

  memberId(): number {
    return this.nodeId;
  }

  memberStatus(): MemberEntryWire[] {
    const specs = this.path.reconfigs.peerServers(); // members a joint change removes are still among them
    const isConnected = (id: number) => this.peers?.isConnected(id) ?? false;
    return memberStatuses(this.replicator!.core, this.nodeId, specs, isConnected, this.path.reconfigs.stagedIds());
  }

  /** Hands leadership to `target` (or the best eligible member) and waits until a new leader is known. */
  async transferLeadership(target: number | 'any', timeoutMs = 4 * this.config.tickTime): Promise<TransferOutcome> {
    const core = this.replicator!.core;
    const from = core.leader;
    const result = core.transferLeadership(target);
    this.replicator!.schedule();
    if (!result.ok) return { ok: false, error: result.error, leader: result.leader };
    if (result.target === this.nodeId) return { ok: true, from, to: from, elapsedMs: 0 };
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
      const leader = core.leader;
      if (leader !== 0 && leader !== from) return { ok: true, from, to: leader, elapsedMs: Math.round(performance.now() - started) };
    }
    return { ok: false, error: 'leadership transfer timed out', leader: core.leader };
  }

  /**
   * Rebuilds the ensemble from this member after its quorum was lost for good (see RaftCore.forceSoleVoter): it
   * becomes the sole voter of a new configuration, written to its log like any reconfig (so it is durable, and
   * /zookeeper/config gets a version above any it served), drops the other members from its peers (the lost ones
   * can no longer reach it; a reconfig adds servers back, fresh), and leads. Refused while a leader is reachable or
   * a quorum of voters is connected; a no-op once it already is the sole voter. Resolves once it leads with the new
   * configuration applied.
   */
  async recoverQuorum(timeoutMs = RECOVERY_WAIT_MS): Promise<RecoveryOutcome> {
    const replicator = this.replicator;
    if (this.config.standalone || !replicator) return { ok: false, error: 'a standalone member has no quorum to recover' };
    const core = replicator.core;
    const id = this.nodeId;
    let removed: number[] = [];
    let appliedBy = 0;
    if (!isSoleVoter(core.membership, id)) {
      if (replicator.hasReachableLeader) {
        return { ok: false, error: `member ${id} is part of a serving quorum (leader ${core.leader}): recovery is only for a quorum lost for good` };
      }
      if (this.quorumReachable()) {
        return { ok: false, error: `member ${id} is connected to a quorum of voters: an election is under way, the quorum is not lost` };
      }
      const self = this.state.servers.get(id);
      if (!self) return { ok: false, error: `member ${id} is not in the configuration it holds: there is nothing to rebuild from` };
      const time = Date.now();
      const info: { self: ChangeInfo; removed: ChangeInfo } = { self: { spec: { ...self, role: 'participant' }, time, recovery: true }, removed: { time, recovery: true } };
      const lastZxid = hex(BigInt(this.state.lastZxid));
      const forced = core.forceSoleVoter(info);
      replicator.schedule();
      removed = decodeConfig(core.entry(forced.index)!.data).changes.flatMap((c) => (c.role === 'removed' ? [c.id] : []));
      appliedBy = forced.index;
      this.log.warn({ removed, index: forced.index, term: forced.term, lastZxid }, 'quorum recovery: this member is the sole voter of a new configuration; writes only the removed members held are lost');
    }
    const deadline = Date.now() + timeoutMs;
    while (!(core.role === 'leader' && this.path.appliedIndex >= appliedBy)) {
      if (Date.now() > deadline) return { ok: false, error: `member ${id} did not take the lead within ${timeoutMs} ms` };
      await new Promise((r) => setTimeout(r, 5));
    }
    return { ok: true, recovered: appliedBy > 0, removed, configVersion: this.state.configVersion, lastZxid: this.state.lastZxid, leader: id };
  }

  serverState(): string {
    const leaderKnown = (this.replicator?.core.leader ?? 0) !== 0;
    return this.config.standalone || this.admission.readOnlyMode || leaderKnown ? this.mode() : 'looking';
  }

  readiness(): Promise<Readiness> {
    return this.readinessCheck.check();
  }

  /** Whether the voters this member has a live connection to, itself included, make a quorum. */
  private quorumReachable(): boolean {
    return connectedQuorum(this.replicator!.core.membership, this.nodeId, (id) => this.peers?.isConnected(id) ?? false);
  }

  private notServing(): string | undefined {
    if (this.admission.readOnlyMode) return 'read-only: no quorum';
    if (!this.running) return 'not serving clients yet: recovering, or catching up with the leader';
    if (this.quorumLoss.refusing) return 'no quorum: client connections refused until a leader is back';
    return undefined;
  }

  connectionLimits(): ConnectionLimitsWire {
    return { per_client_address: this.config.maxClientCnxns, total: this.config.maxCnxns };
  }

  /**
   * The configuration's limits change in place, so every report of them (conf, configuration, members) shows what
   * is enforced. They admit new connections; connections already open stay, even above a lowered limit, so changing
   * a limit never costs a client its connection.
   */
  setConnectionLimits(limits: Partial<ConnectionLimitsWire>): void {
    const before = this.connectionLimits();
    this.config.maxClientCnxns = limits.per_client_address ?? before.per_client_address;
    this.config.maxCnxns = limits.total ?? before.total;
    this.log.info({ before, after: this.connectionLimits(), connections: this.connectionSet.size }, 'connection limits changed');
  }

  // ---- MemberView ----

  quorum(): QuorumView | undefined {
    if (this.config.standalone || !this.replicator) return undefined;
    return quorumView(this.replicator.core, this.nodeId, [...this.state.servers.values()], this.state.configVersion);
  }

  mode(): ServerMode {
    if (this.config.standalone) return 'standalone';
    if (this.admission.readOnlyMode) return 'read-only';
    return ensembleMode(this.replicator?.core, this.nodeId);
  }

  isReadOnly(): boolean {
    return this.admission.readOnlyMode;
  }

  isRunning(): boolean {
    return this.running || this.admission.readOnlyMode;
  }

  nodeCount(): number {
    return this.state.tree.nodeCount;
  }

  approximateDataSize(): number {
    return this.state.tree.approximateDataSize;
  }

  ephemeralCount(): number {
    let n = 0;
    for (const id of this.state.tree.sessionsWithEphemerals()) n += this.state.tree.ephemeralsOf(id).size;
    return n;
  }

  sessions(): Array<{ sessionId: bigint; timeout: number; ephemerals: string[] }> {
    return [...this.registry.all()].map((s) => ({
      sessionId: s.id,
      timeout: s.timeout,
      ephemerals: [...this.state.tree.ephemeralsOf(s.id)].sort(),
    }));
  }

  connections(): ConnectionInfo[] {
    return [...this.connectionSet];
  }

  dirSizes(): { dataDirSize: number; dataLogSize: number } {
    return { dataDirSize: this.snapshots?.bytes ?? 0, dataLogSize: this.wal?.sizeBytes() ?? 0 };
  }

  fsyncStats(): { count: number; totalMs: number; thresholdExceeded: number } {
    const stats = this.wal?.stats;
    return { count: stats?.fsyncs ?? 0, totalMs: 0, thresholdExceeded: 0 };
  }
}

/** Whether `id` is the one member of `m`, a voter (what a quorum recovery leaves). */
function isSoleVoter(m: Membership, id: NodeId): boolean {
  return !isJoint(m) && m.voters.length === 1 && m.voters[0] === id && m.neverLeaders.length === 0 && m.observers.length === 0;
}

/** The membership a list of server lines declares, by their roles. */
function membershipOf(servers: Iterable<ServerSpec>): Membership {
  const list = [...servers];
  const ids = (role: string) => list.filter((s) => s.role === role).map((s) => s.id).sort((a, b) => a - b);
  return { voters: ids('participant'), neverLeaders: ids('neverleader'), observers: ids('observer') };
}
