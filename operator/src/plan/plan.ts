// The operator's planner: (desired cluster, observed snapshot, now) → the next step towards the spec.
//
// Contract with the reconciler.
// - Inputs: `DesiredCluster` (the spec reduced to what planning needs; revisions are hashes the caller computes),
//   `Observed` (one snapshot: the CR's finalizer and last status, the pods and volumes, the owned objects, and each
//   member's answer to `/commands/members` (its view, state, zxid and limits), or that it did not answer), and
//   `now` (used only to stamp condition transitions). No I/O, clock or randomness: the same inputs give the same
//   plan.
// - Output: one `Plan`: `actions` to carry out in order (stop at the first failure and plan again), `waits` (why it
//   does not do more now), the `status` to record, and when to plan again if nothing changes. The reconciler acts,
//   records status and Events (each action and wait carries its reason), then observes and plans again.
// - A plan is one step: any number of actions that cannot reduce availability (finalizer, Services, Secret,
//   ConfigMap, PDB, creating volumes and pods, replacing pods that failed for good, deleting pods and volumes of
//   servers that are not members, quotas, connection limits), plus at most one disruptive action, last: restarting
//   one member (deleting its pod), one reconfig (a single member added, removed or changing role), one leadership
//   transfer, or a quorum recovery.
// - Level-triggered: nothing is remembered between plans except what the snapshot shows. A roll in progress is
//   the pods' revision labels against the desired revisions; a scale in progress is the membership against the
//   target; a bootstrap's membership is the one its first members started from (their answers, else the recorded
//   status); whether the ensemble ever served is the recorded Available condition (or a leader or data now); which
//   quotas the operator manages and which recovery request it handled are recorded in status. Every action is
//   idempotent, so a crash anywhere followed by a fresh start converges.
//
// Invariants (property-tested in operator/test/plan):
// - Quorum: a member pod is deleted only if the voters that remain healthy still make a quorum of the voters; a
//   reconfig only if the new configuration keeps a healthy quorum. Only clusters with no fault tolerance at all
//   (one or two voters) are restarted below quorum, one member at a time and only when every voter is healthy,
//   because they cannot be restarted otherwise.
// - Volumes: never delete the volume of a member of the current membership or of any server some member's view
//   lists (a committed membership is in every quorum's views), and only once the membership is settled. A deleted
//   cluster with reclaimPolicy Delete is the exception.
// - Leadership: never transfer leadership to a never-leader, an observer, a member leaving or being demoted, or one
//   not healthy; a never-leader leading is moved away before anything else; a leader that leaves or is demoted
//   hands over first; the leader is restarted last in a roll and only after leadership moved away.
// - One membership change at a time: nothing disruptive while a change is in flight (joint configuration or
//   joiners being caught up) or while the members disagree about the membership.
// - A member whose pod vanished is recreated with the same server id and volume; removal only ever follows the
//   spec (a member is removed only when its group has more members than the spec asks for).
// - Quorum loss: Degraded, and nothing disruptive; pods of members with volumes are recreated (that is how quorum
//   comes back), members without volumes are not (empty voters must never outvote the ones holding data).
//   `recoverQuorum` happens only on an explicit request, once per request.
//
// Order of work, each only when the previous has nothing left: quorum loss (recovery on request) → membership
// change in flight (wait) → a never-leader leading (transfer) → membership changes (remove members that are
// down, promotions, adds once the joiner answers, demotions, remove members that are up; a leader concerned hands
// over first) → rolling restart (members not ready first unless their node is not ready, then observers,
// never-leaders, followers, the leader last after a handover to an up-to-date eligible voter at the new revision,
// preferring the leader's own group; Supervised waits for approval of the leader's turn; any member not ready at
// the new revision holds the roll).
import { membershipOf, quorumOf, sameMembership, zxidOf } from './ensemble.js';
import { APPROVE_LEADER_RESTART, podName, RECOVER_QUORUM } from './names.js';
import { statusOf } from './status.js';
import { survey, type Survey } from './survey.js';
import type { Slot } from './target.js';
import {
  isVoterRole,
  type Action,
  type ActionKind,
  type DesiredCluster,
  type MemberRole,
  type Observed,
  type ObjectKind,
  type ObservedPod,
  type Plan,
  type Quota,
  type ReconfigChange,
  type Wait,
} from './types.js';

/** Plan again this soon after acting (the changes made usually trigger a watch event earlier). */
const REQUEUE_AFTER_ACTING_S = 2;
/** While waiting on members: readiness shows as pod events, but sync state and leadership only through probes. */
const REQUEUE_WHILE_WAITING_S = 5;
/** Converged: a periodic check (drift of quotas and limits, probes) besides watch events. */
const REQUEUE_CONVERGED_S = 60;

/** Actions that may reduce availability or change the ensemble: at most one per plan. */
export const DISRUPTIVE: ReadonlySet<ActionKind> = new Set(['reconfig', 'transferLeadership', 'recoverQuorum']);
export const isDisruptive = (a: Action): boolean => DISRUPTIVE.has(a.kind) || (a.kind === 'deletePod' && a.purpose === 'restart');

class Step {
  readonly actions: Action[] = [];
  readonly waits: Wait[] = [];
  act(action: Action): void {
    this.actions.push(action);
  }
  wait(reason: string, message: string, serverId?: number): void {
    this.waits.push(serverId === undefined ? { reason, message } : { reason, message, serverId });
  }
}

export function plan(desired: DesiredCluster, observed: Observed, now: Date): Plan {
  const s = survey(desired, observed);
  const step = new Step();
  if (desired.deleting) finalize(step, s);
  else {
    if (!observed.finalizer) step.act({ kind: 'addFinalizer', reason: 'the reclaim policy runs when the cluster is deleted' });
    ensureObjects(step, desired, observed);
    createMembers(step, s);
    replaceDeadPods(step, s);
    cleanUp(step, s);
    applyLimits(step, s);
    disruptiveStep(step, s);
  }
  const requeueAfterSeconds =
    step.actions.length > 0 ? REQUEUE_AFTER_ACTING_S : step.waits.length > 0 ? REQUEUE_WHILE_WAITING_S : REQUEUE_CONVERGED_S;
  return { actions: step.actions, waits: step.waits, status: statusOf(s, step.actions, step.waits, now), requeueAfterSeconds };
}

// ---- Deletion ----

function finalize(step: Step, s: Survey): void {
  if (!s.observed.finalizer) return;
  const del = s.desired.reclaimPolicy === 'Delete';
  for (const pvc of s.observed.pvcs) {
    if (del && !pvc.deleting) step.act({ kind: 'deletePvc', serverId: pvc.serverId, name: pvc.name, reason: 'cluster deleted with reclaimPolicy Delete' });
    if (!del && pvc.owned) step.act({ kind: 'releasePvc', serverId: pvc.serverId, name: pvc.name, reason: 'cluster deleted with reclaimPolicy Retain' });
  }
  step.act({ kind: 'removeFinalizer', reason: `volumes ${del ? 'deleted' : 'retained'}` });
}

// ---- Non-disruptive work ----

const OBJECT_KINDS: ObjectKind[] = ['membersService', 'clientService', 'superSecret', 'podDisruptionBudget'];

function ensureObjects(step: Step, desired: DesiredCluster, observed: Observed): void {
  for (const object of OBJECT_KINDS) {
    const want = desired.objects[object];
    const have = observed.objects[object];
    if (want === null) {
      if (have !== undefined) step.act({ kind: 'deleteObject', object, reason: `${object} disabled in the spec` });
    } else if (have === undefined || (have !== want && object !== 'superSecret')) {
      step.act({ kind: 'ensureObject', object, revision: want, reason: have === undefined ? `${object} missing` : `${object} out of date` });
    }
  }
  if (!observed.configMaps.includes(desired.configRevision)) {
    step.act({ kind: 'ensureConfigMap', revision: desired.configRevision, reason: `config revision ${desired.configRevision} missing` });
  }
}

function createPod(s: Survey, serverId: number, group: string, role: MemberRole, initial: Map<number, MemberRole>, reason: string): Action {
  return {
    kind: 'createPod',
    serverId,
    group,
    role,
    revision: s.revisionOf(serverId),
    configRevision: s.desired.configRevision,
    initialMembers: [...initial].sort(([a], [b]) => a - b).map(([id, r]) => ({ serverId: id, role: r })),
    reason,
  };
}

/**
 * Pods and volumes of members that lack them (the same id and volume again), and of the servers that join. Volumes
 * come before pods, so no member starts before the volumes of the servers its initial membership lists exist.
 */
function createMembers(step: Step, s: Survey): void {
  const volumes: Action[] = [];
  const pods: Action[] = [];
  const leaving = new Set(s.target.remove);
  for (const [id, role] of [...s.membership].sort(([a], [b]) => a - b)) {
    if (s.pods.has(id)) continue;
    const group = s.groupOf(id) ?? s.target.slots.get(id)?.group;
    const pvc = s.pvcs.get(id);
    if (group === undefined) {
      step.wait('UnknownGroup', `member ${id} has no pod and nothing records its group`, id);
    } else if (pvc?.deleting) {
      step.wait('VolumeDeleting', `member ${id} has no pod and its volume is being deleted; it is recreated empty once the volume is gone`, id);
    } else if (pvc) {
      pods.push(createPod(s, id, group, role, s.membership, `member ${id} has no pod: recreated with the same id and volume`));
    } else if (!leaving.has(id)) {
      if (s.formed && !s.serving && isVoterRole(role)) {
        step.wait('VolumeLost', `member ${id} lost its volume; an empty voter is only added back while a quorum serves`, id);
        continue;
      }
      volumes.push({ kind: 'createPvc', serverId: id, group, reason: s.formed ? `member ${id} lost its volume: it rejoins empty and catches up` : `bootstrap: volume of member ${id}` });
      pods.push(createPod(s, id, group, role, s.membership, s.formed ? `member ${id} rejoins empty` : `bootstrap: member ${id}`));
    }
  }
  if (s.serving && s.view.settled) {
    for (const slot of s.target.join) {
      if (!s.pvcs.has(slot.serverId)) {
        volumes.push({ kind: 'createPvc', serverId: slot.serverId, group: slot.group, reason: `scale up: volume of joining server ${slot.serverId}` });
      }
      if (!s.pods.has(slot.serverId)) {
        const initial = new Map(s.membership).set(slot.serverId, slot.role);
        pods.push(createPod(s, slot.serverId, slot.group, slot.role, initial, `scale up: server ${slot.serverId} starts before the reconfig that adds it`));
      }
    }
  }
  for (const v of volumes) step.act(v);
  for (const p of pods) step.act(p);
}

/**
 * A pod that failed for good (evicted, or its container exited under restartPolicy Never) never serves again: delete
 * it so it is recreated. Not disruptive (the member is down already), so this happens even without a quorum.
 */
function replaceDeadPods(step: Step, s: Survey): void {
  for (const id of [...new Set([...s.membership.keys(), ...s.target.slots.keys()])].sort((a, b) => a - b)) {
    const pod = s.pods.get(id);
    if (pod && isDead(pod)) step.act({ kind: 'deletePod', serverId: id, name: pod.name, purpose: 'replace', reason: `member ${id}'s pod ${pod.phase}: replaced` });
  }
}

const isDead = (pod: ObservedPod): boolean => !pod.deleting && (pod.phase === 'Failed' || pod.phase === 'Succeeded');

/** Pods and volumes of servers that are not (and will not be) members, stale joiner pods, unused ConfigMaps. */
function cleanUp(step: Step, s: Survey): void {
  if (s.view.settled) {
    for (const id of s.target.leftovers) {
      const pod = s.pods.get(id);
      if (pod && !pod.deleting) step.act({ kind: 'deletePod', serverId: id, name: pod.name, purpose: 'cleanup', reason: `server ${id} is not a member` });
      const pvc = s.pvcs.get(id);
      if (pvc && !pvc.deleting && !s.membership.has(id) && !s.view.inAnyView.has(id)) {
        step.act({ kind: 'deletePvc', serverId: id, name: pvc.name, reason: `server ${id} left the ensemble: a later scale-up starts clean` });
      }
    }
    for (const slot of s.target.join) {
      const pod = s.pods.get(slot.serverId);
      if (pod && !pod.deleting && !isDead(pod) && pod.revision !== s.revisionOf(slot.serverId)) {
        step.act({ kind: 'deletePod', serverId: slot.serverId, name: pod.name, purpose: 'cleanup', reason: `joining server ${slot.serverId} runs an old revision` });
      }
    }
  }
  const used = new Set([s.desired.configRevision, ...s.observed.pods.map((p) => p.configRevision)]);
  for (const revision of s.observed.configMaps) {
    if (!used.has(revision)) step.act({ kind: 'deleteConfigMap', revision, reason: `config revision ${revision} no longer used` });
  }
}

const sameLimits = (a: Omit<Quota, 'path'>, b: Omit<Quota, 'path'>) => a.maxNodes === b.maxNodes && a.maxBytes === b.maxBytes;

/** Connection limits on every member that answered; quotas through a serving quorum. */
function applyLimits(step: Step, s: Survey): void {
  const want = s.desired.connectionLimits;
  const going = new Set(step.actions.flatMap((a) => (a.kind === 'deletePod' ? [a.serverId] : [])));
  for (const [id, answer] of [...s.view.answers].sort(([a], [b]) => a - b)) {
    if ((!s.membership.has(id) && !s.target.slots.has(id)) || going.has(id) || s.pods.get(id)?.deleting) continue;
    const have = answer.connectionLimits;
    if (have.perClientAddress !== want.perClientAddress || have.total !== want.total) {
      step.act({ kind: 'setConnectionLimits', serverId: id, limits: want, reason: `member ${id} enforces other connection limits` });
    }
  }
  if (!s.serving || s.observed.quotas === undefined) return;
  // A quota is set only once its path is recorded in status as managed, so a crash between setting it and
  // recording it cannot leave a quota nobody removes when it leaves the spec.
  const managed = new Set(s.observed.status?.quotaPaths ?? []);
  const have = new Map(s.observed.quotas.map((q) => [q.path, q]));
  for (const quota of s.desired.quotas) {
    const current = have.get(quota.path);
    if (current && sameLimits(current, quota)) continue;
    if (managed.has(quota.path)) step.act({ kind: 'setQuota', quota, reason: current ? `quota on ${quota.path} drifted` : `quota on ${quota.path} missing` });
    else step.wait('RecordingQuota', `quota on ${quota.path} is set once status records it as managed`);
  }
  const wanted = new Set(s.desired.quotas.map((q) => q.path));
  for (const path of managed) {
    if (!wanted.has(path) && have.has(path)) step.act({ kind: 'removeQuota', path, reason: `quota on ${path} removed from the spec` });
  }
}

// ---- The disruptive step ----

function disruptiveStep(step: Step, s: Survey): void {
  if (s.membership.size === 0) {
    if (s.source === 'unknown') step.wait('Bootstrapping', 'waiting for the started members to answer with the membership they started from');
    return;
  }
  if (!s.serving) return notServing(step, s);
  if (!s.view.settled) return unsettled(step, s);
  const leader = s.view.leader!;
  if (s.membership.get(leader) === 'neverleader') {
    transfer(step, s, `member ${leader} leads but is a never-leader`);
    return;
  }
  if (membershipChange(step, s)) return;
  roll(step, s);
}

/** A membership change in flight, or voters that do not (yet) answer with the leader's membership: wait, naming them. */
function unsettled(step: Step, s: Survey): void {
  const changing = [...s.view.leaderEntries.values()].filter((e) => e.change !== null).sort((a, b) => a.id - b.id);
  if (changing.length > 0) {
    const what = changing.map((e) => `server ${e.id} ${e.change === 'joining' ? 'joining (being caught up)' : 'leaving'}`).join(', ');
    step.wait('MembershipChangeInFlight', `membership change in flight: ${what}`, changing[0]!.id);
    return;
  }
  const behind = s.voters.filter((id) => !agrees(s, id));
  step.wait('MembershipChangeInFlight', `members ${behind.join(', ')} do not answer with the leader's membership yet`, behind[0]);
}

/** The member answered with the same membership as the leader's. */
function agrees(s: Survey, id: number): boolean {
  const answer = s.view.answers.get(id);
  return answer !== undefined && sameMembership(membershipOf(answer.members), s.membership);
}

/** Too few healthy voters for anything disruptive: wait, or recover on an explicit request. */
function notServing(step: Step, s: Survey): void {
  if (!s.formed) {
    step.wait('Bootstrapping', 'waiting for the members to form the ensemble');
    return;
  }
  const request = s.desired.recoveryRequest;
  if (request !== undefined && request !== s.observed.status?.recovery?.request && s.view.leader === undefined) {
    const survivor = recoverySurvivor(s);
    if (survivor !== undefined) {
      const zxid = s.view.answers.get(survivor)!.zxid;
      const lost = [...s.membership.keys()].filter((id) => id !== survivor).sort((a, b) => a - b);
      step.act({ kind: 'recoverQuorum', survivor, zxid, lost, reason: `recovery requested: rebuilding from member ${survivor} (last zxid ${zxid}); writes after it may be lost` });
      return;
    }
    step.wait('NoSurvivor', 'recovery requested, but no member with a volume answers');
    return;
  }
  const answering = s.voters.filter((id) => s.view.answers.has(id)).length;
  const down = s.voters.filter((id) => !s.healthy(id));
  if (s.view.leader !== undefined) {
    step.wait('WaitingForQuorum', `${s.healthyVoters} of ${s.voters.length} voters in step with leader ${s.view.leader}, ${s.quorum} needed before anything disruptive; waiting for ${down.join(', ')}`);
  } else if (answering >= s.quorum) {
    step.wait('NoLeader', `${answering} of ${s.voters.length} voters answer but none leads (election in progress?)`);
  } else {
    const survivor = recoverySurvivor(s);
    const silent = s.voters.filter((id) => !s.view.answers.has(id));
    const hint =
      survivor === undefined
        ? ''
        : `; to rebuild from member ${survivor} (zxid ${s.view.answers.get(survivor)!.zxid}), request a recovery (annotation ${RECOVER_QUORUM})`;
    step.wait('QuorumLost', `${answering} of ${s.voters.length} voters answer and none leads, ${s.quorum} needed; not answering: ${silent.join(', ')}${hint}`);
  }
}

/** The member with the most recent data among those that answer and keep their volume. */
function recoverySurvivor(s: Survey): number | undefined {
  const rank = (role: MemberRole | undefined) => (role === 'participant' ? 2 : role === 'neverleader' ? 1 : 0);
  return [...s.view.answers.values()]
    .filter((a) => s.membership.has(a.serverId) && s.pvcs.has(a.serverId) && !s.pvcs.get(a.serverId)!.deleting)
    .sort((a, b) => {
      const d = zxidOf(b.zxid) - zxidOf(a.zxid);
      if (d !== 0n) return d > 0n ? 1 : -1;
      return rank(s.membership.get(b.serverId)) - rank(s.membership.get(a.serverId)) || a.serverId - b.serverId;
    })[0]?.serverId;
}

/** A healthy voter that may lead and stays eligible, preferring the new revision, the leader's group, least lag. */
function transferTarget(s: Survey): number | undefined {
  const leader = s.view.leader!;
  const leaderGroup = s.groupOf(leader);
  const lag = (id: number) => s.view.leaderEntries.get(id)?.lag ?? Number.MAX_SAFE_INTEGER;
  const current = (id: number) => s.pods.get(id)?.revision === s.revisionOf(id);
  return s.voters
    .filter((id) => id !== leader && s.membership.get(id) === 'participant' && s.target.slots.get(id)?.role === 'participant' && s.healthy(id))
    .sort(
      (a, b) =>
        Number(current(b)) - Number(current(a)) ||
        Number(s.groupOf(b) === leaderGroup) - Number(s.groupOf(a) === leaderGroup) ||
        lag(a) - lag(b) ||
        a - b,
    )[0];
}

function transfer(step: Step, s: Survey, why: string): void {
  const leader = s.view.leader!;
  const to = transferTarget(s);
  if (to === undefined) step.wait('NoTransferTarget', `${why}; no healthy leader-eligible voter to hand leadership to`, leader);
  else step.act({ kind: 'transferLeadership', from: leader, to, reason: `${why}: handing leadership to member ${to}` });
}

/** The next single membership change, or a wait for it; false when the membership already matches the target. */
function membershipChange(step: Step, s: Survey): boolean {
  const { target, membership } = s;
  const leader = s.view.leader!;
  const current = (id: number) => membership.get(id)!;
  const roleRank = (role: MemberRole) => (role === 'observer' ? 0 : role === 'neverleader' ? 1 : 2);
  const removals = target.remove.slice().sort((a, b) => roleRank(current(a)) - roleRank(current(b)) || a - b);
  const changes: Array<{ change: ReconfigChange; slot?: Slot }> = [
    ...removals.filter((id) => !s.healthy(id)).map((id) => ({ change: { op: 'remove', serverId: id } as ReconfigChange })),
    ...target.keep
      .filter((k) => k.role === 'participant' && current(k.serverId) === 'neverleader')
      .map((k) => ({ change: { op: 'setRole', serverId: k.serverId, role: k.role } as ReconfigChange })),
    ...target.join
      .slice()
      .sort((a, b) => roleRank(b.role) - roleRank(a.role) || a.serverId - b.serverId)
      .map((slot) => ({ change: { op: 'add', serverId: slot.serverId, role: slot.role } as ReconfigChange, slot })),
    ...target.keep
      .filter((k) => k.role === 'neverleader' && current(k.serverId) === 'participant')
      .map((k) => ({ change: { op: 'setRole', serverId: k.serverId, role: k.role } as ReconfigChange })),
    ...removals
      .filter((id) => s.healthy(id))
      .sort((a, b) => Number(a === leader) - Number(b === leader))
      .map((id) => ({ change: { op: 'remove', serverId: id } as ReconfigChange })),
  ];
  const next = changes[0];
  if (!next) return false;
  const { change } = next;
  const id = change.serverId;
  if (id === leader) {
    transfer(step, s, change.op === 'remove' ? `leader ${id} leaves the ensemble` : `leader ${id} becomes a never-leader`);
    return true;
  }
  if (change.op === 'add') {
    const pod = s.pods.get(id);
    if (!pod || pod.deleting || pod.revision !== s.revisionOf(id) || pod.phase !== 'Running' || !s.view.answers.has(id)) {
      step.wait('WaitingForJoiner', `server ${id} must be running and answering before the reconfig that adds it`, id);
      return true;
    }
  }
  const after = new Map(membership);
  if (change.op === 'remove') after.delete(id);
  else after.set(id, change.role);
  const votersAfter = [...after].filter(([, role]) => isVoterRole(role)).map(([v]) => v);
  // A joiner counts as healthy: the leader catches it up before it proposes the change.
  const healthyAfter = votersAfter.filter((v) => s.healthy(v) || (change.op === 'add' && v === id)).length;
  if (healthyAfter < quorumOf(votersAfter.length)) {
    step.wait('ReconfigWouldLoseQuorum', `${describe(change)} would leave ${healthyAfter} of ${votersAfter.length} voters healthy`, id);
    return true;
  }
  step.act({ kind: 'reconfig', change, reason: describe(change) });
  return true;
}

const describe = (c: ReconfigChange): string =>
  c.op === 'add' ? `adding server ${c.serverId} as ${c.role}` : c.op === 'remove' ? `removing member ${c.serverId}` : `making member ${c.serverId} a ${c.role}`;

/** The next restart of a rolling restart, or a wait. */
function roll(step: Step, s: Survey): void {
  const members = [...s.membership.keys()].sort((a, b) => a - b);
  const stale = members.filter((id) => {
    const pod = s.pods.get(id);
    return pod !== undefined && !pod.deleting && !isDead(pod) && pod.revision !== s.revisionOf(id);
  });
  if (stale.length === 0) {
    const unhealthy = members.filter((id) => !s.healthy(id));
    if (unhealthy.length > 0) waitFor(step, s, unhealthy[0]!, 'WaitingForMember');
    return;
  }
  const restart = (id: number, why: string) =>
    step.act({ kind: 'deletePod', serverId: id, name: podName(s.desired.name, id), purpose: 'restart', reason: `rolling restart: ${why} member ${id} (revision ${s.revisionOf(id)})` });

  const leader = s.view.leader!;
  // Members that are down restart first; but not one on a node that is not ready: its pod could not go (it would
  // hang terminating with the node gone), and the roll waits for the node instead, saying so.
  const down = stale.find((id) => id !== leader && !s.healthy(id) && s.pods.get(id)!.nodeReady !== false);
  if (down !== undefined) return restart(down, 'not ready');
  const blocker = members.find((id) => !s.healthy(id));
  if (blocker !== undefined) return waitFor(step, s, blocker, 'RollingRestart');

  const rank = (id: number) => ({ observer: 0, neverleader: 1, participant: 2 })[s.membership.get(id)!];
  const next = stale.filter((id) => id !== leader).sort((a, b) => rank(a) - rank(b) || a - b)[0];
  if (next !== undefined) {
    if (s.membership.get(next) === 'observer' || mayTakeVoterDown(s)) return restart(next, 'restarting');
    step.wait('RestartWouldLoseQuorum', `restarting member ${next} would leave fewer than ${s.quorum} healthy voters`, next);
    return;
  }
  // Only the leader is left.
  const revision = s.revisionOf(leader);
  if (s.desired.updateStrategy === 'Supervised' && s.desired.leaderRestartApproved !== revision) {
    step.wait(
      'AwaitingLeaderRestartApproval',
      `every member but leader ${leader} runs revision ${revision}; to restart the leader, annotate the cluster with ${APPROVE_LEADER_RESTART}=${revision}`,
      leader,
    );
    return;
  }
  if (transferTarget(s) !== undefined) return transfer(step, s, `rolling restart: leader ${leader} restarts last`);
  const othersMayLead = s.voters.some((id) => id !== leader && s.membership.get(id) === 'participant');
  if (!othersMayLead && mayTakeVoterDown(s)) return restart(leader, 'no other member may lead: restarting');
  transfer(step, s, `rolling restart: leader ${leader} restarts last`);
}

/**
 * Whether a healthy voter may be taken down: the other healthy voters still make a quorum, or the cluster has no
 * fault tolerance to keep (one or two voters) and every voter is healthy.
 */
function mayTakeVoterDown(s: Survey): boolean {
  return s.healthyVoters - 1 >= s.quorum || (s.voters.length <= 2 && s.healthyVoters === s.voters.length);
}

function waitFor(step: Step, s: Survey, id: number, reason: string): void {
  const pod = s.pods.get(id);
  const why = !pod
    ? 'has no pod'
    : pod.deleting
      ? 'is terminating'
      : pod.nodeReady === false
        ? 'is on a node that is not ready'
        : !pod.ready
          ? `is not ready (${pod.phase}, ${pod.restartCount} restarts)`
          : !s.view.answers.has(id)
            ? 'does not answer'
            : 'is not in step with the leader';
  step.wait(reason, `member ${id} ${why}`, id);
}
