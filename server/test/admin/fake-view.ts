// A hand-built MemberView for the admin formatters: the state of the real ZooKeeper 3.8 standalone server whose
// output the tests compare against (two sessions, /eph1 and /eph2, data watches on /a and /a/b).
import { parseConfig, type MemberConfig } from '../../src/config/member-config.js';
import type { ConnectionInfo, MemberView, QuorumView, ServerMode, ServerStats } from '../../src/admin/view.js';
import { WatchManager, type Watcher } from '../../src/member/watches.js';

export const ZOO_CFG = [
  'tickTime=2000',
  'dataDir=/tmp/zkref/data',
  'clientPort=21911',
  'clientPortAddress=127.0.0.1',
  '4lw.commands.whitelist=*',
  'admin.serverAddress=127.0.0.1',
  'admin.serverPort=0',
  'metricsProvider.httpHost=127.0.0.1',
  'metricsProvider.httpPort=0',
  '',
].join('\n');

export const SESSION_1 = 0x100000b3ecd0000n;
export const SESSION_2 = 0x100000b3ecd0001n;
/** 2026-11-23 14:25:38 UTC, a session expiry bucket. */
export const BUCKET = Date.UTC(2026, 10, 23, 14, 25, 38);

const noWatch: Watcher = { auth: [], notify() {} };

export interface FakeView extends MemberView {
  /** The member's real watch manager, so tests can change the watches the view reports. */
  readonly watches: WatchManager;
  running: boolean;
  readOnly: boolean;
  currentMode: ServerMode;
  quorumView: QuorumView | undefined;
  conns: ConnectionInfo[];
  statsResets: number;
  connResets: number;
}

function connection(view: { connResets: number }, port: number, sessionId: bigint | undefined, extra: Partial<ConnectionInfo> = {}): ConnectionInfo {
  return {
    remoteAddress: '::ffff:127.0.0.1',
    remotePort: port,
    queued: 0,
    received: 6,
    sent: 6,
    sessionId,
    lastOperation: 'GETC',
    established: 1795443926516,
    sessionTimeout: 10000,
    lastCxid: 4,
    lastZxid: 6,
    lastResponseTime: 742074,
    lastLatency: 4,
    minLatency: 0,
    avgLatency: 7.5,
    maxLatency: 17,
    watcherKey: { ...noWatch },
    resetStats() {
      view.connResets++;
    },
    ...extra,
  };
}

export function fakeView(cfgText = ZOO_CFG): FakeView {
  const config: MemberConfig = parseConfig(cfgText, { baseDir: '/tmp' }).config;
  const watches = new WatchManager();
  const stats: ServerStats = {
    packetsReceived: 21,
    packetsSent: 21,
    minLatency: 0,
    avgLatency: 6.75,
    maxLatency: 21,
    outstandingRequests: 0,
    reset() {
      view.statsResets++;
    },
  };
  const view: FakeView = {
    config,
    version: '3.9.0-corral-0.1.0',
    startTime: Date.now() - 10_774,
    running: true,
    readOnly: false,
    currentMode: 'standalone',
    quorumView: undefined,
    conns: [],
    statsResets: 0,
    connResets: 0,
    mode: () => view.currentMode,
    isReadOnly: () => view.readOnly,
    isRunning: () => view.running,
    lastZxid: () => 6,
    nodeCount: () => 9,
    approximateDataSize: () => 66,
    ephemeralCount: () => 2,
    sessions: () => [
      { sessionId: SESSION_2, timeout: 10000, ephemerals: ['/eph2'], expiresAt: BUCKET },
      { sessionId: SESSION_1, timeout: 10000, ephemerals: ['/eph1'], expiresAt: BUCKET },
    ],
    connections: () => view.conns,
    watches,
    stats,
    dirSizes: () => ({ dataDirSize: 457, dataLogSize: 458 }),
    fsyncStats: () => ({ count: 4, totalMs: 10, thresholdExceeded: 1 }),
    quorum: () => view.quorumView,
  };
  const c1 = connection(view, 47752, SESSION_1);
  const c2 = connection(view, 47764, SESSION_2, { received: 4, sent: 4, lastOperation: 'EXIS', lastCxid: 2, avgLatency: 8, maxLatency: 21, lastLatency: 5, lastResponseTime: 742076, established: 1795443926518 });
  view.conns = [c1, c2];
  watches.addData('/a', c1.watcherKey as Watcher);
  watches.addData('/a', c2.watcherKey as Watcher);
  watches.addData('/a/b', c2.watcherKey as Watcher);
  return view;
}

/** The same member as server 2 of a three-member ensemble, in the given role. */
export function quorumView(mode: 'leader' | 'follower'): FakeView {
  const view = fakeView();
  const servers = [1, 2, 3].map((id) => ({ id, host: `127.0.0.${id}`, quorumPort: 2888, electionPort: 3888, role: 'participant' as const, clientHost: '0.0.0.0', clientPort: 2181 }));
  (view as { config: MemberConfig }).config = { ...view.config, standalone: false, serverId: 2, servers, initLimit: 10, syncLimit: 5, configVersion: 0x100000000 };
  view.currentMode = mode;
  view.quorumView = {
    peerState: mode === 'leader' ? 'leading - broadcast' : 'following - broadcast',
    zabState: 'broadcast',
    leaderId: mode === 'leader' ? 2 : 1,
    servers,
    configVersion: 0x100000000,
    ...(mode === 'leader' ? { leader: { learners: 2, syncedFollowers: 2, syncedObservers: 0, pendingSyncs: 0 } } : {}),
  };
  return view;
}
