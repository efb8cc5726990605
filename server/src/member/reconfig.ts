// The reconfig opcode: ZooKeeper's incremental (joining/leaving) and non-incremental (newMembers) forms, turned
// into the single-server membership change the consensus core accepts (one change in flight at a time; a request
// that would change several members at once is refused with BADARGUMENTS — send them one by one).
import { ErrorCode } from '../../../protocol/src/constants.js';
import type { ReconfigRequest } from '../../../protocol/src/records.js';
import { ConfigError } from '../config/errors.js';
import { parseJoiningServers, parseLeavingServers, parseNewMembers } from '../config/reconfig-args.js';
import type { MemberRole as ServerRole, ServerSpec } from '../config/server-line.js';
import type { MembershipChange } from '../consensus/membership.js';
import type { MemberRole } from '../consensus/types.js';

/** What travels with a membership change through the log (MembershipChange.info). */
export interface ChangeInfo {
  /** The member's server line after the change; absent when it leaves. */
  spec?: ServerSpec;
  time: number;
}

export type ReconfigPlan = { change: MembershipChange & { info: ChangeInfo } } | { err: ErrorCode };

const CONSENSUS_ROLE: Record<ServerRole, MemberRole> = { participant: 'voter', neverleader: 'neverLeader', observer: 'observer' };

/** Plans the one membership change `req` asks for against the current servers and config version. */
export function planReconfig(req: ReconfigRequest, servers: ReadonlyMap<number, ServerSpec>, configVersion: number, time: number): ReconfigPlan {
  if (req.curConfigId !== -1 && req.curConfigId !== configVersion) return { err: ErrorCode.BadVersion };
  let joining: ServerSpec[];
  let leaving: number[];
  try {
    if (req.newMembers) {
      const wanted = new Map(parseNewMembers(req.newMembers).map((s) => [s.id, s]));
      joining = [...wanted.values()].filter((s) => !sameSpec(servers.get(s.id), s));
      leaving = [...servers.keys()].filter((id) => !wanted.has(id));
    } else {
      joining = req.joiningServers ? parseJoiningServers(req.joiningServers) : [];
      leaving = req.leavingServers ? parseLeavingServers(req.leavingServers) : [];
    }
  } catch (err) {
    if (err instanceof ConfigError) return { err: ErrorCode.BadArguments };
    throw err;
  }
  if (joining.length + leaving.length !== 1) return { err: ErrorCode.BadArguments };
  const spec = joining[0];
  if (spec) return { change: { id: spec.id, role: CONSENSUS_ROLE[spec.role], info: { spec, time } } };
  const id = leaving[0]!;
  if (!servers.has(id)) return { err: ErrorCode.BadArguments };
  return { change: { id, role: 'removed', info: { time } } };
}

function sameSpec(a: ServerSpec | undefined, b: ServerSpec): boolean {
  return a !== undefined && JSON.stringify({ ...a }) === JSON.stringify({ ...b });
}
