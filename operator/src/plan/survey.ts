// Everything the planner derives from one snapshot before deciding: objects by server id, the ensemble's view,
// the membership in force (or the one a bootstrap is fixed to), its target, and quorum arithmetic.
import { ensembleView, isHealthy, quorumOf, zxidOf, type EnsembleView } from './ensemble.js';
import { targetMembership, type KnownServer, type Target } from './target.js';
import { isVoterRole, type DesiredCluster, type DesiredGroup, type MemberRole, type Observed, type ObservedPod, type ObservedPvc } from './types.js';

/** Where the membership the planner works from came from, most trusted first. */
export type MembershipSource = 'leader' | 'member' | 'status' | 'fresh' | 'unknown';

export interface Survey {
  desired: DesiredCluster;
  observed: Observed;
  pods: Map<number, ObservedPod>;
  pvcs: Map<number, ObservedPvc>;
  view: EnsembleView;
  membership: Map<number, MemberRole>;
  source: MembershipSource;
  /**
   * The ensemble has existed: a leader is known now, a member holds data, or the recorded status says it served.
   * Before that, members may be created with empty volumes freely; after it, an empty voter is created only while
   * a quorum serves (empty voters must never be able to outvote the ones holding data).
   */
  formed: boolean;
  target: Target;
  groupOf(id: number): string | undefined;
  desiredGroup(name: string | undefined): DesiredGroup | undefined;
  /** The revision the member's group runs now (the first group's for a member whose group is gone). */
  revisionOf(id: number): string;
  healthy(id: number): boolean;
  voters: number[];
  quorum: number;
  healthyVoters: number;
  /** A leader is known and a quorum of voters is healthy: the condition for anything disruptive. */
  serving: boolean;
  /** A leader is known and reports a quorum of voters connected: the ensemble serves clients. */
  available: boolean;
}

const roleFromStatus = (role: 'participant' | 'observer', leaderEligible: boolean): MemberRole =>
  role === 'observer' ? 'observer' : leaderEligible ? 'participant' : 'neverleader';

export function survey(desired: DesiredCluster, observed: Observed): Survey {
  const pods = new Map(observed.pods.map((p) => [p.serverId, p]));
  const pvcs = new Map(observed.pvcs.map((p) => [p.serverId, p]));
  const view = ensembleView(observed.probes);
  const recorded = observed.status?.members ?? [];
  const recordedGroup = new Map(recorded.map((m) => [m.serverId, m.group]));
  /** Groups of the servers a fresh bootstrap makes up (nothing else names them yet). */
  const madeUp = new Map<number, string>();
  const groupOf = (id: number) => pods.get(id)?.group ?? pvcs.get(id)?.group ?? recordedGroup.get(id) ?? madeUp.get(id);
  const healthy = (id: number) => isHealthy(view, pods.get(id), id);
  const available = observed.status?.conditions?.find((c) => c.type === 'Available');
  const formed =
    view.leader !== undefined ||
    [...view.answers.values()].some((a) => zxidOf(a.zxid) !== 0n) ||
    (available !== undefined && available.reason !== BOOTSTRAPPING);

  const ids = new Set<number>([...pods.keys(), ...pvcs.keys(), ...view.inAnyView, ...recordedGroup.keys()]);
  const known = (membership: Map<number, MemberRole>) => {
    const out = new Map<number, KnownServer>();
    for (const id of [...ids, ...membership.keys()]) {
      out.set(id, {
        serverId: id,
        group: groupOf(id),
        podRole: pods.get(id)?.role,
        healthy: healthy(id),
        isLeader: view.leader === id,
        volumeGoing: pvcs.get(id)?.deleting ?? false,
      });
    }
    return out;
  };

  let membership: Map<number, MemberRole>;
  let source: MembershipSource;
  if (view.membership) {
    membership = view.membership;
    source = view.leader !== undefined ? 'leader' : 'member';
  } else if (recorded.length > 0) {
    membership = new Map(recorded.map((m) => [m.serverId, roleFromStatus(m.role, m.leaderEligible)]));
    source = 'status';
  } else if (pods.size > 0) {
    // Members were started but none has answered yet: their views will tell the membership they started from.
    membership = new Map();
    source = 'unknown';
  } else {
    // A fresh start: no member ever ran, so the bootstrap membership is still free (volumes already made are reused).
    const first = targetMembership(desired.groups, new Map(), known(new Map()));
    membership = new Map(first.join.map((slot) => [slot.serverId, slot.role]));
    for (const slot of first.join) madeUp.set(slot.serverId, slot.group);
    source = 'fresh';
  }
  const target = targetMembership(desired.groups, membership, known(membership));
  const voters = [...membership].filter(([, role]) => isVoterRole(role)).map(([id]) => id);
  const quorum = quorumOf(voters.length);
  const healthyVoters = voters.filter(healthy).length;
  const desiredGroup = (name: string | undefined) => desired.groups.find((g) => g.name === name);
  return {
    desired,
    observed,
    pods,
    pvcs,
    view,
    membership,
    source,
    formed,
    target,
    groupOf,
    desiredGroup,
    revisionOf: (id) => (desiredGroup(groupOf(id) ?? target.slots.get(id)?.group) ?? desired.groups[0]!).revision,
    healthy,
    voters,
    quorum,
    healthyVoters,
    serving: view.leader !== undefined && voters.length > 0 && healthyVoters >= quorum,
    available:
      view.leader !== undefined && voters.filter((id) => id === view.leader || view.leaderEntries.get(id)?.connected).length >= quorum,
  };
}

/** The Available condition's reason until the ensemble first serves (the planner's record that it never has). */
export const BOOTSTRAPPING = 'Bootstrapping';
