// The planner's safety invariants over random specs and random observed states (fast-check). The checks re-derive
// leader, membership and health from the snapshot on their own instead of reusing the planner's code, so a bug in
// the planner's reading of a snapshot shows up here too. PLAN_PROPERTY_RUNS sets the number of cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/plan/plan.js';
import type { Action, DesiredCluster, MemberEntry, MemberRole, Observed, Plan, Probe } from '../../src/plan/types.js';
import { caseArb, NEW } from './arbitraries.js';

const RUNS = Number(process.env.PLAN_PROPERTY_RUNS ?? 1000);
const NOW = new Date(Date.UTC(2025, 0, 2));

type Answer = Extract<Probe, { answered: true }>;
const quorumOf = (n: number) => Math.floor(n / 2) + 1;
const isVoter = (r: MemberRole | undefined) => r === 'participant' || r === 'neverleader';

/** The snapshot as the checks read it. */
function reading(d: DesiredCluster, o: Observed) {
  const answers = new Map(o.probes.filter((p): p is Answer => p.answered).map((p) => [p.serverId, p]));
  const claims = [...answers.values()].filter((a) => a.state === 'leader' && a.members.some((m) => m.id === a.serverId && m.isLeader));
  const leader = claims.length === 1 ? claims[0] : undefined;
  const membership = new Map<number, MemberRole>(leader?.members.map((m) => [m.id, m.role]) ?? []);
  const entry = (id: number): MemberEntry | undefined => leader?.members.find((m) => m.id === id);
  const pod = (id: number) => o.pods.find((p) => p.serverId === id);
  const pvc = (id: number) => o.pvcs.find((p) => p.serverId === id);
  const healthy = (id: number): boolean => {
    const p = pod(id);
    if (!leader || !p || !p.ready || p.deleting || p.nodeReady === false || !answers.has(id)) return false;
    return id === leader.serverId || (entry(id)?.connected === true && entry(id)?.sync === 'synced');
  };
  const voters = [...membership].filter(([, r]) => isVoter(r)).map(([id]) => id);
  const healthyVoters = voters.filter(healthy).length;
  const q = quorumOf(voters.length);
  const serving = leader !== undefined && healthyVoters >= q;
  const inFlight = leader?.members.some((m) => m.change !== null) ?? true;
  const inAnyView = new Set([...answers.values()].flatMap((a) => a.members.map((m) => m.id)));
  const groupOf = (id: number) => pod(id)?.group ?? pvc(id)?.group ?? o.status?.members?.find((m) => m.serverId === id)?.group;
  const desiredGroup = (id: number) => d.groups.find((g) => g.name === groupOf(id));
  return { answers, leader: leader?.serverId, membership, pod, pvc, healthy, voters, healthyVoters, q, serving, inFlight, inAnyView, groupOf, desiredGroup };
}

const disruptive = (a: Action) =>
  a.kind === 'reconfig' || a.kind === 'transferLeadership' || a.kind === 'recoverQuorum' || (a.kind === 'deletePod' && a.purpose === 'restart');

/** Every invariant of the planner's contract that one plan can be checked against; returns the first broken one. */
export function brokenInvariant(d: DesiredCluster, o: Observed, p: Plan): string | undefined {
  const r = reading(d, o);
  const acts = p.actions;
  if (acts.filter(disruptive).length > 1) return 'more than one disruptive action';
  for (const a of acts) {
    switch (a.kind) {
      case 'deletePod': {
        if (a.purpose === 'cleanup') {
          if (r.membership.has(a.serverId)) return `cleanup of member ${a.serverId}'s pod`;
          break;
        }
        if (a.purpose === 'replace') {
          const phase = r.pod(a.serverId)?.phase;
          if (phase !== 'Failed' && phase !== 'Succeeded') return `replaced pod ${a.serverId}, which is ${phase}`;
          break;
        }
        if (!r.serving) return `restart of ${a.serverId} without a serving quorum`;
        if (a.serverId === r.leader && r.voters.some((v) => v !== r.leader && r.membership.get(v) === 'participant')) {
          return `restart of the leader ${a.serverId} while another voter may lead`;
        }
        if (isVoter(r.membership.get(a.serverId)) && r.healthy(a.serverId)) {
          const left = r.healthyVoters - 1;
          const noTolerance = r.voters.length <= 2 && r.healthyVoters === r.voters.length;
          if (left < r.q && !noTolerance) return `restart of ${a.serverId} leaves ${left} of ${r.voters.length} voters healthy`;
        }
        break;
      }
      case 'deletePvc':
        if (r.leader === undefined || r.inFlight) return `volume ${a.serverId} deleted while the membership is not settled`;
        if (r.membership.has(a.serverId) || r.inAnyView.has(a.serverId)) return `volume of ${a.serverId} deleted while a view lists it`;
        break;
      case 'transferLeadership': {
        if (a.from !== r.leader) return `transfer from ${a.from}, not the leader ${r.leader}`;
        if (r.membership.get(a.to) !== 'participant' || !r.healthy(a.to)) return `transfer to ${a.to}, not a healthy participant`;
        if (r.desiredGroup(a.to)?.leaderEligible !== true) return `transfer to ${a.to}, whose group may not lead`;
        break;
      }
      case 'reconfig': {
        const { change } = a;
        if (!r.serving || r.inFlight) return `reconfig while not serving or a change is in flight`;
        if (change.serverId === r.leader) return 'reconfig of the leader itself';
        const after = new Map(r.membership);
        if (change.op === 'remove') after.delete(change.serverId);
        else after.set(change.serverId, change.role);
        const votersAfter = [...after].filter(([, role]) => isVoter(role)).map(([id]) => id);
        const healthyAfter = votersAfter.filter((v) => r.healthy(v) || (change.op === 'add' && v === change.serverId)).length;
        if (healthyAfter < quorumOf(votersAfter.length)) return `reconfig ${change.op} ${change.serverId} leaves no healthy quorum`;
        if (change.op === 'add') {
          const pod = r.pod(change.serverId);
          if (!pod || pod.revision !== NEW || pod.phase !== 'Running' || !r.answers.has(change.serverId)) return `added ${change.serverId} before it runs`;
        }
        if (change.op === 'remove') {
          const group = r.desiredGroup(change.serverId);
          const voter = isVoter(r.membership.get(change.serverId));
          if (group) {
            const same = [...r.membership].filter(([id, role]) => r.groupOf(id) === group.name && isVoter(role) === voter).length;
            if (same <= (voter ? group.voters : group.observers)) return `removed ${change.serverId} although its group is not over the spec`;
          }
        }
        break;
      }
      case 'createPod': {
        if (r.pod(a.serverId)) return `pod ${a.serverId} created twice`;
        const pvc = r.pvc(a.serverId);
        if (pvc && pvc.group !== a.group) return `pod ${a.serverId} created in group ${a.group}, its volume is in ${pvc.group}`;
        break;
      }
      case 'createPvc':
        if (r.pvc(a.serverId)) return `volume ${a.serverId} created twice`;
        if (r.leader !== undefined && isVoter(r.membership.get(a.serverId)) && !r.serving) return `empty voter ${a.serverId} created without a serving quorum`;
        break;
      case 'recoverQuorum':
        if (r.leader !== undefined) return 'recovery while a leader is known';
        if (d.recoveryRequest === undefined || d.recoveryRequest === o.status?.recovery?.request) return 'recovery without a new request';
        break;
    }
  }

  const leader = r.leader;
  if (leader !== undefined) {
    // A never-leader leading: moving leadership away is the only disruptive thing to do.
    if (r.membership.get(leader) === 'neverleader' && acts.some((a) => disruptive(a) && a.kind !== 'transferLeadership')) {
      return 'something disruptive other than a handover while a never-leader leads';
    }
    // The leader hands over for a roll only once every other member runs the new revision.
    const g = r.desiredGroup(leader);
    const staysLeading = r.membership.get(leader) === 'participant' && g?.leaderEligible === true && g.voters >= 1;
    const stale = [...r.membership.keys()].filter((id) => id !== leader && r.pod(id) && (r.pod(id)!.revision !== NEW || r.pod(id)!.deleting));
    if (staysLeading && acts.some((a) => a.kind === 'transferLeadership') && stale.length > 0) return `leader hands over before ${stale} restarted`;
    // A member whose pod vanished comes back with the same id and volume.
    for (const id of r.membership.keys()) {
      const pvc = r.pvc(id);
      if (!r.pod(id) && pvc && !pvc.deleting && !acts.some((a) => a.kind === 'createPod' && a.serverId === id)) return `member ${id} not recreated`;
    }
  }
  return undefined;
}

describe('planner invariants (property)', () => {
  it('every plan keeps the invariants', () => {
    fc.assert(
      fc.property(caseArb, ([d, o]) => {
        const p = plan(d, o, NOW);
        const broken = brokenInvariant(d, o, p);
        if (broken) throw new Error(`${broken}\nactions: ${JSON.stringify(p.actions.map((a) => ({ ...a, reason: undefined })))}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('is a pure function of its inputs: same plan for a copy, inputs untouched', () => {
    fc.assert(
      fc.property(caseArb, ([d, o]) => {
        const before = structuredClone({ d, o });
        const p = plan(d, o, NOW);
        expect({ d, o }).toEqual(before);
        expect(plan(structuredClone(d), structuredClone(o), new Date(NOW))).toEqual(p);
      }),
      { numRuns: Math.ceil(RUNS / 5) },
    );
  });

  it('the generators reach the interesting branches', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(caseArb, ([d, o]) => {
        for (const a of plan(d, o, NOW).actions) {
          const key = a.kind === 'reconfig' ? `reconfig ${a.change.op}` : a.kind === 'deletePod' ? `deletePod ${a.purpose}` : a.kind;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
      }),
      { numRuns: RUNS, seed: 1 },
    );
    if (process.env.PLAN_PROPERTY_STATS === "1") console.log([...seen]);
    for (const key of ['deletePod restart', 'deletePod replace', 'deletePod cleanup', 'deletePvc', 'transferLeadership', 'reconfig add', 'reconfig remove', 'reconfig setRole', 'createPod', 'createPvc', 'recoverQuorum']) {
      expect(seen.get(key) ?? 0, `${key} in ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    }
  });
});
