// The JSON of Corral's own AdminServer commands, shared by the member that answers them and the operator that
// reads them (the operator depends on the member only through this shape, never on server internals, so it can
// drive members of another version). Wire keys are snake_case, as ZooKeeper's admin commands write them.

/** Corral's own AdminServer commands (`/commands/<name>`): every member answers each of them. */
export type CorralAdminCommand = 'members' | 'connection_limits' | 'transfer_leadership' | 'recover_quorum';

export type MemberRoleName = 'participant' | 'observer' | 'neverleader';
export type SyncState = 'synced' | 'catchingUp' | 'silent';
export type MembershipChangeSide = 'joining' | 'leaving';

/** One member of the configuration, as `/commands/members` lists it. */
export interface MemberEntryWire {
  id: number;
  host: string;
  client_port: number | null;
  role: MemberRoleName;
  never_leader: boolean;
  is_leader: boolean;
  /** Entries behind the leader's commit index; null where unknown (asked on a non-leader). */
  lag: number | null;
  connected: boolean;
  /** The leader's replication state towards the member; null elsewhere and for the leader itself. */
  sync: SyncState | null;
  change: MembershipChangeSide | null;
}

/** What the answering member says of itself. */
export interface MemberSelfWire {
  id: number;
  /** As mntr's zk_server_state: leader, follower, observer, standalone, read-only; `looking` while no leader. */
  server_state: string;
  /** Hex, `0x...`. */
  last_zxid: string;
  /** What `/ready` answers: serving clients and caught up with the leader. */
  ready: boolean;
  connection_limits: ConnectionLimitsWire;
}

export interface ConnectionLimitsWire {
  /** maxClientCnxns: connections from one client address (0 = unlimited). */
  per_client_address: number;
  /** maxCnxns: connections in all (0 = unlimited). */
  total: number;
}

export interface MembersReply {
  members: MemberEntryWire[];
  self: MemberSelfWire;
}

const ROLES: readonly string[] = ['participant', 'observer', 'neverleader'];
const SYNCS: readonly string[] = ['synced', 'catchingUp', 'silent'];
const CHANGES: readonly string[] = ['joining', 'leaving'];

class ShapeError extends Error {}

function field<T>(obj: Record<string, unknown>, key: string, ok: (v: unknown) => boolean, what: string): T {
  const v = obj[key];
  if (!ok(v)) throw new ShapeError(`members reply: ${key} is not ${what}: ${JSON.stringify(v)}`);
  return v as T;
}

const isInt = (v: unknown) => Number.isInteger(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const oneOf = (values: readonly string[], nullable = false) => (v: unknown) => (nullable && v === null) || (typeof v === 'string' && values.includes(v));

function memberEntry(raw: unknown): MemberEntryWire {
  if (!isObject(raw)) throw new ShapeError('members reply: a member entry is not an object');
  return {
    id: field(raw, 'id', isInt, 'an integer'),
    host: field(raw, 'host', (v) => typeof v === 'string', 'a string'),
    client_port: field(raw, 'client_port', (v) => v === null || isInt(v), 'a port or null'),
    role: field(raw, 'role', oneOf(ROLES), ROLES.join('|')),
    never_leader: field(raw, 'never_leader', (v) => typeof v === 'boolean', 'a boolean'),
    is_leader: field(raw, 'is_leader', (v) => typeof v === 'boolean', 'a boolean'),
    lag: field(raw, 'lag', (v) => v === null || isInt(v), 'an integer or null'),
    connected: field(raw, 'connected', (v) => typeof v === 'boolean', 'a boolean'),
    sync: field(raw, 'sync', oneOf(SYNCS, true), `${SYNCS.join('|')} or null`),
    change: field(raw, 'change', oneOf(CHANGES, true), `${CHANGES.join('|')} or null`),
  };
}

/** Checks and narrows a `/commands/members` answer; throws an Error naming the first field that is off. */
export function parseMembersReply(raw: unknown): MembersReply {
  if (!isObject(raw)) throw new ShapeError('members reply is not a JSON object');
  if (typeof raw.error === 'string') throw new ShapeError(`members reply: ${raw.error}`);
  const members = field<unknown[]>(raw, 'members', Array.isArray, 'a list').map(memberEntry);
  const self = field<Record<string, unknown>>(raw, 'self', isObject, 'an object');
  const limits = field<Record<string, unknown>>(self, 'connection_limits', isObject, 'an object');
  return {
    members,
    self: {
      id: field(self, 'id', isInt, 'an integer'),
      server_state: field(self, 'server_state', (v) => typeof v === 'string', 'a string'),
      last_zxid: field(self, 'last_zxid', (v) => typeof v === 'string' && /^0x[0-9a-f]+$/i.test(v), 'a hex zxid'),
      ready: field(self, 'ready', (v) => typeof v === 'boolean', 'a boolean'),
      connection_limits: {
        per_client_address: field(limits, 'per_client_address', isInt, 'an integer'),
        total: field(limits, 'total', isInt, 'an integer'),
      },
    },
  };
}
