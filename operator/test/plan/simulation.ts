// A seeded run of the planner against the fake cluster: random specs that change along the way, random faults
// (pods deleted, members unready or unreachable, a volume lost, the operator dying mid-plan), then a calm period in
// which the cluster must reach the spec within a bound. Safety is checked at every step (FakeCluster's checks,
// plus: a member is only removed when its group has more of its kind than the spec asks for).
import { mulberry32 } from '../../../server/test/consensus/prng.js';
import { isVoterRole, type DesiredCluster, type DesiredGroup, type Plan } from '../../src/plan/types.js';
import { isConverged, reconcile } from './driver.js';
import { FakeCluster } from './fake-cluster.js';
import { desiredCluster } from './fixtures.js';

export interface SimOptions {
  faultTicks: number;
  /** The bound: ticks without faults in which the cluster must match the spec. */
  calmTicks: number;
}

export interface SimOutcome {
  violations: string[];
  /** Ticks the calm period took (calmTicks + 1 when it did not converge). */
  calmTicksUsed: number;
  specChanges: number;
  faults: number;
  restarts: number;
  reconfigs: number;
  trace: string[];
}

type Rng = () => number;
const int = (rnd: Rng, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(rnd: Rng, xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** The spec's own rules (CEL): at least one voter; the voters that may lead make a quorum by themselves. */
export const validGroups = (groups: DesiredGroup[]): boolean => {
  const voters = groups.reduce((n, g) => n + g.voters, 0);
  const eligible = groups.reduce((n, g) => n + (g.leaderEligible ? g.voters : 0), 0);
  return voters >= 1 && eligible * 2 > voters;
};

function randomGroups(rnd: Rng, revision: string): DesiredGroup[] {
  for (;;) {
    const n = int(rnd, 1, 3);
    const groups = Array.from({ length: n }, (_, i) => ({
      name: `g${i}`,
      voters: int(rnd, 0, 3),
      observers: rnd() < 0.3 ? 1 : 0,
      leaderEligible: rnd() < 0.75,
      revision,
    }));
    if (validGroups(groups) && groups.reduce((k, g) => k + g.voters + g.observers, 0) <= 7) return groups;
  }
}

/** One spec change: a new revision for a group, a group rescaled or its eligibility flipped, or quotas/limits. */
function changeSpec(rnd: Rng, d: DesiredCluster, n: number): DesiredCluster {
  const next = { ...d, generation: d.generation + 1, groups: d.groups.map((g) => ({ ...g })) };
  for (;;) {
    const g = pick(rnd, next.groups);
    const saved = { ...g };
    switch (int(rnd, 0, 4)) {
      case 0:
        g.revision = `r${n}`;
        break;
      case 1:
        g.voters = int(rnd, 0, 3);
        break;
      case 2:
        g.observers = int(rnd, 0, 1);
        break;
      case 3:
        g.leaderEligible = !g.leaderEligible;
        break;
      case 4:
        next.quotas = rnd() < 0.5 ? [] : [{ path: `/q${int(rnd, 0, 2)}`, maxNodes: int(rnd, 1, 100) }];
        next.connectionLimits = { perClientAddress: int(rnd, 1, 60), total: 0 };
        break;
    }
    if (validGroups(next.groups) && next.groups.reduce((k, x) => k + x.voters + x.observers, 0) <= 7) return next;
    Object.assign(g, saved);
  }
}

/** Whether the fake cluster is exactly what the spec asks for. */
export function matchesSpec(c: FakeCluster, d: DesiredCluster): string | undefined {
  for (const g of d.groups) {
    const mine = [...c.members].filter(([id]) => c.pods.get(id)?.group === g.name);
    const voters = mine.filter(([, r]) => isVoterRole(r));
    if (voters.length !== g.voters || mine.length - voters.length !== g.observers) return `group ${g.name}: ${c.membershipSummary()}`;
    if (voters.some(([, r]) => r !== (g.leaderEligible ? 'participant' : 'neverleader'))) return `group ${g.name} roles: ${c.membershipSummary()}`;
    if (mine.some(([id]) => c.pods.get(id)!.revision !== g.revision || !c.ready(id))) return `group ${g.name} not ready at ${g.revision}: ${c.membershipSummary()}`;
  }
  if (c.pods.size !== c.members.size || c.pvcs.size !== c.members.size) return `leftovers: pods ${[...c.pods.keys()]} volumes ${[...c.pvcs.keys()]}`;
  const quotas = [...c.quotas.values()].map((q) => `${q.path}=${q.maxNodes}`).sort().join();
  if (quotas !== d.quotas.map((q) => `${q.path}=${q.maxNodes}`).sort().join()) return `quotas ${quotas}`;
  return undefined;
}

/** A member removed although its group does not have more members of its kind than the spec asks for. */
function checkScaleIn(c: FakeCluster, d: DesiredCluster, p: Plan): string | undefined {
  for (const a of p.actions) {
    if (a.kind !== 'reconfig' || a.change.op !== 'remove') continue;
    const id = a.change.serverId;
    const groupName = c.pods.get(id)?.group ?? c.pvcs.get(id)?.group;
    const group = d.groups.find((g) => g.name === groupName);
    if (!group) continue;
    const voter = isVoterRole(c.members.get(id)!);
    const same = [...c.members].filter(([m, r]) => (c.pods.get(m)?.group ?? c.pvcs.get(m)?.group) === groupName && isVoterRole(r) === voter).length;
    if (same <= (voter ? group.voters : group.observers)) return `t${c.tick}: removed member ${id} of ${groupName}, which has ${same} of that kind for a spec of ${voter ? group.voters : group.observers}`;
  }
  return undefined;
}

export function simulate(seed: number, opts: SimOptions): SimOutcome {
  const rnd = mulberry32(seed);
  const c = new FakeCluster({
    startDelay: () => int(rnd, 1, 3),
    catchUpDelay: () => int(rnd, 1, 3),
    terminateDelay: () => int(rnd, 1, 2),
    random: rnd,
  });
  let desired = desiredCluster([], { groups: randomGroups(rnd, 'r0') });
  const outcome: SimOutcome = { violations: c.violations, calmTicksUsed: opts.calmTicks + 1, specChanges: 0, faults: 0, restarts: 0, reconfigs: 0, trace: c.log };
  const step = (faults: boolean): Plan => {
    const crashAfter = faults && rnd() < 0.05 ? int(rnd, 0, 4) : undefined;
    const p = reconcile(c, desired, crashAfter);
    if (process.env.PLAN_SIM_DEBUG) c.log.push(`t${c.tick} plan ${JSON.stringify(p.waits)} ${c.membershipSummary()}`);
    const scaleIn = checkScaleIn(c, desired, p);
    if (scaleIn) c.violations.push(scaleIn);
    outcome.restarts += p.actions.filter((a) => a.kind === 'deletePod' && a.purpose === 'restart').length;
    outcome.reconfigs += p.actions.filter((a) => a.kind === 'reconfig').length;
    c.advance();
    if (faults && rnd() < 0.08) {
      injectFault(rnd, c);
      outcome.faults++;
    }
    if (faults && rnd() < 0.04) {
      desired = changeSpec(rnd, desired, ++outcome.specChanges);
      c.log.push(`t${c.tick} spec ${JSON.stringify(desired.groups.map((g) => [g.name, g.voters, g.observers, g.leaderEligible, g.revision]))}`);
    }
    return p;
  };
  for (let t = 0; t < opts.faultTicks; t++) step(true);
  for (let t = 0; t <= opts.calmTicks; t++) {
    if (isConverged(step(false)) && matchesSpec(c, desired) === undefined) {
      outcome.calmTicksUsed = t;
      return outcome;
    }
  }
  c.violations.push(`not converged within ${opts.calmTicks} calm ticks: ${matchesSpec(c, desired) ?? 'plan not idle'}`);
  return outcome;
}

function injectFault(rnd: Rng, c: FakeCluster): void {
  const ids = [...c.pods.keys()];
  if (ids.length === 0) return;
  const id = pick(rnd, ids);
  const voters = [...c.members].filter(([, r]) => isVoterRole(r)).map(([v]) => v);
  switch (int(rnd, 0, 4)) {
    case 0:
      c.log.push(`t${c.tick} FAULT pod ${id} deleted`);
      return c.killPod(id);
    case 1:
      c.log.push(`t${c.tick} FAULT member ${id} unready`);
      return c.makeUnready(id, int(rnd, 1, 8));
    case 2:
      c.log.push(`t${c.tick} FAULT member ${id} does not answer`);
      c.silent.add(id);
      return;
    case 4:
      c.log.push(`t${c.tick} FAULT pod ${id} evicted`);
      return c.evict(id);
    case 3:
      // Losing a volume is survivable only while every other voter is in step (else it is a quorum loss, which
      // needs a person: the unit tests cover it).
      if (voters.length >= 3 && voters.every((v) => c.ready(v))) {
        c.log.push(`t${c.tick} FAULT volume of ${id} lost`);
        c.loseVolume(id);
      }
      return;
  }
}
