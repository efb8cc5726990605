// The data behind both renderings of the admin commands (four-letter text and AdminServer JSON), read from a
// MemberView in the order Corral prints it: sessions by id, paths lexicographically.
import type { MemberConfig } from '../config/member-config.js';
import type { ConnectionInfo, MemberView } from './view.js';
import { plainAddress } from './java-format.js';

/** ZooKeeper's answer to every command but a few while it is not serving clients. */
export const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests';

const bySessionId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Which session each watcher (a client connection) belongs to; 0 for a connection without one. */
function sessionOfWatcher(view: MemberView): Map<object, bigint> {
  return new Map(view.connections().map((c) => [c.watcherKey, c.sessionId ?? 0n]));
}

/** wchc: watched paths per session. Corral counts watches of every kind (ZooKeeper's lists data watches only). */
export function watchesBySession(view: MemberView): Array<[bigint, string[]]> {
  const session = sessionOfWatcher(view);
  return [...view.watches.pathsByWatcher()]
    .map(([w, paths]): [bigint, string[]] => [session.get(w) ?? 0n, [...paths].sort(byString)])
    .sort((a, b) => bySessionId(a[0], b[0]));
}

/** wchp: watching sessions per path. */
export function watchesByPath(view: MemberView): Array<[string, bigint[]]> {
  const session = sessionOfWatcher(view);
  return [...view.watches.watchersByPath()]
    .map(([path, ws]): [string, bigint[]] => [path, [...ws].map((w) => session.get(w) ?? 0n).sort(bySessionId)])
    .sort((a, b) => byString(a[0], b[0]));
}

/** wchs: connections with watches, distinct watched paths, and (connection, path) pairs. */
export function watchSummary(view: MemberView): { connections: number; paths: number; watches: number } {
  const perWatcher = [...view.watches.pathsByWatcher().values()];
  return {
    connections: perWatcher.filter((paths) => paths.size > 0).length,
    paths: view.watches.watchersByPath().size,
    watches: perWatcher.reduce((n, paths) => n + paths.size, 0),
  };
}

export interface SessionEntry {
  sessionId: bigint;
  timeout: number;
  ephemerals: string[];
  expiresAt?: number;
}

export function sortedSessions(view: MemberView): SessionEntry[] {
  return [...view.sessions()].sort((a, b) => bySessionId(a.sessionId, b.sessionId));
}

/** Sessions grouped by expiry bucket, earliest first (only sessions whose expiry this member tracks). */
export function expiryBuckets(sessions: readonly SessionEntry[]): Array<[number, bigint[]]> {
  const buckets = new Map<number, bigint[]>();
  for (const s of sessions) {
    if (s.expiresAt === undefined) continue;
    const ids = buckets.get(s.expiresAt);
    if (ids) ids.push(s.sessionId);
    else buckets.set(s.expiresAt, [s.sessionId]);
  }
  return [...buckets].sort((a, b) => a[0] - b[0]);
}

/** Sessions that own ephemeral nodes, with those nodes' paths sorted. */
export function ephemeralsBySession(sessions: readonly SessionEntry[]): Array<[bigint, string[]]> {
  return sessions.filter((s) => s.ephemerals.length > 0).map((s) => [s.sessionId, [...s.ephemerals].sort(byString)]);
}

/** `host:port` of a client as ZooKeeper's JSON prints it; the text form prefixes a slash. */
export function clientAddress(c: ConnectionInfo): string {
  return `${plainAddress(c.remoteAddress)}:${c.remotePort}`;
}

/** Corral has no selector interest set; an established connection always wants to read (OP_READ = 1). */
export const INTEREST_OPS = 1;

/**
 * The configuration in force: an ensemble member's current membership replaces the one it was started with,
 * so conf shows reconfigurations.
 */
export function currentConfig(view: MemberView): MemberConfig {
  const q = view.quorum?.();
  return q ? { ...view.config, servers: q.servers, configVersion: q.configVersion } : view.config;
}
