// What the admin surface (four-letter words, the HTTP AdminServer, Prometheus) may read from a running member: the
// member implements it, the admin code knows the member only through it (admin/ imports nothing from member/).
import type { MemberConfig } from '../config/member-config.js';
import type { ServerSpec } from '../config/server-line.js';

export type ServerMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only';

/** One client connection, with the fields ZooKeeper's `cons` prints. */
export interface ConnectionInfo {
  remoteAddress: string;
  remotePort: number;
  /** Requests received but not yet answered. */
  queued: number;
  received: number;
  sent: number;
  sessionId: bigint | undefined;
  /** Short name of the last operation (ZooKeeper's lop, e.g. "GETD"). */
  lastOperation: string;
  established: number;
  sessionTimeout: number;
  lastCxid: number;
  lastZxid: number;
  lastResponseTime: number;
  lastLatency: number;
  minLatency: number;
  avgLatency: number;
  maxLatency: number;
  /** The object watches are registered under (for wchc/wchp). */
  watcherKey: object;
  resetStats(): void;
}

/** The watches registered on the member (wchs, wchc, wchp, mntr's watch_count), keyed by watcher (a connection). */
export interface WatchReport {
  readonly count: number;
  pathsByWatcher(): ReadonlyMap<object, ReadonlySet<string>>;
  watchersByPath(): ReadonlyMap<string, ReadonlySet<object>>;
}

/** Server-wide request statistics (reset by srst). */
export interface ServerStats {
  packetsReceived: number;
  packetsSent: number;
  minLatency: number;
  avgLatency: number;
  maxLatency: number;
  /** Requests received whose reply has not been sent yet. */
  outstandingRequests: number;
  reset(): void;
}

export interface MemberView {
  readonly config: MemberConfig;
  readonly version: string;
  readonly startTime: number;
  mode(): ServerMode;
  isReadOnly(): boolean;
  /** True once the member serves clients (ruok answers imok only then). */
  isRunning(): boolean;
  lastZxid(): number;
  nodeCount(): number;
  approximateDataSize(): number;
  ephemeralCount(): number;
  /**
   * Global and local sessions this member knows, with their ephemeral paths (dump). `expiresAt` (epoch ms of the
   * expiry bucket) is set where this member tracks the session's expiry (standalone, leader), as ZooKeeper's dump
   * lists sessions by expiry bucket there and by timeout on learners.
   */
  sessions(): Array<{ sessionId: bigint; timeout: number; ephemerals: string[]; expiresAt?: number }>;
  connections(): ConnectionInfo[];
  readonly watches: WatchReport;
  readonly stats: ServerStats;
  /** Bytes on disk of the snapshot directory and of the log directory (dirs). */
  dirSizes(): { dataDirSize: number; dataLogSize: number };
  /** Fsyncs done and their total duration, for mntr's fsync metrics. */
  fsyncStats(): { count: number; totalMs: number; thresholdExceeded: number };
  /** The newest snapshot on disk (last_snapshot); undefined before the first. `timestamp` in epoch seconds. */
  lastSnapshot?(): { zxid: number; timestamp: number } | undefined;
  /** Ensemble state; undefined when standalone. */
  quorum?(): QuorumView | undefined;
}

/** What ZooKeeper's quorum-only admin output (mntr, leader, voting_view, zabstate, conf) reads. */
export interface QuorumView {
  /** ZooKeeper's detailed peer state, e.g. "leading - broadcast", "following - synchronization", "looking". */
  peerState: string;
  zabState: 'election' | 'discovery' | 'synchronization' | 'broadcast';
  /** -1 while there is no known leader. */
  leaderId: number;
  /** The current membership and its version (may differ from the configuration's after a reconfig). */
  servers: ServerSpec[];
  configVersion: number;
  /** Present only on the leader. */
  leader?: {
    learners: number;
    syncedFollowers: number;
    syncedObservers: number;
    pendingSyncs: number;
  };
}
