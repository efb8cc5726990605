// The `server.N=...` grammar of zoo.cfg, dynamic config files, /zookeeper/config and the reconfig opcode:
//
//   server.N=host:quorumPort:electionPort[:role][;[clientHost:]clientPort]
//
// with role `participant` (the default) or `observer`, as in ZooKeeper's QuorumPeer.QuorumServer, plus Corral's
// extension `neverleader`: a voter that counts toward quorums but never becomes leader, meant for a remote
// datacenter's tie-breaker member (e.g. `server.3=dc3-host:2888:3888:neverleader;2181`). IPv6 hosts are written in
// brackets (`[::1]:2888:3888`). ZooKeeper's multi-address form (`a:1:2|b:1:2`) is not supported.
import { ConfigError } from './errors.js';
import { parseIntValue } from './values.js';

export type MemberRole = 'participant' | 'observer' | 'neverleader';

export interface ServerSpec {
  id: number;
  /** Host name or address as written; IPv6 literals without their brackets. */
  host: string;
  quorumPort: number;
  electionPort: number;
  role: MemberRole;
  /** Present only when the line has a client part; `0.0.0.0` when that part is a bare port, as in ZooKeeper. */
  clientHost?: string;
  clientPort?: number;
}

/** ZooKeeper documents ids 1..255: the id is the top byte of session ids (and 255 is reserved with TTL nodes). */
export const MAX_SERVER_ID = 255;

export const SERVER_LINE_GRAMMAR =
  'host:quorumPort:electionPort[:participant|observer|neverleader][;[clientHost:]clientPort]' +
  ' (neverleader is Corral\'s role for a voter that must never lead)';

export function isMemberRole(s: string): s is MemberRole {
  return s === 'participant' || s === 'observer' || s === 'neverleader';
}

export function parseServerId(key: string, text: string): number {
  return parseIntValue(key, text, { min: 1, max: MAX_SERVER_ID });
}

/** Parses the id of a `server.N` key. */
export function serverIdOfKey(key: string): number {
  return parseServerId(key, key.slice('server.'.length));
}

/** Parses the value of `server.<id>=<value>`. */
export function parseServerSpec(id: number, value: string): ServerSpec {
  const key = `server.${id}`;
  const malformed = (why: string) =>
    new ConfigError(`${key}: invalid value '${value}': ${why}; expected ${SERVER_LINE_GRAMMAR}`, key);

  const halves = value.split(';');
  if (halves.length > 2) throw malformed("more than one ';'");
  const [serverPart, clientPart] = halves as [string, string | undefined];
  if (serverPart.includes('|')) throw malformed("multiple addresses ('|') are not supported");

  const port = (text: string): number => {
    if (/^\d+$/.test(text) && Number(text) <= 65535) return Number(text);
    throw malformed(`'${text}' is not a port number (0-65535)`);
  };

  const parts = splitHostAndPorts(serverPart, malformed);
  if (parts.length < 3 || parts.length > 4) throw malformed('wrong number of fields');
  const [host, quorum, election, roleText] = parts as [string, string, string, string | undefined];
  if (host === '') throw malformed('empty host');
  const quorumPort = port(quorum);
  const electionPort = port(election);
  if (quorumPort === electionPort) throw malformed('quorumPort and electionPort must differ');
  const role = roleText === undefined ? 'participant' : roleText.trim().toLowerCase();
  if (!isMemberRole(role)) throw malformed(`unknown role '${roleText}'`);

  const spec: ServerSpec = { id, host, quorumPort, electionPort, role };
  // Like Java's split, an empty client part after ';' means there is none.
  if (clientPart !== undefined && clientPart !== '') {
    const client = splitHostAndPorts(clientPart, malformed);
    if (client.length > 2) throw malformed('the client part must be clientPort or clientHost:clientPort');
    spec.clientHost = client.length === 2 ? client[0]! : '0.0.0.0';
    if (spec.clientHost === '') throw malformed('empty client host');
    spec.clientPort = port(client[client.length - 1]!);
  }
  return spec;
}

/** Splits `host:p1:p2...`, where host may be a bracketed IPv6 literal (returned without brackets). */
function splitHostAndPorts(s: string, malformed: (why: string) => ConfigError): string[] {
  if (!s.startsWith('[')) return s.split(':');
  const close = s.indexOf(']');
  if (close < 0) throw malformed("'[' without matching ']'");
  if (s[close + 1] !== ':' || close + 2 >= s.length) throw malformed(`no port after '${s.slice(0, close + 1)}'`);
  return [s.slice(1, close), ...s.slice(close + 2).split(':')];
}

const bracketed = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/**
 * `server.N=...` exactly as ZooKeeper's QuorumServer.toString writes it (role always spelled out, client part
 * only when the spec has one). With `hideNeverLeader`, neverleader is written as participant: ZooKeeper's own
 * parsers (Java clients and Curator read /zookeeper/config) reject unknown roles.
 */
export function formatServerLine(spec: ServerSpec, options: { hideNeverLeader?: boolean } = {}): string {
  const role = options.hideNeverLeader && spec.role === 'neverleader' ? 'participant' : spec.role;
  let line = `server.${spec.id}=${bracketed(spec.host)}:${spec.quorumPort}:${spec.electionPort}:${role}`;
  if (spec.clientPort !== undefined) line += `;${bracketed(spec.clientHost ?? '0.0.0.0')}:${spec.clientPort}`;
  return line;
}

/** Voters are participants and neverleaders; observers do not vote. */
export const isVoter = (spec: ServerSpec): boolean => spec.role !== 'observer';
