// The AdminServer's commands (ZooKeeper's org.apache.zookeeper.server.admin.Commands): names and aliases,
// JSON shapes in ZooKeeper's snake_case, and a registry the member extends with Corral's own commands.
import type { FourLetterWord } from 'corral/protocol';
import { isVoter, type ServerSpec } from '../config/server-line.js';
import type { ConnectionInfo, MemberView } from './view.js';
import { environment } from './environment.js';
import { Real, hexLong, roundAverage } from './java-format.js';
import type { JsonValue } from './json.js';
import { monitorValues } from './monitor.js';
import {
  INTEREST_OPS,
  NOT_SERVING,
  clientAddress,
  ephemeralsBySession,
  expiryBuckets,
  sortedSessions,
  watchSummary,
  watchesByPath,
  watchesBySession,
} from './reports.js';
import { setTraceMask, traceMask } from './trace-mask.js';
import { fullVersion } from './build-date.js';

/** A command's payload; an `error` entry reports a failure, as ZooKeeper's commands do. */
export type CommandData = Map<string, JsonValue>;

/** Query parameters of the request (ZooKeeper's kwargs: the first value of each). */
export type CommandArgs = ReadonlyMap<string, string>;

/** What a command learns of the HTTP request besides its arguments. */
export interface CommandRequest {
  /** The Authorization header, as ZooKeeper 3.9's AdminServer reads it (`digest user:password`); never logged. */
  authorization: string | undefined;
}

/** A command refused with an HTTP status, as ZooKeeper 3.9 answers failed authentication (401, 403) or bad input (400). */
export class CommandRefusal {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly error: string,
  ) {}
}

export type CommandResult = CommandData | CommandRefusal;

export type CommandHandler = (view: MemberView, args: CommandArgs, request: CommandRequest) => CommandResult | Promise<CommandResult>;

/** GET reads; POST changes something (as ZooKeeper 3.9 splits its commands), so a link or a prefetch cannot run it. */
export type CommandMethod = 'GET' | 'POST';

export interface CommandOptions {
  /** Refuse with ZooKeeper's "not currently serving" error while the member does not serve clients (default true). */
  serverRequired?: boolean;
  /** The one HTTP method the command answers (default GET). */
  method?: CommandMethod;
}

interface Registered {
  primary: string;
  serverRequired: boolean;
  method: CommandMethod;
  handler: CommandHandler;
}

/** The JSON object ZooKeeper's AdminServer returns: the payload, then `command` (the primary name) and `error`. */
export function commandResponse(command: string, data: CommandData = new Map()): Map<string, JsonValue> {
  const out = new Map(data);
  out.set('command', command);
  if (!out.has('error')) out.set('error', null);
  return out;
}

export class CommandRegistry {
  private readonly byName = new Map<string, Registered>();

  /** Registers `name` and its aliases; a later registration of a name replaces the earlier one. */
  registerCommand(name: string, aliases: readonly string[], handler: CommandHandler, options: CommandOptions = {}): void {
    const entry = { primary: name, serverRequired: options.serverRequired ?? true, method: options.method ?? 'GET', handler };
    for (const n of [name, ...aliases]) this.byName.set(n, entry);
  }

  /** The HTTP method command `name` answers (GET for names it does not know: they are answered as unknown). */
  methodOf(name: string): CommandMethod {
    return this.byName.get(name)?.method ?? 'GET';
  }

  /** Registers every row of a command table under its primary name and aliases. */
  registerTable(table: Readonly<Record<string, AdminCommand>>): void {
    for (const [name, { aliases, run, serverRequired, method }] of Object.entries(table)) {
      this.registerCommand(name, aliases, run, { serverRequired, method });
    }
  }

  /** Primary names, sorted (the command list page). */
  primaryNames(): string[] {
    return [...new Set([...this.byName.values()].map((e) => e.primary))].sort();
  }

  /** The HTTP status and JSON body of command `name`; unknown commands and a member not serving yet are HTTP 200. */
  async run(name: string, view: MemberView, args: CommandArgs, request: CommandRequest): Promise<{ status: number; body: Map<string, JsonValue> }> {
    const entry = this.byName.get(name);
    if (!entry) return { status: 200, body: commandResponse(name, new Map([['error', `Unknown command: ${name}`]])) };
    if (entry.serverRequired && !view.isRunning()) return { status: 200, body: commandResponse(name, new Map([['error', NOT_SERVING]])) };
    const result = await entry.handler(view, args, request);
    if (result instanceof CommandRefusal) return { status: result.status, body: commandResponse(entry.primary, new Map([['error', result.error]])) };
    return { status: 200, body: commandResponse(entry.primary, result) };
  }
}

/** One row of a command table: the command's other names, whether it needs a serving member, what it answers. */
export interface AdminCommand {
  readonly aliases: readonly string[];
  readonly serverRequired: boolean;
  /** Default GET. */
  readonly method?: CommandMethod;
  readonly run: CommandHandler;
}

/** A command that answers only while the member serves clients, as most of ZooKeeper's. */
export const served = <const A extends readonly string[]>(aliases: A, run: CommandHandler) => ({ aliases, serverRequired: true, run });
/** A command that answers whatever the member's state. */
export const anytime = <const A extends readonly string[]>(aliases: A, run: CommandHandler) => ({ aliases, serverRequired: false, run });

/** Primary names and aliases of a command table. */
type CommandNames<T> = { [K in keyof T]: K | (T[K] extends { aliases: readonly (infer A)[] } ? A : never) }[keyof T];

/** T, if every four-letter word names one of its commands (as in ZooKeeper, where each word has an HTTP twin). */
type CoveringEveryWord<T> = [Exclude<FourLetterWord, CommandNames<T>>] extends [never]
  ? T
  : { missingFourLetterWords: Exclude<FourLetterWord, CommandNames<T>> };

/**
 * ZooKeeper's AdminServer commands that Corral answers (its Commands class), by primary name. Adding one is one row;
 * Corral's own commands are a table of the member's (member/ensemble-commands.ts).
 */
export const ZOOKEEPER_COMMANDS = {
  connection_stat_reset: served(['crst'], (v) => {
    for (const c of v.connections()) c.resetStats();
    return new Map();
  }),
  configuration: served(['conf', 'config'], (v) => configuration(v)),
  connections: served(['cons'], (v) =>
    data({ connections: v.connections().map((c) => connectionInfo(c, false)), secure_connections: [] }),
  ),
  hash: served([], () => data({ digests: [] })),
  dirs: served([], (v) => {
    const { dataDirSize, dataLogSize } = v.dirSizes();
    return data({ datadir_size: dataDirSize, logdir_size: dataLogSize });
  }),
  dump: served([], (v) => {
    const sessions = sortedSessions(v);
    return data({
      expiry_time_to_session_ids: new Map(expiryBuckets(sessions).map(([at, ids]) => [String(at), ids])),
      session_id_to_ephemeral_paths: new Map(ephemeralsBySession(sessions).map(([id, paths]) => [String(id), paths])),
    });
  }),
  environment: anytime(['env', 'envi'], (v) => new Map(environment(fullVersion(v.version)))),
  get_trace_mask: anytime(['gtmk'], (v) => data({ tracemask: traceMask(v) })),
  set_trace_mask: anytime(['stmk'], setTraceMaskCommand),
  initial_configuration: served(['icfg'], (v) => data({ initial_configuration: v.config.initialConfig })),
  is_read_only: served(['isro'], (v) => data({ read_only: v.isReadOnly() })),
  last_snapshot: served(['lsnp'], (v) => {
    const snap = v.lastSnapshot?.();
    return data({ zxid: hexLong(snap?.zxid ?? -1), timestamp: snap?.timestamp ?? -1 });
  }),
  leader: served(['lead'], leader),
  monitor: anytime(['mntr'], (v) => new Map(monitorValues(v))),
  ruok: served([], () => new Map()),
  server_stats: served(['srvr'], (v) => serverStats(v)),
  stats: served(['stat'], (v) => {
    const out = serverStats(v);
    out.set('connections', v.connections().map((c) => connectionInfo(c, true)));
    out.set('secure_connections', []);
    return out;
  }),
  stat_reset: served(['srst'], (v) => {
    v.stats.reset();
    return new Map();
  }),
  voting_view: served([], votingView),
  watches: served(['wchc'], (v) =>
    data({ session_id_to_watched_paths: new Map(watchesBySession(v).map(([id, paths]) => [String(id), paths])) }),
  ),
  watches_by_path: served(['wchp'], (v) => data({ path_to_session_ids: new Map(watchesByPath(v)) })),
  watch_summary: served(['wchs'], (v) => {
    const s = watchSummary(v);
    return data({ num_connections: s.connections, num_paths: s.paths, num_total_watches: s.watches });
  }),
  zabstate: anytime([], zabState),
} satisfies Record<string, AdminCommand>;

/** A registry holding ZooKeeper's commands. */
export function zooKeeperCommands(): CommandRegistry {
  const r = new CommandRegistry();
  const table: CoveringEveryWord<typeof ZOOKEEPER_COMMANDS> = ZOOKEEPER_COMMANDS;
  r.registerTable(table);
  return r;
}

function data(entries: Record<string, JsonValue>): CommandData {
  return new Map(Object.entries(entries));
}

function configuration(v: MemberView): CommandData {
  const c = v.config;
  return data({
    client_port: c.clientPort,
    data_dir: `${c.dataDir}/version-2`,
    data_log_dir: `${c.dataLogDir}/version-2`,
    tick_time: c.tickTime,
    max_client_cnxns: c.maxClientCnxns,
    min_session_timeout: c.minSessionTimeout,
    max_session_timeout: c.maxSessionTimeout,
    server_id: c.serverId,
    client_port_listen_backlog: c.clientPortListenBacklog,
  });
}

/** ServerCnxn.getConnectionInfo: `brief` (stat) keeps the counters only. */
function connectionInfo(c: ConnectionInfo, brief: boolean): CommandData {
  const info = data({
    remote_socket_address: clientAddress(c),
    interest_ops: INTEREST_OPS,
    outstanding_requests: c.queued,
    packets_received: c.received,
    packets_sent: c.sent,
  });
  if (brief || c.sessionId === undefined || c.sessionId === 0n) return info;
  const full: Record<string, JsonValue> = {
    session_id: c.sessionId,
    last_operation: c.lastOperation,
    established: c.established,
    session_timeout: c.sessionTimeout,
    last_cxid: c.lastCxid,
    last_zxid: c.lastZxid,
    last_response_time: c.lastResponseTime,
    last_latency: c.lastLatency,
    min_latency: c.minLatency,
    avg_latency: Math.floor(c.avgLatency),
    max_latency: c.maxLatency,
  };
  for (const [k, val] of Object.entries(full)) info.set(k, val);
  return info;
}

function serverStats(v: MemberView): CommandData {
  const s = v.stats;
  const dirs = v.dirSizes();
  return data({
    version: fullVersion(v.version),
    read_only: v.isReadOnly(),
    server_stats: data({
      packets_sent: s.packetsSent,
      packets_received: s.packetsReceived,
      fsync_threshold_exceed_count: v.fsyncStats().thresholdExceeded,
      data_dir_size: dirs.dataDirSize,
      log_dir_size: dirs.dataLogSize,
      provider_null: false,
      server_state: v.mode(),
      last_processed_zxid: v.lastZxid(),
      outstanding_requests: s.outstandingRequests,
      avg_latency: new Real(roundAverage(s.avgLatency)),
      max_latency: s.maxLatency,
      min_latency: s.minLatency,
      num_alive_client_connections: v.connections().length,
      uptime: Math.max(0, Date.now() - v.startTime),
    }),
    node_count: v.nodeCount(),
  });
}

function setTraceMaskCommand(v: MemberView, args: CommandArgs): CommandData {
  const text = args.get('traceMask');
  if (text === undefined) return data({ error: 'setTraceMask requires long traceMask argument' });
  // Long.parseLong: optional sign, decimal digits, within 64 bits.
  const mask = /^[+-]?\d+$/.test(text) ? BigInt(text) : undefined;
  if (mask === undefined || mask !== BigInt.asIntN(64, mask)) {
    return data({ error: `setTraceMask requires long traceMask argument, got ${text}` });
  }
  setTraceMask(v, mask);
  return data({ tracemask: mask });
}

const address = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;
const ownServer = (v: MemberView, servers: readonly ServerSpec[]) => servers.find((s) => s.id === v.config.serverId);

function leader(v: MemberView): CommandData {
  const q = v.quorum?.();
  if (!q) return data({ error: 'server is not initialized' });
  return data({
    is_leader: v.mode() === 'leader',
    leader_id: q.leaderId,
    leader_ip: q.servers.find((s) => s.id === q.leaderId)?.host ?? '',
  });
}

/** The voting members (observers excluded, as ZooKeeper's voting view), keyed by server id. */
function votingView(v: MemberView): CommandData {
  const q = v.quorum?.();
  const voters = (q?.servers ?? []).filter(isVoter).sort((a, b) => a.id - b.id);
  return data({
    current_config: new Map(
      voters.map((s): [string, JsonValue] => [
        String(s.id),
        data({
          server_addresses: [address(s.host, s.quorumPort)],
          election_addresses: [address(s.host, s.electionPort)],
          client_address: s.clientPort === undefined ? '' : address(s.clientHost ?? '0.0.0.0', s.clientPort),
          learner_type: 'participant',
        }),
      ]),
    ),
  });
}

function zabState(v: MemberView): CommandData {
  const q = v.quorum?.();
  if (!q) return data({ voting: false, zabstate: '' });
  const self = ownServer(v, q.servers);
  const zxid = BigInt(v.lastZxid());
  return data({
    myid: v.config.serverId,
    is_leader: v.mode() === 'leader',
    quorum_address: self ? address(self.host, self.quorumPort) : '',
    election_address: self ? address(self.host, self.electionPort) : '',
    client_address: address(v.config.clientPortAddress, v.config.clientPort),
    voting: self !== undefined && isVoter(self),
    last_zxid: `0x${hexLong(zxid)}`,
    zab_epoch: Number(zxid >> 32n),
    zab_counter: Number(zxid & 0xffffffffn),
    zabstate: q.zabState,
  });
}
