// The status a plan records: members as the ensemble reports them, and the four conditions, derived from the same
// survey and from what the plan does or waits for. A condition keeps its lastTransitionTime until its status flips.
import { memberHost, CLIENT_PORT, podName, selectorString } from './names.js';
import type { Survey } from './survey.js';
import { BOOTSTRAPPING } from './survey.js';
import type { Condition, MemberStatus } from '../api/status.js';
import type { Action, ClusterStatus, ObservedPod, Wait } from './types.js';

/** Waits that only a person can end, the most telling first. */
const NEEDS_A_PERSON = ['QuorumLost', 'NoSurvivor', 'VolumeLost', 'UnknownGroup'];

/** Whether only a person can end a wait with this reason (its Event is a Warning). */
export const needsAPerson = (reason: string): boolean => NEEDS_A_PERSON.includes(reason);

const PROGRESS_REASON: Partial<Record<Action['kind'], string>> = {
  deletePod: 'RollingRestart',
  reconfig: 'Scaling',
  transferLeadership: 'TransferringLeadership',
  recoverQuorum: 'Recovering',
};

/** A reconfig that only changes a member's role (leaderEligible flipped) is no scaling. */
const progressReason = (a: Action): string | undefined =>
  a.kind === 'reconfig' && a.change.op === 'setRole' ? 'ChangingRole' : PROGRESS_REASON[a.kind];

export function statusOf(s: Survey, actions: Action[], waits: Wait[], now: Date): ClusterStatus {
  const { desired, observed, view } = s;
  const previous = observed.status;
  const members: MemberStatus[] = [...s.membership]
    .sort(([a], [b]) => a - b)
    .map(([id, role]) => {
      const member: MemberStatus = {
        name: podName(desired.name, id),
        serverId: id,
        group: s.groupOf(id) ?? s.target.slots.get(id)?.group ?? '',
        role: role === 'observer' ? 'observer' : 'participant',
        leaderEligible: role === 'participant',
        ready: s.healthy(id),
      };
      const zxid = view.answers.get(id)?.zxid;
      const lag = view.leaderEntries.get(id)?.lag;
      const revision = s.pods.get(id)?.revision;
      if (zxid !== undefined) member.zxid = zxid;
      if (lag !== undefined && lag !== null) member.lag = lag;
      if (revision !== undefined) member.revision = revision;
      return member;
    });

  const converging =
    s.target.join.length > 0 ||
    s.target.remove.length > 0 ||
    s.target.keep.some((k) => s.membership.get(k.serverId) !== k.role) ||
    [...s.membership.keys()].some((id) => s.pods.get(id)?.revision !== s.revisionOf(id));
  const unhealthy = [...s.membership.keys()].filter((id) => !s.healthy(id));
  const lostWait = waits.find((w) => w.reason === 'QuorumLost' || w.reason === 'NoLeader');
  const disruptive = actions.find((a) => PROGRESS_REASON[a.kind] !== undefined && (a.kind !== 'deletePod' || a.purpose === 'restart'));
  const blocked = NEEDS_A_PERSON.map((reason) => waits.find((w) => w.reason === reason)).find((w) => w !== undefined);

  const cond = (type: Condition['type'], ok: boolean, reason: string, message: string): Condition => {
    const status = ok ? 'True' : 'False';
    const before = previous?.conditions?.find((c) => c.type === type);
    const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : now.toISOString();
    return { type, status, reason, message, observedGeneration: desired.generation, lastTransitionTime };
  };

  let available: Condition;
  if (s.available) available = cond('Available', true, 'QuorumServing', `leader ${view.leader}; ${s.healthyVoters} of ${s.voters.length} voters ready`);
  else if (!s.formed) available = cond('Available', false, BOOTSTRAPPING, 'the ensemble has not formed yet');
  else available = cond('Available', false, lostWait?.reason ?? 'NoQuorum', lostWait?.message ?? `${s.healthyVoters} of ${s.voters.length} voters ready`);

  let progressing: Condition;
  if (desired.deleting) progressing = cond('Progressing', true, 'Deleting', `running reclaim policy ${desired.reclaimPolicy}`);
  else if (blocked) progressing = cond('Progressing', false, blocked.reason, blocked.message);
  else if (disruptive) progressing = cond('Progressing', true, progressReason(disruptive)!, disruptive.reason);
  else if (waits.length > 0) progressing = cond('Progressing', true, waits[0]!.reason, waits[0]!.message);
  else if (actions.length > 0) progressing = cond('Progressing', true, s.formed ? 'Reconciling' : BOOTSTRAPPING, actions.map((a) => a.reason).join('; '));
  else progressing = cond('Progressing', false, 'Converged', 'the cluster matches the spec');

  // Degraded means a person may need to look: no quorum, a wait only a person can end, or members down for a
  // reason of their own (crashing, failed, node not ready). A member that is starting or catching up after the
  // operator restarted or added it is not a fault.
  const faults = unhealthy.flatMap((id) => {
    const why = faultOf(s.pods.get(id));
    return why ? [`member ${id} ${why}`] : [];
  });
  let degraded: Condition;
  if (s.formed && !s.available) degraded = cond('Degraded', true, available.reason, available.message);
  else if (blocked) degraded = cond('Degraded', true, blocked.reason, blocked.message);
  else if (faults.length > 0) degraded = cond('Degraded', true, 'MembersUnavailable', faults.join('; '));
  else degraded = cond('Degraded', false, 'AsExpected', 'no member is down for a reason of its own');

  const ready =
    !desired.deleting && s.serving && s.view.settled && !converging && unhealthy.length === 0 && actions.length === 0 && waits.length === 0;
  const readyCond = ready
    ? cond('Ready', true, 'Ready', `${s.membership.size} members ready at the desired revision`)
    : cond('Ready', false, progressing.status === 'True' || blocked ? progressing.reason : available.reason, progressing.message);

  const status: ClusterStatus = {
    observedGeneration: desired.generation,
    conditions: [readyCond, available, progressing, degraded],
    members,
    voters: s.voters.length,
    readyVoters: s.healthyVoters,
    replicas: s.voters.length,
    selector: selectorString(desired.name),
    connectString: [...s.membership.keys()]
      .sort((a, b) => a - b)
      .map((id) => `${memberHost(desired.name, desired.namespace, id)}:${CLIENT_PORT}`)
      .join(','),
    quotaPaths: quotaPaths(s),
  };
  if (view.leader !== undefined) status.leader = podName(desired.name, view.leader);
  const recovery = recoveryRecord(s, actions, now);
  if (recovery) status.recovery = recovery;
  return status;
}

/** Why a member's pod is down by a fault rather than by a restart the operator made, if it is. */
function faultOf(pod: ObservedPod | undefined): string | undefined {
  if (!pod || pod.deleting) return undefined;
  if (pod.phase === 'Failed' || pod.phase === 'Succeeded') return `pod ${pod.phase}`;
  if (pod.nodeReady === false) return 'is on a node that is not ready';
  if (pod.restartCount > 0 && !pod.ready) return `is not ready after ${pod.restartCount} container restarts`;
  return undefined;
}

/** The spec's quota paths, plus recorded ones still set in the ensemble (their removal is pending). */
function quotaPaths(s: Survey): string[] {
  const wanted = new Set(s.desired.quotas.map((q) => q.path));
  const set = s.observed.quotas === undefined ? undefined : new Set(s.observed.quotas.map((q) => q.path));
  const pending = (s.observed.status?.quotaPaths ?? []).filter((p) => !wanted.has(p) && (set === undefined || set.has(p)));
  return [...new Set([...wanted, ...pending])].sort();
}

/** A recovery carried out now, or a request that arrived while a quorum serves (consumed: nothing to recover). */
function recoveryRecord(s: Survey, actions: Action[], now: Date): ClusterStatus['recovery'] {
  const request = s.desired.recoveryRequest;
  const previous = s.observed.status?.recovery;
  const recover = actions.find((a) => a.kind === 'recoverQuorum');
  if (recover && request !== undefined) return { request, survivor: recover.survivor, zxid: recover.zxid, at: now.toISOString() };
  if (request !== undefined && request !== previous?.request && s.available) return { request, at: now.toISOString() };
  return previous;
}
