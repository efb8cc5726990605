// zoo.cfg (plus dataDir/myid and the dynamicConfigFile) -> a fully defaulted MemberConfig, following ZooKeeper
// 3.9's QuorumPeerConfig: same keys, same defaults, same validation, with Corral's deviations noted where made.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { FOUR_LETTER_WORD_NAMES } from 'corral/protocol';
import { collectServers, isDynamicKey, parseDynamicConfig, versionFromFilename, type DynamicConfig } from './dynamic-config.js';
import { ConfigError, type ConfigWarning } from './errors.js';
import { KeyReader } from './key-reader.js';
import { ignoredReason } from './keys.js';
import { readMyId } from './myid.js';
import { parseProperties } from './properties.js';
import { isMemberRole, isVoter, type MemberRole, type ServerSpec } from './server-line.js';

export interface AdminServerConfig {
  enableServer: boolean;
  serverAddress: string;
  serverPort: number;
  idleTimeout: number;
  commandURL: string;
}

export interface MetricsConfig {
  /** Serve the separate Prometheus endpoint: only when zoo.cfg configures a metrics provider, as in ZooKeeper. */
  enabled: boolean;
  /** Where Prometheus `/metrics` is served (Corral serves it whatever metricsProvider.className says). */
  httpHost: string;
  httpPort: number;
}

export interface MemberConfig {
  /** The configuration file's text as read (ZooKeeper's `icfg`). */
  initialConfig: string;
  /** Absolute paths. */
  dataDir: string;
  dataLogDir: string;
  tickTime: number;
  /** In ticks; 0 when standalone and unset. */
  initLimit: number;
  syncLimit: number;
  /** In ticks; 0 means "use initLimit". */
  connectToLearnerMasterLimit: number;
  /**
   * The client port this member listens on: its own server line's client part if any, else clientPort. The own
   * line is zoo.cfg's until the member starts, then the one in the configuration its data dir holds (ownIdentity).
   */
  clientPort: number;
  clientPortAddress: string;
  /**
   * What decides where this member listens, with its own server line: zoo.cfg's clientPort and clientPortAddress
   * keys as written (port 0: not set), which the line must agree with, and ParseOptions.bindAddress.
   */
  listenSettings: { clientPort: number; clientPortAddress: string | undefined; bindAddress: string | undefined };
  /** -1 = the operating system's default backlog. */
  clientPortListenBacklog: number;
  /** Per client IP; 0 = unlimited. Changed live by the connection_limits admin command. */
  maxClientCnxns: number;
  /** In total; 0 = unlimited. Changed live by the connection_limits admin command. */
  maxCnxns: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  snapCount: number;
  snapRetainCount: number;
  /** Hours between purges; 0 = never. */
  purgeInterval: number;
  /** True when this member runs alone: no server lines, or a single voter while standaloneEnabled. */
  standalone: boolean;
  /** This member's id from dataDir/myid; 0 when standalone (what ZooKeeper reports there). */
  serverId: number;
  /** This member's role from its own server line (see clientPort); participant when standalone. */
  role: MemberRole;
  /**
   * The server lines (from zoo.cfg or dynamicConfigFile) by id; informational when standalone. They seed an empty
   * data dir: a member whose data dir holds a configuration follows that one (member.ts).
   */
  servers: ServerSpec[];
  /** The `version=` of the membership, 0 when none is given. */
  configVersion: number;
  standaloneEnabled: boolean;
  reconfigEnabled: boolean;
  dynamicConfigFile: string | undefined;
  quorumListenOnAllIPs: boolean;
  /**
   * Where this member listens for peers: its own server line's host (see clientPort), or with quorumListenOnAllIPs
   * every address (or the bind address); undefined when standalone.
   */
  quorumListenAddress: string | undefined;
  /** Whether observers persist transactions (ZooKeeper's syncEnabled). */
  syncEnabled: boolean;
  localSessionsEnabled: boolean;
  localSessionsUpgradingEnabled: boolean;
  forceSync: boolean;
  globalOutstandingLimit: number;
  /** Enabled four-letter words (srvr always; isro too when read-only mode is enabled). */
  fourLetterWords: ReadonlySet<string>;
  admin: AdminServerConfig;
  metrics: MetricsConfig;
  /** `user:base64(sha1(user:password))` granting superuser rights, if configured. */
  superDigest: string | undefined;
  enforceQuota: boolean;
  extendedTypesEnabled: boolean;
  emulate353TTLNodes: boolean;
  readOnlyModeEnabled: boolean;
  /** Largest request/response payload accepted, in bytes. */
  juteMaxBuffer: number;
  skipACL: boolean;
}

export interface LoadedConfig {
  config: MemberConfig;
  /** Problems that do not stop the member, for the caller to log. */
  warnings: ConfigWarning[];
}

export interface ParseOptions {
  /** Relative paths (dataDir, dataLogDir, dynamicConfigFile) resolve against this; default the working directory, as in ZooKeeper. */
  baseDir?: string;
  /**
   * Listeners configured for every address (0.0.0.0 or ::, and the quorum port with quorumListenOnAllIPs) bind to
   * this address instead: a container's pod IP, so several members can share one network namespace, each on its
   * own address, while all of them read the same zoo.cfg.
   */
  bindAddress?: string;
  /** This member's id when dataDir/myid does not exist (a container's first start); myid wins when present. */
  defaultServerId?: number;
}

/** Addresses that mean "listen on every address". */
const WILDCARDS = new Set(['0.0.0.0', '::']);
/** ZooKeeperServer.DEFAULT_TICK_TIME; ZooKeeper's sample zoo.cfg sets 2000 explicitly. */
const DEFAULT_TICK_TIME = 3000;
const MIN_SNAP_RETAIN_COUNT = 3;
const MIN_SNAP_COUNT = 2;
/** With TTL and container nodes enabled, id 255 would collide with their ephemeral-owner encoding. */
const MAX_SERVER_ID_WITH_EXTENDED_TYPES = 254;

/** Reads and parses a zoo.cfg. */
export function loadConfig(path: string, options: ParseOptions = {}): LoadedConfig {
  return parseConfig(readConfigText(path), options);
}

/** A zoo.cfg's text, read as UTF-8 (ZooKeeper reads ISO-8859-1; the same for ASCII files). */
export function readConfigText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read configuration file ${path}: ${(err as Error).message}`);
  }
}

export function parseConfig(text: string, options: ParseOptions = {}): LoadedConfig {
  const baseDir = options.baseDir ?? process.cwd();
  const bound = (address: string): string => bind(address, options.bindAddress);
  const warnings: ConfigWarning[] = [];
  const warn = (key: string, message: string) => warnings.push({ key, message });
  const r = new KeyReader(parseProperties(text), warnings);

  const readPath = (key: string): string | undefined => {
    const v = r.string(key);
    if (v === undefined) return undefined;
    if (v === '') throw new ConfigError(`${key}: the path is empty`, key);
    if (!isAbsolute(v)) warn(key, `${key} '${v}' is a relative path; resolved against ${baseDir}`);
    return resolve(baseDir, v);
  };

  const dataDir = readPath('dataDir');
  if (dataDir === undefined) throw new ConfigError('dataDir is not set', 'dataDir');
  const dataLogDir = readPath('dataLogDir') ?? dataDir;

  const tickTime = r.int('tickTime', DEFAULT_TICK_TIME, { min: 1 });
  // -1, ZooKeeper's "unset", also selects the default.
  const minSet = r.int('minSessionTimeout', -1, { min: -1 });
  const maxSet = r.int('maxSessionTimeout', -1, { min: -1 });
  const minSessionTimeout = minSet === -1 ? 2 * tickTime : minSet;
  const maxSessionTimeout = maxSet === -1 ? 20 * tickTime : maxSet;
  if (minSessionTimeout > maxSessionTimeout) {
    throw new ConfigError(
      `minSessionTimeout (${minSessionTimeout}) must not be larger than maxSessionTimeout (${maxSessionTimeout})`,
      minSet === -1 ? 'maxSessionTimeout' : 'minSessionTimeout',
    );
  }

  const electionAlg = r.string('electionAlg');
  if (electionAlg !== undefined && electionAlg !== '3') {
    throw new ConfigError(`electionAlg: invalid value '${electionAlg}' (only 3 is supported)`, 'electionAlg');
  }

  let snapCount = r.decodedInt('snapCount', 100_000);
  if (snapCount < MIN_SNAP_COUNT) {
    warn('snapCount', `snapCount ${snapCount} is below ${MIN_SNAP_COUNT}; using ${MIN_SNAP_COUNT}`);
    snapCount = MIN_SNAP_COUNT;
  }
  let snapRetainCount = r.int('autopurge.snapRetainCount', MIN_SNAP_RETAIN_COUNT);
  if (snapRetainCount < MIN_SNAP_RETAIN_COUNT) {
    warn('autopurge.snapRetainCount', `autopurge.snapRetainCount ${snapRetainCount} is below ${MIN_SNAP_RETAIN_COUNT}; using ${MIN_SNAP_RETAIN_COUNT}`);
    snapRetainCount = MIN_SNAP_RETAIN_COUNT;
  }

  const readOnlyModeEnabled = r.bool('readonlymode.enabled', false);
  const extendedTypesEnabled = r.bool('extendedTypesEnabled', false);
  const standaloneEnabled = r.bool('standaloneEnabled', true);
  const staticClientPort = r.port('clientPort', 0);
  const staticClientAddress = r.string('clientPortAddress');
  if (staticClientAddress !== undefined && staticClientPort === 0) {
    throw new ConfigError(`clientPortAddress is set ('${staticClientAddress}') but clientPort is not set`, 'clientPortAddress');
  }

  const dynamicConfigFile = readPath('dynamicConfigFile');
  const membership = dynamicConfigFile === undefined ? staticMembership(r) : dynamicMembership(r, dynamicConfigFile);
  const { servers } = membership;
  const standalone = checkMembership(servers, standaloneEnabled, warn);

  const common = {
    initialConfig: text,
    dataDir,
    dataLogDir,
    tickTime,
    initLimit: r.int('initLimit', 0, { min: 0 }),
    syncLimit: r.int('syncLimit', 0, { min: 0 }),
    connectToLearnerMasterLimit: r.int('connectToLearnerMasterLimit', 0, { min: 0 }),
    clientPortListenBacklog: r.int('clientPortListenBacklog', -1, { min: -1 }),
    maxClientCnxns: r.int('maxClientCnxns', 60, { min: 0 }),
    maxCnxns: r.decodedInt('maxCnxns', 0, { min: 0 }),
    listenSettings: { clientPort: staticClientPort, clientPortAddress: staticClientAddress, bindAddress: options.bindAddress },
    minSessionTimeout,
    maxSessionTimeout,
    snapCount,
    snapRetainCount,
    // ZooKeeper treats any value <= 0 as "no purging".
    purgeInterval: Math.max(0, r.int('autopurge.purgeInterval', 0)),
    servers,
    configVersion: membership.version ?? 0,
    standaloneEnabled,
    reconfigEnabled: r.bool('reconfigEnabled', false),
    dynamicConfigFile,
    quorumListenOnAllIPs: r.bool('quorumListenOnAllIPs', false),
    syncEnabled: r.bool('syncEnabled', true),
    localSessionsEnabled: r.bool('localSessionsEnabled', false),
    localSessionsUpgradingEnabled: r.bool('localSessionsUpgradingEnabled', false),
    forceSync: r.yesNo('forceSync', true),
    globalOutstandingLimit: r.decodedInt('globalOutstandingLimit', 1000, { min: 1 }),
    fourLetterWords: fourLetterWords(r.string('4lw.commands.whitelist'), readOnlyModeEnabled, warn),
    admin: {
      enableServer: r.bool('admin.enableServer', true),
      serverAddress: bound(r.string('admin.serverAddress') ?? '0.0.0.0'),
      serverPort: r.decodedInt('admin.serverPort', 8080, { min: 0, max: 65535 }),
      idleTimeout: r.decodedInt('admin.idleTimeout', 30_000, { min: 1 }),
      commandURL: r.string('admin.commandURL') ?? '/commands',
    },
    metrics: {
      enabled: r.string('metricsProvider.className') !== undefined || r.string('metricsProvider.httpPort') !== undefined,
      httpHost: bound(r.string('metricsProvider.httpHost') ?? '0.0.0.0'),
      httpPort: r.port('metricsProvider.httpPort', 7000),
    },
    superDigest: superDigest(r.string('DigestAuthenticationProvider.superDigest')),
    enforceQuota: r.bool('enforceQuota', false),
    extendedTypesEnabled,
    emulate353TTLNodes: r.bool('emulate353TTLNodes', false),
    readOnlyModeEnabled,
    juteMaxBuffer: r.decodedInt('jute.maxbuffer', 0xfffff, { min: 1 }),
    skipACL: r.yesNo('skipACL', false),
  };

  const peerType = r.string('peerType')?.toLowerCase();
  if (peerType !== undefined && !isMemberRole(peerType)) {
    throw new ConfigError(`peerType: invalid value '${peerType}' (expected participant, observer or neverleader)`, 'peerType');
  }

  let identity: Pick<MemberConfig, 'standalone' | 'serverId'> & OwnIdentity;
  if (standalone) {
    const only = servers.length === 1 ? servers[0] : undefined;
    const clientPort = staticClientPort || only?.clientPort || 0;
    if (clientPort === 0) throw new ConfigError('clientPort is not set', 'clientPort');
    const clientPortAddress = staticClientPort ? (staticClientAddress ?? '0.0.0.0') : (only?.clientHost ?? '0.0.0.0');
    identity = { standalone, serverId: 0, role: 'participant', clientPort, clientPortAddress: bound(clientPortAddress), quorumListenAddress: undefined };
  } else {
    if (common.initLimit === 0) throw new ConfigError('initLimit is not set', 'initLimit');
    if (common.syncLimit === 0) throw new ConfigError('syncLimit is not set', 'syncLimit');
    const { id: serverId, source, fromFile } = ownId(dataDir, servers, extendedTypesEnabled, options.defaultServerId);
    const self = servers.find((s) => s.id === serverId);
    // Without myid the member never started: no data dir configuration can hold its line.
    if (self === undefined && !fromFile) throw new ConfigError(missingLine(source, serverId, servers), 'myid');
    if (self === undefined) {
      // A member added by reconfig restarted with an older file: its data dir knows its line (checked at start).
      warn('myid', `${missingLine(source, serverId, servers)}; this member takes its own line from the configuration its data dir holds`);
      const clientPortAddress = bound(staticClientAddress ?? '0.0.0.0');
      identity = { standalone, serverId, role: 'participant', clientPort: staticClientPort, clientPortAddress, quorumListenAddress: undefined };
    } else {
      if (peerType !== undefined && peerType !== self.role) {
        warn('peerType', `peerType ${peerType} does not match server.${self.id}'s role ${self.role}; using ${self.role}`);
      }
      identity = { standalone, serverId, ...ownIdentity(common, self) };
    }
  }

  const metricsClass = r.string('metricsProvider.className');
  if (metricsClass !== undefined && !metricsClass.endsWith('.PrometheusMetricsProvider')) {
    warn('metricsProvider.className', `metricsProvider.className ${metricsClass} is a Java class Corral cannot load; Prometheus metrics are served on metricsProvider.httpPort`);
  }
  for (const key of r.unread()) {
    const reason = ignoredReason(key);
    warn(key, reason === undefined ? `unknown key ${key} ignored` : `${key} ignored: ${reason}`);
  }
  return { config: { ...common, ...identity }, warnings };
}

/** Server lines written in zoo.cfg itself (ZooKeeper's backward-compatible layout). */
function staticMembership(r: KeyReader): DynamicConfig {
  const keys = r.keys().filter((k) => isDynamicKey(k) || k === 'version');
  return collectServers(keys.map((key) => ({ key, value: r.string(key)! })));
}

function dynamicMembership(r: KeyReader, file: string): DynamicConfig {
  const misplaced = r.keys().find(isDynamicKey);
  if (misplaced !== undefined) {
    throw new ConfigError(`${misplaced} must be in the dynamic config file (${file}), not beside dynamicConfigFile`, misplaced);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`dynamicConfigFile: cannot read ${file}: ${(err as Error).message}`, 'dynamicConfigFile');
  }
  const parsed = parseDynamicConfig(text, file);
  // ZooKeeper keeps the version in the file name (zoo.cfg.dynamic.<hex>); Corral also accepts a version= line.
  const fromName = versionFromFilename(file);
  if (parsed.version !== undefined && fromName !== undefined && parsed.version !== fromName) {
    throw new ConfigError(
      `dynamicConfigFile: ${file} says version=${parsed.version.toString(16)} but its name says ${fromName.toString(16)}`,
      'dynamicConfigFile',
    );
  }
  return { servers: parsed.servers, version: parsed.version ?? fromName };
}

/** ZooKeeper's checks on the server list; returns whether the member runs standalone. */
function checkMembership(
  servers: readonly ServerSpec[],
  standaloneEnabled: boolean,
  warn: (key: string, message: string) => void,
): boolean {
  const voters = servers.filter(isVoter);
  const observer = servers.find((s) => !isVoter(s));
  if (voters.length === 0) {
    if (!standaloneEnabled) {
      throw new ConfigError('standaloneEnabled is false, so at least one participant server.N line is required', 'standaloneEnabled');
    }
    if (observer) throw new ConfigError(`server.${observer.id}: observers without participants is an invalid configuration`, `server.${observer.id}`);
    return true;
  }
  if (voters.length === 1 && standaloneEnabled) {
    if (observer) {
      throw new ConfigError(
        `server.${observer.id}: observers need a quorum, but there is one participant and standaloneEnabled is true`,
        `server.${observer.id}`,
      );
    }
    warn(`server.${voters[0]!.id}`, 'only one server is listed and standaloneEnabled is true; running standalone');
    return true;
  }
  if (voters.every((s) => s.role === 'neverleader')) {
    throw new ConfigError('every voting server is neverleader, so no member could ever lead', `server.${voters[0]!.id}`);
  }
  if (voters.length <= 2) {
    warn('server', `${voters.length} voting server(s): no server failure will be tolerated; at least 3 are needed`);
  } else if (voters.length % 2 === 0) {
    warn('server', `${voters.length} voting servers: an even count tolerates no more failures than one fewer; consider an odd number`);
  }
  return false;
}

/** This member's id: dataDir/myid's, or else the default id given, with where it came from for messages. */
function ownId(
  dataDir: string,
  servers: readonly ServerSpec[],
  extendedTypesEnabled: boolean,
  defaultId: number | undefined,
): { id: number; source: string; fromFile: boolean } {
  const path = join(dataDir, 'myid');
  const fromFile = readMyId(dataDir);
  const id = fromFile ?? defaultId;
  if (id === undefined) {
    const ids = servers.map((s) => s.id).join(', ');
    throw new ConfigError(`myid: ${path} is missing; it must hold this member's id, one of the server ids (${ids})`, 'myid');
  }
  if (extendedTypesEnabled && id > MAX_SERVER_ID_WITH_EXTENDED_TYPES) {
    throw new ConfigError(`myid: server id ${id} must be at most ${MAX_SERVER_ID_WITH_EXTENDED_TYPES} when extendedTypesEnabled is true`, 'myid');
  }
  if (fromFile === undefined) return { id, source: `${path} is missing and the server id given instead is ${id}`, fromFile: false };
  return { id, source: `${path} holds ${id}`, fromFile: true };
}

const missingLine = (source: string, id: number, servers: readonly ServerSpec[]) =>
  `myid: ${source}, but there is no server.${id} line (server ids: ${servers.map((s) => s.id).join(', ')})`;

/** Listeners configured for every address bind to `bindAddress` instead, when one is given. */
const bind = (address: string, bindAddress: string | undefined): string => (bindAddress !== undefined && WILDCARDS.has(address) ? bindAddress : address);

export type OwnIdentity = Pick<MemberConfig, 'role' | 'clientPort' | 'clientPortAddress' | 'quorumListenAddress'>;

/** This member's role and where it listens, from its own server line (zoo.cfg's, or the data dir's configuration's). */
export function ownIdentity(config: Pick<MemberConfig, 'listenSettings' | 'quorumListenOnAllIPs'>, self: ServerSpec): OwnIdentity {
  const { clientPort, clientPortAddress, bindAddress } = config.listenSettings;
  const client = clientAddress(self, clientPort, clientPortAddress);
  return {
    role: self.role,
    clientPort: client.clientPort,
    clientPortAddress: bind(client.clientPortAddress, bindAddress),
    quorumListenAddress: config.quorumListenOnAllIPs ? bind('0.0.0.0', bindAddress) : self.host,
  };
}

/**
 * A member with no server line of its own, neither in zoo.cfg nor in the configuration its data dir holds
 * (`recovered`, undefined when it holds none): it cannot know whom to join, nor where to listen.
 */
export function noOwnServerLine(config: Pick<MemberConfig, 'dataDir' | 'serverId' | 'servers'>, recovered: readonly ServerSpec[] | undefined): ConfigError {
  const where = recovered
    ? `nor has the configuration in the data dir (server ids: ${recovered.map((s) => s.id).join(', ')})`
    : 'and the data dir holds no configuration: a member joining an ensemble needs its own line in zoo.cfg';
  const source = `${join(config.dataDir, 'myid')} holds ${config.serverId}`;
  return new ConfigError(`${missingLine(source, config.serverId, config.servers)}, ${where}`, 'myid');
}

/** The member's client address: its server line's client part wins, but must agree with clientPort/clientPortAddress if both are given. */
function clientAddress(
  self: ServerSpec,
  staticPort: number,
  staticAddress: string | undefined,
): { clientPort: number; clientPortAddress: string } {
  if (self.clientPort === undefined) {
    if (staticPort === 0) {
      throw new ConfigError(`clientPort is not set, and server.${self.id} has no client port either`, 'clientPort');
    }
    return { clientPort: staticPort, clientPortAddress: staticAddress ?? '0.0.0.0' };
  }
  const fromLine = { clientPort: self.clientPort, clientPortAddress: self.clientHost ?? '0.0.0.0' };
  if (staticPort === 0) return fromLine;
  const wildcard = staticAddress === undefined || staticAddress === '0.0.0.0' || staticAddress === '::';
  if (staticPort !== fromLine.clientPort || (!wildcard && staticAddress !== fromLine.clientPortAddress)) {
    throw new ConfigError(
      `clientPort: ${staticAddress ?? '0.0.0.0'}:${staticPort} differs from server.${self.id}'s client address ${fromLine.clientPortAddress}:${fromLine.clientPort}`,
      'clientPort',
    );
  }
  return fromLine;
}

function fourLetterWords(list: string | undefined, readOnly: boolean, warn: (key: string, message: string) => void): Set<string> {
  const enabled = new Set<string>();
  for (const item of list?.split(',') ?? []) {
    const word = item.trim();
    if (word === '*') {
      FOUR_LETTER_WORD_NAMES.forEach((w) => enabled.add(w));
      break;
    }
    if (word === '') continue;
    if (!(FOUR_LETTER_WORD_NAMES as readonly string[]).includes(word)) warn('4lw.commands.whitelist', `4lw.commands.whitelist: unknown command '${word}'`);
    enabled.add(word);
  }
  // As in ZooKeeper: zkServer.sh needs srvr, and read-only clients probe with isro.
  enabled.add('srvr');
  if (readOnly) enabled.add('isro');
  return enabled;
}

/** Whether `value` has the shape of DigestAuthenticationProvider.superDigest: `user:base64-sha1-digest`. */
export const isSuperDigest = (value: string): boolean => /^[^:]+:.+$/.test(value);

function superDigest(value: string | undefined): string | undefined {
  if (value !== undefined && !isSuperDigest(value)) {
    throw new ConfigError(
      `DigestAuthenticationProvider.superDigest: invalid value '${value}' (expected user:base64-sha1-digest)`,
      'DigestAuthenticationProvider.superDigest',
    );
  }
  return value;
}
