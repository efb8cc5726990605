// What the members' answers say about the ensemble as a whole: who leads, which membership is in force, whether a
// membership change is still in flight, and which members are healthy. Conservative where the answers disagree
// or are missing: no leader, not settled, not healthy.
import { isVoterRole, type MemberEntry, type MemberRole, type ObservedPod, type Probe } from './types.js';

type Answer = Extract<Probe, { answered: true }>;

export interface EnsembleView {
  /** The one member that answered and says it leads (none when no answer or more than one says so). */
  leader?: number;
  /** The leader's view, else the view of the answering member with the highest zxid. */
  membership?: Map<number, MemberRole>;
  /**
   * The membership is committed and agreed: the leader's view shows no change in flight (no joint change, no
   * joiner being caught up) and a quorum of its voters answered with the same membership.
   */
  settled: boolean;
  /** Ids in any answer's view: a volume of theirs may hold committed data. */
  inAnyView: Set<number>;
  /** The leader's entries (sync state and lag of each member). */
  leaderEntries: Map<number, MemberEntry>;
  answers: Map<number, Answer>;
}

export const zxidOf = (hex: string): bigint => {
  try {
    return BigInt(hex);
  } catch {
    return 0n;
  }
};

export const membershipOf = (entries: MemberEntry[]): Map<number, MemberRole> => new Map(entries.map((e) => [e.id, e.role]));

export const sameMembership = (a: Map<number, MemberRole>, b: Map<number, MemberRole>): boolean =>
  a.size === b.size && [...a].every(([id, role]) => b.get(id) === role);

export const quorumOf = (voters: number): number => Math.floor(voters / 2) + 1;

export function ensembleView(probes: Probe[]): EnsembleView {
  const answers = new Map<number, Answer>();
  for (const p of probes) if (p.answered) answers.set(p.serverId, p);
  const inAnyView = new Set<number>();
  for (const a of answers.values()) for (const e of a.members) inAnyView.add(e.id);

  const leaders = [...answers.values()].filter((a) => a.state === 'leader' && a.members.some((e) => e.id === a.serverId && e.isLeader));
  const leader = leaders.length === 1 ? leaders[0] : undefined;
  if (leader) {
    const membership = membershipOf(leader.members);
    const inFlight = leader.members.some((e) => e.change !== null);
    const voters = [...membership].filter(([, role]) => isVoterRole(role)).map(([id]) => id);
    const agreeing = voters.filter((id) => {
      const a = answers.get(id);
      return a !== undefined && sameMembership(membershipOf(a.members), membership);
    });
    return {
      leader: leader.serverId,
      membership,
      settled: !inFlight && agreeing.length >= quorumOf(voters.length),
      inAnyView,
      leaderEntries: new Map(leader.members.map((e) => [e.id, e])),
      answers,
    };
  }
  const best = [...answers.values()]
    .filter((a) => a.members.length > 0)
    .sort((a, b) => {
      const d = zxidOf(b.zxid) - zxidOf(a.zxid);
      return d !== 0n ? (d > 0n ? 1 : -1) : a.serverId - b.serverId;
    })[0];
  return {
    membership: best ? membershipOf(best.members) : undefined,
    settled: false,
    inAnyView,
    leaderEntries: new Map(),
    answers,
  };
}

/**
 * A member counts towards quorum only when everything agrees it serves: its pod is Ready and not going away, its node
 * is not known to be down, it answered, and the leader reports it connected and in step (or it is the leader).
 */
export function isHealthy(view: EnsembleView, pod: ObservedPod | undefined, id: number): boolean {
  if (!pod || !pod.ready || pod.deleting || pod.nodeReady === false || !view.answers.has(id)) return false;
  if (view.leader === undefined) return false;
  if (id === view.leader) return true;
  const entry = view.leaderEntries.get(id);
  return entry !== undefined && entry.connected && entry.sync === 'synced';
}

