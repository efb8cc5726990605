// A Corral member: accepts client connections, turns writes into transactions that go through consensus and the
// write-ahead log, applies committed transactions with the one apply function, and answers reads from the tree.
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CONFIG_PATH, ErrorCode, isEphemeral, OpCode, Perms, PROTOCOL_VERSION, SESSION_PASSWORD_LENGTH, Xid } from '../../../protocol/src/constants.js';
import { encodeConnectResponse, encodeReply } from '../../../protocol/src/messages.js';
import type { ClientRequest, ClientResponse, ConnectRequest, ReconfigRequest } from '../../../protocol/src/records.js';
import type { MemberConfig } from '../config/member-config.js';
import type { Message } from '../consensus/messages.js';
import { RaftCore, type SoftState } from '../consensus/raft.js';
import { EntryKind, type Entry, type Membership, type NodeId, type SnapshotMeta } from '../consensus/types.js';
import { ReplicatedState, type ApplyResult } from '../state/apply.js';
import { SnapshotFiles } from './snapshot-files.js';
import { decodeTxn, encodeTxn, TxnKind, type Txn, type WriteRequest } from '../state/txn.js';
import { WriteAheadLog } from '../storage/wal.js';
import { fourLetterWordResponse, startAdminServer, startMetricsServer } from '../admin/index.js';
import { authenticate, permits } from '../tree/acl.js';
import { decodeConfig, type MembershipChange } from '../consensus/membership.js';
import type { ServerSpec } from '../config/server-line.js';
import { planReconfig, type ChangeInfo } from './reconfig.js';
import { Replicator } from './replicator.js';
import { PeerNetwork } from '../peer/peer-network.js';
import { peerAddresses } from '../peer/addresses.js';
import { ClientConnection, hex, type ConnectionHost } from './connection.js';
import { isExpiredNode, statOf } from '../tree/znode.js';
import { answerRead, isReadRequest, restoreWatches } from './reads.js';
import { SessionRegistry, type SessionEntry } from './sessions.js';
import { ServerStatsCounter } from './server-stats.js';
import type { ConnectionInfo, MemberView, QuorumView, ServerMode } from './view.js';
import { WatchManager } from './watches.js';
import { registerEnsembleCommands, type EnsembleControl, type MemberStatus, type TransferOutcome } from './ensemble-commands.js';

export const CORRAL_VERSION = '0.1.0';
/** A client that lets this much reply data pile up unread is disconnected. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const CONTAINER_CHECK_INTERVAL_MS = 60_000;
/** Raft election timeout in ticks (randomised between this and twice this). */
const ELECTION_TICKS = 10;

/**
 * The Raft tick: a tenth of tickTime, at most 100 ms, so a dead leader is replaced within 1-2 s whatever the
 * (ZooKeeper-sized) tickTime, and heartbeats go out every tick.
 */
function raftTickMs(tickTime: number): number {
  return Math.max(5, Math.min(100, Math.floor(tickTime / ELECTION_TICKS)));
}

interface PendingReconfig {
  conn: ClientConnection;
  xid: number;
  id: number;
  role: MembershipChange['role'];
}

const SERVER_ROLE = { voter: 'participant', neverLeader: 'neverleader', observer: 'observer' } as const;

function serverRole(role: Exclude<MembershipChange['role'], 'removed'>): ServerSpec['role'] {
  return SERVER_ROLE[role];
}

/** Member-to-member messages of the member itself (the replicator has its own forwarding protocol). */
type MemberAux = { t: 'touch'; sessions: bigint[] };

interface PendingHandshake {
  connection: ClientConnection;
  timeout: number;
  passwd: Buffer;
}

export interface MemberOptions {
  /** How often containers and TTL nodes are checked (ZooKeeper's znode.container.checkIntervalMs). */
  containerCheckIntervalMs?: number;
}

export class Member implements ConnectionHost, MemberView, EnsembleControl {
  readonly version = CORRAL_VERSION;
  readonly startTime = Date.now();
  readonly watches = new WatchManager();
  readonly stats = new ServerStatsCounter();
  /** Replaced wholesale when a snapshot from the leader is installed. */
  state: ReplicatedState;
  readonly maxFrameSize: number;
  readonly maxOutputBytes = MAX_OUTPUT_BYTES;
  private readonly registry: SessionRegistry;
  private readonly connectionSet = new Set<ClientConnection>();
  private readonly perIp = new Map<string, number>();
  private readonly pendingHandshakes = new Map<bigint, PendingHandshake>();
  private replicator: Replicator | undefined;
  private peers: PeerNetwork | undefined;
  /** Sessions with traffic here since the last report to the leader (which alone expires global sessions). */
  private touched = new Set<bigint>();
  /** Transactions proposed by this member, by their encoded bytes, until those are garbage. */
  private readonly proposedHere = new WeakMap<Uint8Array, Txn>();
  /** reconfig requests from clients here, answered when their change is applied. */
  private pendingReconfigs: PendingReconfig[] = [];
  /** Serving read-only clients because no leader is known (readonlymode.enabled). */
  private readOnlyMode = false;
  private leaderlessTicks = 0;
  private wal: WriteAheadLog | undefined;
  private server: Server | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** Admin and metrics servers to close on stop. */
  private closers: Array<{ close(): Promise<void> | void }> = [];
  private running = false;
  private appliedIndex = 0;
  private appliedTerm = 0;
  private snapshots: SnapshotFiles | undefined;
  private appliedSinceSnapshot = 0;
  private caughtUp: (() => void) | undefined;
  private recoveredLastIndex = 0;

  constructor(
    readonly config: MemberConfig,
    readonly log: Logger,
    private readonly options: MemberOptions = {},
  ) {
    this.state = this.freshState();
    this.maxFrameSize = config.juteMaxBuffer;
    this.registry = new SessionRegistry(config.serverId, config.tickTime, Date.now());
  }

  /** The network to the other members; none when standalone. */
  private async startPeers(): Promise<PeerNetwork | undefined> {
    const { standalone, servers, quorumListenOnAllIPs } = this.config;
    if (standalone) return undefined;
    const self = servers.find((s) => s.id === this.nodeId)!;
    const peers = peerAddresses(servers, this.nodeId);
    const net = new PeerNetwork({
      selfId: this.nodeId,
      listenHost: quorumListenOnAllIPs ? '0.0.0.0' : self.host,
      listenPort: self.quorumPort,
      peers,
      log: this.log,
    });
    net.onMessage((m) => this.replicator?.step(m));
    net.onPeerGone((id) => this.replicator?.peerGone(id));
    net.onAux((from, payload) => {
      if (!this.replicator?.handleAux(from, payload)) this.memberAux(payload as MemberAux);
    });
    net.onSnapshot((_from, meta, chunks) => this.receiveSnapshot(meta as Message, chunks));
    await net.start();
    return net;
  }

  private memberAux(msg: MemberAux): void {
    if (msg?.t !== 'touch') return;
    const now = Date.now();
    for (const id of msg.sessions) this.registry.touch(id, now);
  }

  /** Tells the leader which global sessions had traffic here, once per tick, instead of per request. */
  private reportTouches(): void {
    const leader = this.replicator?.core.leader;
    if (this.touched.size === 0 || !leader || leader === this.nodeId || !this.peers) return;
    this.peers.sendAux(leader, { t: 'touch', sessions: [...this.touched] } satisfies MemberAux);
    this.touched.clear();
  }

  /** A snapshot streamed by the leader: store it, then let consensus decide whether to install it. */
  private async receiveSnapshot(m: Message, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    await this.snapshots!.receive(m.snapshot!, chunks);
    this.replicator?.step(m);
  }

  /** ReplicatorHost: the stored snapshot at `meta.index` replaces the state. */
  async installSnapshot(meta: SnapshotMeta): Promise<number> {
    const state = await this.snapshots!.restore(meta.index, this.freshState());
    this.state = state;
    this.appliedIndex = meta.index;
    this.appliedTerm = meta.term;
    const now = Date.now();
    for (const [id, s] of state.sessions) {
      if (!this.registry.get(id)) this.registry.add({ id, timeout: s.timeout, passwd: s.passwd, local: false }, now);
    }
    this.log.info({ index: meta.index, zxid: hex(BigInt(state.lastZxid)), nodes: state.tree.nodeCount }, 'installed snapshot from the leader');
    return state.lastZxid;
  }

  /** ReplicatorHost: the chunks of a local snapshot, streamed to a member that fell behind. */
  snapshotChunks(index: number): Promise<AsyncIterable<Uint8Array>> {
    return this.snapshots!.chunks(index);
  }

  /** ReplicatorHost: leadership changed. */
  roleChanged(state: SoftState): void {
    this.log.info({ role: state.role, leader: state.leader, term: state.term }, 'consensus role changed');
    if (state.leader !== 0) this.leaveReadOnly();
    if (state.role === 'leader') {
      // A new leader gives every global session a full timeout, as ZooKeeper does after an election.
      const now = Date.now();
      for (const entry of this.registry.all()) if (!entry.local) this.registry.touch(entry.id, now);
    }
  }

  /**
   * The first entry of a new term was committed, so every write handed to an older leader that has not been
   * applied by now never will be. Its client cannot get an answer; like ZooKeeper, drop the connection (the
   * client sees CONNECTIONLOSS and reconnects).
   */
  private dropLostWrites(term: number): void {
    for (const conn of this.connectionSet) {
      if (conn.hasWriteHandedBefore(term)) conn.close('write lost in a leader change');
    }
  }

  private freshState(): ReplicatedState {
    const { enforceQuota, extendedTypesEnabled, skipACL } = this.config;
    return new ReplicatedState({ enforceQuota, extendedTypesEnabled, skipAcl: skipACL });
  }

  /** Consensus id: the server id from myid; a standalone member (id 0) is member 1 of a cluster of one. */
  private get nodeId(): NodeId {
    return Math.max(this.config.serverId, 1);
  }

  /** The membership zoo.cfg declares (used until the log or a snapshot says otherwise). */
  private configuredMembership(): Membership {
    const { standalone, servers } = this.config;
    if (standalone) return { voters: [this.nodeId], neverLeaders: [], observers: [] };
    const ids = (role: string) => servers.filter((s) => s.role === role).map((s) => s.id).sort((a, b) => a - b);
    return { voters: ids('participant'), neverLeaders: ids('neverleader'), observers: ids('observer') };
  }

  /** Recovers from disk, replays the log through the apply function, then listens for clients. */
  async start(): Promise<{ port: number }> {
    const { config, log } = this;
    this.snapshots = await SnapshotFiles.open(join(config.dataDir, 'corral-v1', 'snapshots'), log);
    let membership = this.configuredMembership();
    if (!config.standalone) this.state.initServers(config.servers, config.configVersion);
    const snapshot = await this.snapshots.loadLatest(this.state);
    if (snapshot) {
      this.appliedIndex = snapshot.index;
      this.appliedTerm = snapshot.term;
      membership = snapshot.membership ?? membership;
      log.info({ index: snapshot.index, zxid: hex(BigInt(this.state.lastZxid)), nodes: this.state.tree.nodeCount }, 'loaded snapshot');
    }
    const opened = await WriteAheadLog.open(join(config.dataLogDir, 'corral-v1', 'wal'), {
      forceSync: config.forceSync,
      snapshotIndex: this.appliedIndex,
      logger: log,
    });
    this.wal = opened.wal;
    this.recoveredLastIndex = opened.lastIndex;
    const core = new RaftCore({
      id: this.nodeId,
      snapshot: { index: this.appliedIndex, term: this.appliedTerm, membership },
      ...(opened.hardState ? { hardState: opened.hardState } : {}),
      entries: opened.entries,
      random: Math.random,
      electionTicks: ELECTION_TICKS,
    });
    this.peers = await this.startPeers();
    this.replicator = new Replicator(core, opened.wal, this, this.state.lastZxid, this.peers);
    const ready = new Promise<void>((resolve) => (this.caughtUp = resolve));
    if (config.standalone) this.replicator.campaign();
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
    if (config.readOnlyModeEnabled && !config.standalone) this.timers.push(setInterval(() => this.checkReadOnly(), config.tickTime));
    await ready;
    log.info({ entries: opened.entries.length, lastZxid: hex(BigInt(this.state.lastZxid)) }, 'recovered state from the log');
    // Sessions restored from the log get a full timeout to reconnect, as in ZooKeeper.
    const now = Date.now();
    for (const [id, s] of this.state.sessions) {
      if (!this.registry.get(id)) this.registry.add({ id, timeout: s.timeout, passwd: s.passwd, local: false }, now);
    }
    this.timers.push(setInterval(() => this.expireSessions(), config.tickTime));
    this.timers.push(setInterval(() => this.sweepContainers(), this.options.containerCheckIntervalMs ?? CONTAINER_CHECK_INTERVAL_MS));
    this.running = true;
    log.info({ port, address: config.clientPortAddress || '0.0.0.0' }, 'serving clients');
    return { port };
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const c of [...this.connectionSet]) c.close('member shutting down');
    await Promise.all(this.closers.map((c) => c.close()));
    this.closers = [];
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.replicator?.stop();
    await this.peers?.close();
    await this.wal?.close();
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
    this.watches.removeWatcher(conn);
    const session = conn.sessionId === undefined ? undefined : this.registry.get(conn.sessionId);
    if (session?.connection === conn) delete session.connection;
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

  // ---- Handshake ----

  handshake(conn: ClientConnection, req: ConnectRequest): void {
    this.stats.received();
    if (this.readOnlyMode) return this.establishReadOnly(conn, req);
    if (!this.running) return conn.refuse(undefined, 'not serving yet');
    if (req.lastZxidSeen <= this.state.lastZxid) return this.establish(conn, req);
    // The client has seen more than this member applied: catch up with the leader first, then decide.
    void this.replicator!.barrier().then(() => {
      if (!conn.isOpen) return;
      if (req.lastZxidSeen <= this.state.lastZxid) return this.establish(conn, req);
      this.log.info({ client: conn.remoteAddress, seen: hex(BigInt(req.lastZxidSeen)), ours: hex(BigInt(this.state.lastZxid)) }, 'refusing a client that has seen a newer zxid');
      conn.refuse(undefined, 'client ahead');
    });
  }

  private establish(conn: ClientConnection, req: ConnectRequest): void {
    const { minSessionTimeout, maxSessionTimeout } = this.config;
    const timeout = Math.min(Math.max(req.timeOut, minSessionTimeout), maxSessionTimeout);
    conn.readOnly = false;
    if (req.sessionId === 0n) return this.createSession(conn, timeout);
    const entry = this.registry.get(req.sessionId);
    const global = this.state.sessions.get(req.sessionId);
    const passwd = entry?.passwd ?? global?.passwd;
    if (!passwd || entry?.closing || !passwd.equals(req.passwd)) {
      this.log.info({ session: hex(req.sessionId), client: conn.remoteAddress }, passwd ? 'refusing reconnect: wrong password or closing' : 'refusing reconnect: session expired');
      conn.refuse(this.connectResponse(0n, 0, Buffer.alloc(SESSION_PASSWORD_LENGTH)), 'invalid session');
      return;
    }
    const session: SessionEntry = entry ?? { id: req.sessionId, timeout, passwd, local: false };
    session.timeout = timeout;
    const previous = session.connection;
    session.connection = conn;
    if (previous && previous !== conn) previous.close('session moved to a new connection');
    this.registry.add(session, Date.now());
    conn.accept(this.connectResponse(session.id, timeout, passwd), session.id, timeout);
  }

  /**
   * Read-only mode (no quorum): only clients that accept a read-only server get in, on a session that lives here
   * alone; writes get NOTREADONLY. When quorum returns their connections are closed and they find a writable member.
   */
  private establishReadOnly(conn: ClientConnection, req: ConnectRequest): void {
    if (!req.readOnly) return conn.refuse(undefined, 'read-only mode: client does not accept read-only servers');
    if (req.lastZxidSeen > this.state.lastZxid) return conn.refuse(undefined, 'client ahead of this read-only member');
    const { minSessionTimeout, maxSessionTimeout } = this.config;
    const timeout = Math.min(Math.max(req.timeOut, minSessionTimeout), maxSessionTimeout);
    let session = req.sessionId === 0n ? undefined : this.registry.get(req.sessionId);
    const passwd = session?.passwd ?? this.state.sessions.get(req.sessionId)?.passwd;
    if (req.sessionId !== 0n && (!passwd || !passwd.equals(req.passwd))) {
      return conn.refuse(this.connectResponse(0n, 0, Buffer.alloc(SESSION_PASSWORD_LENGTH)), 'invalid session');
    }
    session ??= { id: req.sessionId === 0n ? this.registry.newSessionId() : req.sessionId, timeout, passwd: passwd ?? SessionRegistry.newPassword(), local: true };
    session.connection?.close('session moved to a new connection');
    session.connection = conn;
    this.registry.add(session, Date.now());
    conn.readOnly = true;
    conn.accept(this.connectResponse(session.id, timeout, session.passwd, true), session.id, timeout);
  }

  /** Enters read-only mode after two tickTimes without a leader; leaves it as soon as one is known. */
  private checkReadOnly(): void {
    const leader = this.replicator?.core.leader ?? 0;
    if (leader !== 0) {
      this.leaderlessTicks = 0;
      return this.leaveReadOnly();
    }
    if (++this.leaderlessTicks >= 2 && !this.readOnlyMode) {
      this.readOnlyMode = true;
      this.log.warn({}, 'no quorum: serving read-only clients');
    }
  }

  private leaveReadOnly(): void {
    if (!this.readOnlyMode) return;
    this.readOnlyMode = false;
    this.log.info({}, 'quorum is back: leaving read-only mode');
    for (const conn of [...this.connectionSet]) if (conn.readOnly) conn.close('member left read-only mode');
  }

  private createSession(conn: ClientConnection, timeout: number): void {
    const id = this.registry.newSessionId();
    const passwd = SessionRegistry.newPassword();
    if (this.config.localSessionsEnabled) {
      this.registry.add({ id, timeout, passwd, local: true, connection: conn }, Date.now());
      conn.accept(this.connectResponse(id, timeout, passwd), id, timeout);
      return;
    }
    this.pendingHandshakes.set(id, { connection: conn, timeout, passwd });
    this.propose({ kind: TxnKind.CreateSession, time: Date.now(), session: id, timeout, passwd });
  }

  private connectResponse(sessionId: bigint, timeOut: number, passwd: Buffer, readOnly = false): Buffer {
    return encodeConnectResponse({ protocolVersion: PROTOCOL_VERSION, timeOut, sessionId, passwd, readOnly });
  }

  // ---- Requests ----

  request(conn: ClientConnection, xid: number, req: ClientRequest): void {
    this.stats.received();
    const sessionId = conn.sessionId!;
    this.registry.touch(sessionId, Date.now());
    const session = this.registry.get(sessionId);
    if (session && !session.local && !this.replicator!.isLeader) this.touched.add(sessionId);
    if (!session || session.closing) {
      conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.SessionExpired));
      return;
    }
    switch (req.type) {
      case OpCode.Ping:
        conn.answer(xid, req.type, () => this.reply(Xid.Ping, ErrorCode.Ok));
        return;
      case OpCode.Auth: {
        const ids = authenticate(req.scheme, req.auth, this.config.superDigest);
        if (!ids) {
          this.log.info({ session: hex(sessionId), scheme: req.scheme }, 'authentication failed');
          conn.answer(xid, req.type, () => this.reply(Xid.Auth, ErrorCode.AuthFailed));
          conn.finish();
          return;
        }
        // Authenticated identities go before the connection's ip identity, the order whoAmI shows in ZooKeeper.
        const ipAt = conn.auth.findIndex((a) => a.scheme === 'ip');
        const added = ids.filter((id) => !conn.auth.some((a) => a.scheme === id.scheme && a.id === id.id));
        conn.auth.splice(ipAt < 0 ? conn.auth.length : ipAt, 0, ...added);
        conn.answer(xid, req.type, () => this.reply(Xid.Auth, ErrorCode.Ok));
        return;
      }
      case OpCode.SetWatches:
      case OpCode.SetWatches2:
        conn.answer(xid, req.type, () => {
          restoreWatches(req, this.state.tree, this.watches, conn);
          // Echo the client's xid: most clients send -8, but some (node-zookeeper-client) number it like any request.
          return this.reply(xid, ErrorCode.Ok);
        });
        return;
      case OpCode.Sync: {
        if (conn.readOnly) return conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.NotReadOnly));
        // Answered once this member has applied everything the leader had committed when the sync arrived.
        conn.expectWrite(xid, req.type);
        const path = req.path;
        void this.replicator!.barrier().then(() => conn.complete(xid, this.reply(xid, ErrorCode.Ok, { type: OpCode.Sync, path }), this.state.lastZxid));
        return;
      }
      case OpCode.Sasl:
        conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.Unimplemented));
        return;
      case OpCode.Reconfig:
        if (conn.readOnly) return conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.NotReadOnly));
        return this.reconfig(conn, xid, req);
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
          skipAcl: this.config.skipACL,
          session: sessionId,
        });
        return this.reply(xid, a.err, a.body);
      });
      return;
    }
    this.write(conn, session, xid, req as WriteRequest);
  }

  private write(conn: ClientConnection, session: SessionEntry, xid: number, req: WriteRequest): void {
    if (conn.readOnly) return conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.NotReadOnly));
    if (session.local && createsEphemeral(req)) {
      if (!this.config.localSessionsUpgradingEnabled) {
        conn.answer(xid, req.type, () => this.reply(xid, ErrorCode.EphemeralOnLocalSession));
        return;
      }
      // Upgrade: the session becomes global through the log, ahead of the write that needs it.
      session.local = false;
      this.propose({ kind: TxnKind.CreateSession, time: Date.now(), session: session.id, timeout: session.timeout, passwd: session.passwd });
    }
    const slot = conn.expectWrite(xid, req.type);
    const txn: Txn = { kind: TxnKind.Request, time: Date.now(), session: session.id, cxid: xid, auth: conn.auth, req, global: !session.local };
    this.propose(txn, (term) => (slot.term = term));
  }

  /** The reconfig opcode: one membership change through consensus, answered once it is applied here. */
  private reconfig(conn: ClientConnection, xid: number, req: ReconfigRequest): void {
    const refuse = (err: ErrorCode) => conn.answer(xid, OpCode.Reconfig, () => this.reply(xid, err));
    if (!this.config.reconfigEnabled) return refuse(ErrorCode.ReconfigDisabled);
    if (this.config.standalone) return refuse(ErrorCode.Unimplemented);
    const configNode = this.state.tree.get(CONFIG_PATH)!;
    if (!permits(configNode.acl, Perms.Write, conn.auth, this.config.skipACL)) return refuse(ErrorCode.NoAuth);
    const plan = planReconfig(req, this.state.servers, this.state.configVersion, Date.now());
    if ('err' in plan) return refuse(plan.err);
    conn.expectWrite(xid, OpCode.Reconfig);
    const pending = { conn, xid, id: plan.change.id, role: plan.change.role };
    this.pendingReconfigs.push(pending);
    void this.replicator!.proposeMembership(plan.change).then((refusal) => {
      if (refusal === undefined) return;
      this.pendingReconfigs = this.pendingReconfigs.filter((p) => p !== pending);
      if (refusal === 'reconfigInProgress') conn.complete(xid, this.reply(xid, ErrorCode.ReconfigInProgress), this.state.lastZxid);
      else if (refusal === 'invalidChange') conn.complete(xid, this.reply(xid, ErrorCode.BadArguments), this.state.lastZxid);
      // No leader took it, or one may have: like a write lost in a leader change, the client must find out itself.
      else conn.close(`reconfig outcome unknown (${refusal})`);
    });
  }

  /** A committed membership change: update /zookeeper/config, the peer list, and answer whoever asked for it. */
  private applyMembershipChange(entry: Entry, zxid: number): void {
    const { change } = decodeConfig(entry.data);
    const info = change.info as ChangeInfo | undefined;
    const previous = this.state.servers.get(change.id);
    const spec = change.role === 'removed' ? undefined : (info?.spec ?? (previous && { ...previous, role: serverRole(change.role) }));
    const result = this.state.applyConfig(change.id, spec, zxid, info?.time ?? 0);
    for (const ev of result.events) this.watches.trigger(ev);
    this.peers?.setPeers(peerAddresses([...this.state.servers.values()], this.nodeId));
    this.log.info({ member: change.id, role: change.role, version: hex(BigInt(zxid)) }, 'membership changed');
    const i = this.pendingReconfigs.findIndex((p) => p.id === change.id && p.role === change.role);
    if (i < 0) return;
    const [{ conn, xid }] = this.pendingReconfigs.splice(i, 1) as [PendingReconfig];
    const node = this.state.tree.get(CONFIG_PATH)!;
    conn.complete(xid, this.reply(xid, ErrorCode.Ok, { type: OpCode.Reconfig, data: node.data, stat: statOf(node) }), zxid);
  }

  private closeSession(conn: ClientConnection, session: SessionEntry, xid: number): void {
    session.closing = true;
    if (session.local) {
      this.registry.remove(session.id);
      conn.answer(xid, OpCode.CloseSession, () => this.reply(xid, ErrorCode.Ok));
      conn.finish();
      return;
    }
    session.closeXid = xid;
    const slot = conn.expectWrite(xid, OpCode.CloseSession);
    this.propose({ kind: TxnKind.CloseSession, time: Date.now(), session: session.id }, (term) => (slot.term = term));
  }

  private reply(xid: number, err: ErrorCode, body?: ClientResponse): Buffer {
    this.stats.sent();
    return encodeReply(xid, this.state.lastZxid, err, body);
  }

  private propose(txn: Txn, handed?: (term: number) => void): void {
    const data = encodeTxn(txn);
    // Applying our own proposal later needs no decoding: the entry carries these very bytes.
    this.proposedHere.set(data, txn);
    this.replicator!.propose(data, handed);
  }

  // ---- Commits ----

  committed(entries: Array<{ entry: Entry; zxid: number }>): void {
    for (const { entry, zxid } of entries) {
      if (entry.term > this.appliedTerm) this.dropLostWrites(entry.term);
      this.appliedIndex = entry.index;
      this.appliedTerm = entry.term;
      this.appliedSinceSnapshot++;
      if (entry.kind === EntryKind.Config) {
        this.applyMembershipChange(entry, zxid);
        continue;
      }
      if (entry.kind !== EntryKind.Normal) {
        this.state.lastZxid = zxid;
        continue;
      }
      const txn = this.proposedHere.get(entry.data) ?? decodeTxn(entry.data);
      const result = this.state.apply(txn, zxid);
      for (const ev of result.events) this.watches.trigger(ev);
      this.deliver(txn, result);
    }
    if (this.appliedSinceSnapshot >= this.config.snapCount && !this.snapshots!.busy) void this.takeSnapshot();
    // Ready to serve once the current leader's first entry (its no-op) is applied here.
    if (this.caughtUp && this.appliedIndex > this.recoveredLastIndex && this.appliedTerm === this.replicator?.core.term) {
      this.caughtUp();
      this.caughtUp = undefined;
    }
  }

  /** Answers the client whose transaction this was, if it is connected here. */
  private deliver(txn: Txn, result: ApplyResult): void {
    switch (txn.kind) {
      case TxnKind.CreateSession: {
        const pending = this.pendingHandshakes.get(txn.session);
        // Every member tracks every global session, so whichever leads next can expire it.
        if (!pending) {
          if (!this.registry.get(txn.session)) this.registry.add({ id: txn.session, timeout: txn.timeout, passwd: txn.passwd, local: false }, Date.now());
          return;
        }
        this.pendingHandshakes.delete(txn.session);
        const { connection, timeout, passwd } = pending;
        this.registry.add({ id: txn.session, timeout, passwd, local: false, connection }, Date.now());
        connection.accept(this.connectResponse(txn.session, timeout, passwd), txn.session, timeout);
        return;
      }
      case TxnKind.CloseSession: {
        const entry = this.registry.remove(txn.session);
        const conn = entry?.connection as ClientConnection | undefined;
        if (!conn) return;
        if (entry?.closeXid !== undefined) {
          this.stats.sent();
          conn.complete(entry.closeXid, encodeReply(entry.closeXid, result.zxid, ErrorCode.Ok), result.zxid);
        }
        conn.finish();
        return;
      }
      case TxnKind.Request: {
        const conn = this.registry.get(txn.session)?.connection as ClientConnection | undefined;
        if (!conn) return;
        this.stats.sent();
        conn.complete(txn.cxid, encodeReply(txn.cxid, result.zxid, result.err, result.response), result.zxid);
        return;
      }
      case TxnKind.DeleteExpired:
        return;
    }
  }

  // ---- Housekeeping ----

  /**
   * Writes the state as of the last applied entry while the member keeps serving (chunks interleave with
   * client traffic), then drops the log and snapshots it no longer needs.
   */
  private async takeSnapshot(): Promise<void> {
    const index = this.appliedIndex;
    this.appliedSinceSnapshot = 0;
    const zxid = this.state.lastZxid;
    const oldest = await this.snapshots!.write(this.state, index, this.appliedTerm, this.replicator!.core.membership, this.config.snapRetainCount);
    if (oldest === undefined) return;
    this.replicator?.compact(index);
    await this.wal?.releaseBefore(oldest + 1);
    this.log.info({ index, zxid: hex(BigInt(zxid)) }, 'snapshot written');
  }

  private expireSessions(): void {
    this.reportTouches();
    const leading = this.replicator!.isLeader;
    for (const s of this.registry.expired(Date.now())) {
      if (!s.local && (s.closing || !leading)) {
        // Only the leader expires global sessions; elsewhere they just wait for the leader's verdict.
        if (!leading && !s.closing) this.registry.touch(s.id, Date.now());
        continue;
      }
      this.log.info({ session: hex(s.id), timeout: s.timeout }, 'session expired');
      s.closing = true;
      if (s.local) {
        this.registry.remove(s.id);
        (s.connection as ClientConnection | undefined)?.close('session expired');
      } else {
        this.propose({ kind: TxnKind.CloseSession, time: Date.now(), session: s.id });
      }
    }
  }

  /** Proposes the removal of containers and TTL nodes that are due; apply re-checks each at its turn. */
  private sweepContainers(): void {
    const { tree } = this.state;
    const now = Date.now();
    for (const path of [...tree.containers, ...tree.ttlNodes]) {
      if (isExpiredNode(tree.get(path)!, now)) this.propose({ kind: TxnKind.DeleteExpired, time: now, path });
    }
  }

  // ---- Ensemble control (admin commands) ----

  memberStatus(): MemberStatus[] {
    const core = this.replicator!.core;
    const progress = new Map(core.replicationStatus().map((p) => [p.id, p]));
    const { voters, neverLeaders, observers } = core.membership;
    const specs = new Map(this.config.servers.map((s) => [s.id, s]));
    const ids = [...voters, ...neverLeaders, ...observers].sort((a, b) => a - b);
    return ids.map((id) => {
      const spec = specs.get(id);
      const self = id === this.nodeId;
      const match = self ? core.lastIndex : progress.get(id)?.match;
      return {
        id,
        host: spec?.host ?? '',
        clientPort: spec?.clientPort,
        role: observers.includes(id) ? 'observer' : neverLeaders.includes(id) ? 'neverleader' : 'participant',
        isLeader: core.leader === id,
        lag: core.role === 'leader' && match !== undefined ? Math.max(0, core.commitIndex - match) : null,
        connected: self || (this.peers?.isConnected(id) ?? false),
      };
    });
  }

  /** Hands leadership to `target` (or the best eligible member) and waits until a new leader is known. */
  async transferLeadership(target: number | 'any'): Promise<TransferOutcome> {
    const core = this.replicator!.core;
    const from = core.leader;
    const result = core.transferLeadership(target);
    this.replicator!.schedule();
    if (!result.ok) return { ok: false, error: result.error, leader: result.leader };
    if (result.target === this.nodeId) return { ok: true, from, to: from, elapsedMs: 0 };
    const started = performance.now();
    const deadline = Date.now() + 4 * this.config.tickTime;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
      const leader = core.leader;
      if (leader !== 0 && leader !== from) return { ok: true, from, to: leader, elapsedMs: Math.round(performance.now() - started) };
    }
    return { ok: false, error: 'leadership transfer timed out', leader: core.leader };
  }

  // ---- MemberView ----

  quorum(): QuorumView | undefined {
    if (this.config.standalone || !this.replicator) return undefined;
    const core = this.replicator.core;
    const role = core.role;
    const observer = core.membership.observers.includes(this.nodeId);
    const peerState = role === 'leader' ? 'leading' : role === 'follower' && core.leader !== 0 ? (observer ? 'observing' : 'following') : 'looking';
    const view: QuorumView = {
      peerState: peerState === 'looking' ? 'looking' : `${peerState} - broadcast`,
      zabState: peerState === 'looking' ? 'election' : 'broadcast',
      leaderId: core.leader === 0 ? -1 : core.leader,
      servers: [...this.state.servers.values()],
      configVersion: this.state.configVersion,
    };
    if (role === 'leader') {
      // A learner is "synced" when the leader knows its log matches everything committed.
      const status = core.replicationStatus();
      const synced = (ids: number[]) => status.filter((p) => ids.includes(p.id) && p.match >= core.commitIndex).length;
      const { voters, neverLeaders, observers } = core.membership;
      view.leader = {
        learners: status.filter((p) => p.active).length,
        syncedFollowers: synced([...voters, ...neverLeaders]),
        syncedObservers: synced(observers),
        pendingSyncs: 0,
      };
    }
    return view;
  }

  mode(): ServerMode {
    if (this.config.standalone) return 'standalone';
    if (this.readOnlyMode) return 'read-only';
    const core = this.replicator?.core;
    if (core?.role === 'leader') return 'leader';
    return core?.membership.observers.includes(this.nodeId) ? 'observer' : 'follower';
  }

  isReadOnly(): boolean {
    return this.readOnlyMode;
  }

  isRunning(): boolean {
    return this.running || this.readOnlyMode;
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

function createsEphemeral(req: WriteRequest): boolean {
  // createContainer makes a container whatever its flags say.
  const ephemeral = (op: WriteRequest) => 'flags' in op && op.type !== OpCode.CreateContainer && isEphemeral(op.flags);
  return req.type === OpCode.Multi ? req.ops.some(ephemeral) : ephemeral(req);
}
