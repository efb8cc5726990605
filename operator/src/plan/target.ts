// The membership the spec asks for, in server ids: which current members stay (and in which role), which leave,
// which servers join (existing volumes or pods of non-members first, then fresh ids), and which non-members'
// leftovers are no longer wanted. A pure function of the current membership and what exists, so every plan
// computes the same target from the same snapshot.
import { isVoterRole, type DesiredGroup, type MemberRole } from './types.js';

export interface Slot {
  serverId: number;
  group: string;
  role: MemberRole;
}

export interface KnownServer {
  serverId: number;
  /** From the pod's or volume's label, or the recorded status; undefined when nothing says. */
  group?: string;
  /** The role label of its pod, if it has one. */
  podRole?: 'participant' | 'observer';
  healthy: boolean;
  isLeader: boolean;
  /** Its volume is being deleted: it cannot join again under this id. */
  volumeGoing: boolean;
}

export interface Target {
  /** Members that stay, with the role the spec gives them. */
  keep: Slot[];
  /** Members to remove. */
  remove: number[];
  /** Servers to add, in order. */
  join: Slot[];
  /** Known non-members that neither are nor join the membership. */
  leftovers: number[];
  /** keep + join, by id. */
  slots: Map<number, Slot>;
}

/** Server ids run from 1 to 255 (zoo.cfg server.N, the member's limit). */
export const MAX_SERVER_ID = 255;

export const voterRole = (group: DesiredGroup): MemberRole => (group.leaderEligible ? 'participant' : 'neverleader');

/** Current members kept: the leader first (no handover needed), then healthy ones, then the lowest ids. */
const keepOrder = (a: KnownServer, b: KnownServer): number =>
  Number(b.isLeader) - Number(a.isLeader) || Number(b.healthy) - Number(a.healthy) || a.serverId - b.serverId;

/**
 * @param membership the current membership (empty before the ensemble exists)
 * @param known every server id something refers to (pods, volumes, any member's view, the recorded status)
 */
export function targetMembership(
  groups: DesiredGroup[],
  membership: Map<number, MemberRole>,
  known: Map<number, KnownServer>,
): Target {
  const info = (id: number): KnownServer => known.get(id) ?? { serverId: id, healthy: false, isLeader: false, volumeGoing: false };
  const keep: Slot[] = [];
  const join: Slot[] = [];
  const taken = new Set<number>();
  // Fresh ids are the lowest that nothing refers to (no pod, volume, view or record), so they stay within the
  // member's 1..255 range however often the cluster is rescaled.
  const used = new Set([...known.keys(), ...membership.keys()]);
  const freshId = (): number | undefined => {
    for (let id = 1; id <= MAX_SERVER_ID; id++) {
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
    return undefined;
  };
  const candidates = [...known.values()]
    .filter((k) => !membership.has(k.serverId) && !k.volumeGoing && k.group !== undefined)
    .sort((a, b) => a.serverId - b.serverId);

  for (const group of groups) {
    const wanted: Array<{ count: number; voter: boolean; role: MemberRole }> = [
      { count: group.voters, voter: true, role: voterRole(group) },
      { count: group.observers, voter: false, role: 'observer' },
    ];
    for (const { count, voter, role } of wanted) {
      const current = [...membership]
        .filter(([id, r]) => isVoterRole(r) === voter && info(id).group === group.name)
        .map(([id]) => info(id))
        .sort(keepOrder)
        .slice(0, count);
      for (const k of current) {
        keep.push({ serverId: k.serverId, group: group.name, role });
        taken.add(k.serverId);
      }
      let missing = count - current.length;
      const podRole = voter ? 'participant' : 'observer';
      const mine = candidates
        .filter((c) => c.group === group.name && !taken.has(c.serverId))
        .sort((a, b) => Number(b.podRole === podRole) - Number(a.podRole === podRole) || a.serverId - b.serverId);
      for (const c of mine.slice(0, missing)) {
        join.push({ serverId: c.serverId, group: group.name, role });
        taken.add(c.serverId);
        missing--;
      }
      for (; missing > 0; missing--) {
        const id = freshId();
        if (id === undefined) break;
        join.push({ serverId: id, group: group.name, role });
      }
    }
  }
  const remove = [...membership.keys()].filter((id) => !taken.has(id)).sort((a, b) => a - b);
  const leftovers = [...known.keys()].filter((id) => !membership.has(id) && !taken.has(id)).sort((a, b) => a - b);
  const slots = new Map([...keep, ...join].map((s) => [s.serverId, s]));
  return { keep, remove, join: join.sort((a, b) => a.serverId - b.serverId), leftovers, slots };
}
