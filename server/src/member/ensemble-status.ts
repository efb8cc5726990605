// What a member reports about the ensemble from its consensus core: the members list an operator uses to pick a
// restart order, ZooKeeper's quorum fields (mntr, srvr, leader, voting_view), and its mode.
import type { MemberEntryWire } from 'corral/protocol';
import type { ServerSpec } from '../config/server-line.js';
import { roleOf } from '../consensus/membership.js';
import type { RaftCore } from '../consensus/raft.js';
import type { MemberSets, NodeId } from '../consensus/types.js';
import type { QuorumView, ServerMode } from '../admin/view.js';

const SERVER_ROLE = { voter: 'participant', neverLeader: 'neverleader', observer: 'observer' } as const;
const idsOf = (m: MemberSets) => [...m.voters, ...m.neverLeaders, ...m.observers];

/**
 * Every member of the configuration in force; in the middle of a joint change, of both halves, with `change`
 * saying which side each one is on; on a leader catching servers up before the change that adds them, those too
 * (`staged`, marked joining). `specs` hold every one's server line; later entries win. Lag: entries behind the
 * leader's commit index, known on the leader only; sync: the leader's view of its replication to the member (see
 * RaftCore.catchUpOf), null elsewhere and for itself.
 */
export function memberStatuses(
  core: RaftCore,
  self: NodeId,
  specs: readonly ServerSpec[],
  isConnected: (id: NodeId) => boolean,
  staged: readonly NodeId[] = [],
): MemberEntryWire[] {
  const progress = new Map(core.replicationStatus().map((p) => [p.id, p]));
  const incoming = core.membership;
  const outgoing = incoming.outgoing;
  const byId = new Map(specs.map((s) => [s.id, s]));
  const stagedIds = staged.filter((id) => core.catchUpOf(id) !== undefined);
  const ids = [...new Set([...idsOf(incoming), ...(outgoing ? idsOf(outgoing) : []), ...stagedIds])].sort((a, b) => a - b);
  return ids.map((id) => {
    const spec = byId.get(id);
    const isSelf = id === self;
    const match = isSelf ? core.lastIndex : progress.get(id)?.match;
    const inNew = roleOf(incoming, id) !== 'removed';
    const inOld = outgoing ? roleOf(outgoing, id) !== 'removed' : inNew;
    const member = inNew || inOld;
    const role = member ? SERVER_ROLE[roleOf(inNew ? incoming : outgoing!, id) as keyof typeof SERVER_ROLE] : (spec?.role ?? 'participant');
    return {
      id,
      host: spec?.host ?? '',
      client_port: spec?.clientPort ?? null,
      role,
      never_leader: role === 'neverleader',
      is_leader: core.leader === id,
      lag: core.role === 'leader' && match !== undefined ? Math.max(0, core.commitIndex - match) : null,
      connected: isSelf || isConnected(id),
      sync: isSelf ? null : (core.catchUpOf(id) ?? null),
      change: !member || (inNew && !inOld) ? 'joining' : inOld && !inNew ? 'leaving' : null,
    };
  });
}

export function quorumView(core: RaftCore, self: NodeId, servers: ServerSpec[], configVersion: number): QuorumView {
  const role = core.role;
  const observer = core.membership.observers.includes(self);
  const peerState = role === 'leader' ? 'leading' : role === 'follower' && core.leader !== 0 ? (observer ? 'observing' : 'following') : 'looking';
  const view: QuorumView = {
    peerState: peerState === 'looking' ? 'looking' : `${peerState} - broadcast`,
    zabState: peerState === 'looking' ? 'election' : 'broadcast',
    leaderId: core.leader === 0 ? -1 : core.leader,
    servers,
    configVersion,
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

/** ZooKeeper's server mode of an ensemble member (standalone and read-only are decided by the member). */
export function ensembleMode(core: RaftCore | undefined, self: NodeId): ServerMode {
  if (core?.role === 'leader') return 'leader';
  return core?.membership.observers.includes(self) ? 'observer' : 'follower';
}
