// The reconfig opcode: ZooKeeper's incremental (joining/leaving) and non-incremental (newMembers) forms, turned
// into the membership changes the consensus core takes in one request (several at once go through joint
// consensus there; one request in flight at a time). Applying a committed change is apply's (state/apply.ts).
import { ErrorCode, type ReconfigRequest } from 'corral/protocol';
import { ConfigError } from '../config/errors.js';
import { parseJoiningServers, parseLeavingServers, parseNewMembers } from '../config/reconfig-args.js';
import { MAX_SERVER_ID, type MemberRole as ServerRole, type ServerSpec } from '../config/server-line.js';
import type { MembershipChange } from '../consensus/membership.js';
import type { MemberRole } from '../consensus/types.js';
import type { ChangeInfo } from '../state/committed-entry.js';

export type PlannedChange = MembershipChange & { info: ChangeInfo };
/**
 * `ownLimit` marks a refusal ZooKeeper would not make (Corral's server ids end at 255, it refuses requests that
 * change nothing or name a member twice or one it does not have): told only to clients that may reconfig at all.
 */
export type ReconfigPlan = { changes: PlannedChange[] } | { err: ErrorCode; ownLimit?: true };

const CONSENSUS_ROLE: Record<ServerRole, MemberRole> = { participant: 'voter', neverleader: 'neverLeader', observer: 'observer' };

/**
 * Plans the membership changes `req` asks for against the current servers and config version: one per member
 * that joins, leaves, or changes its server line (address or role). BADARGUMENTS for unparsable lists, a member
 * both joining and leaving, a leaving member that is not in the configuration, a request that changes nothing,
 * or one that leaves no participant.
 */
export function planReconfig(req: ReconfigRequest, servers: ReadonlyMap<number, ServerSpec>, configVersion: number, time: number): ReconfigPlan {
  if (req.curConfigId !== -1 && req.curConfigId !== configVersion) return { err: ErrorCode.BadVersion };
  let joining: ServerSpec[];
  let leaving: number[];
  try {
    if (req.newMembers) {
      const wanted = new Map(parseNewMembers(req.newMembers).map((s) => [s.id, s]));
      joining = [...wanted.values()];
      leaving = [...servers.keys()].filter((id) => !wanted.has(id));
    } else {
      joining = req.joiningServers ? parseJoiningServers(req.joiningServers) : [];
      leaving = req.leavingServers ? parseLeavingServers(req.leavingServers) : [];
    }
  } catch (err) {
    if (err instanceof ConfigError) return { err: ErrorCode.BadArguments };
    throw err;
  }
  const ids = [...joining.map((s) => s.id), ...leaving];
  if (new Set(ids).size !== ids.length || leaving.some((id) => !servers.has(id)) || ids.some((id) => id > MAX_SERVER_ID)) {
    return { err: ErrorCode.BadArguments, ownLimit: true };
  }
  const changes: PlannedChange[] = [
    ...joining.filter((spec) => !sameSpec(servers.get(spec.id), spec)).map((spec) => ({ id: spec.id, role: CONSENSUS_ROLE[spec.role], info: { spec, time } })),
    ...leaving.map((id) => ({ id, role: 'removed' as const, info: { time } })),
  ];
  const participants = new Set([...servers.values()].filter((s) => s.role === 'participant').map((s) => s.id));
  for (const c of changes) {
    if (c.role === 'voter') participants.add(c.id);
    else participants.delete(c.id);
  }
  if (changes.length === 0) return { err: ErrorCode.BadArguments, ownLimit: true };
  if (participants.size === 0) return { err: ErrorCode.BadArguments };
  return { changes };
}

function sameSpec(a: ServerSpec | undefined, b: ServerSpec): boolean {
  return a !== undefined && JSON.stringify({ ...a }) === JSON.stringify({ ...b });
}
