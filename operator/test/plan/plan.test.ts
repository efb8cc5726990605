// The planner's orders of work, driven against the fake cluster: bootstrap, rolling restarts, scaling through
// reconfig, members crashing or vanishing, quorum loss and recovery, deletion.
import { describe, expect, it } from 'vitest';
import { plan } from '../../src/plan/plan.js';
import type { Action, Plan } from '../../src/plan/types.js';
import { converge, reconcile } from './driver.js';
import { actionSummary, FakeCluster, STEADY } from './fake-cluster.js';
import { desiredCluster, withRevision } from './fixtures.js';

/** The seed case: two regions with voters that may lead, a tie-breaker in a third that votes but never leads. */
const SEED = desiredCluster([
  { name: 'east', voters: 2 },
  { name: 'west', voters: 1 },
  { name: 'tie', voters: 1, leaderEligible: false },
]);

const three = desiredCluster([{ voters: 3 }]);

const all = (plans: Plan[]): Action[] => plans.flatMap((p) => p.actions);
const steps = (plans: Plan[], kinds: Action['kind'][]): string[] =>
  all(plans)
    .filter((a) => kinds.includes(a.kind) && (a.kind !== 'deletePod' || a.purpose === 'restart'))
    .map((a) => `${a.kind} ${actionSummary(a)}`);
const waitsOf = (plans: Plan[]): string[] => plans.flatMap((p) => p.waits.map((w) => w.reason));
const condition = (p: Plan, type: string) => p.status.conditions.find((c) => c.type === type)!;

function running(desired = SEED): FakeCluster {
  const c = new FakeCluster();
  converge(c, desired);
  c.log.length = 0;
  return c;
}

describe('bootstrap', () => {
  it('creates every member at once, all from one membership, and the never-leader never leads', () => {
    const c = new FakeCluster();
    const plans = converge(c, SEED);
    const first = plans[0]!.actions;
    expect(first.map((a) => a.kind)).toEqual([
      'addFinalizer',
      'ensureObject',
      'ensureObject',
      'ensureObject',
      'ensureObject',
      'ensureConfigMap',
      ...[1, 2, 3, 4].map(() => 'createPvc'),
      ...[1, 2, 3, 4].map(() => 'createPod'),
    ]);
    const pods = first.filter((a) => a.kind === 'createPod');
    expect(pods.map((a) => a.group)).toEqual(['east', 'east', 'west', 'tie']);
    const initial = [
      { serverId: 1, role: 'participant' },
      { serverId: 2, role: 'participant' },
      { serverId: 3, role: 'participant' },
      { serverId: 4, role: 'neverleader' },
    ];
    for (const p of pods) expect(p.initialMembers).toEqual(initial);
    expect(c.violations).toEqual([]);
    expect(c.leaders).not.toContain(4);

    const status = plans.at(-1)!.status;
    expect(status).toMatchObject({ voters: 4, readyVoters: 4, replicas: 4, leader: `zk-${c.leader}` });
    expect(status.members.map((m) => [m.serverId, m.group, m.role, m.leaderEligible, m.ready])).toEqual([
      [1, 'east', 'participant', true, true],
      [2, 'east', 'participant', true, true],
      [3, 'west', 'participant', true, true],
      [4, 'tie', 'participant', false, true],
    ]);
    expect(status.connectString.split(',')[3]).toBe('zk-4.zk-members.ns.svc.cluster.local:2181');
    expect(condition(plans.at(-1)!, 'Ready').status).toBe('True');
  });

  it('resumes after the operator dies mid-way, from the volumes it created, never mixing memberships', () => {
    for (let crashAfter = 0; crashAfter < 14; crashAfter++) {
      const c = new FakeCluster();
      reconcile(c, SEED, crashAfter);
      // The spec changes before the next operator starts: the volumes already created fix the bootstrap.
      const bigger = desiredCluster([{ name: 'east', voters: 3 }, { name: 'west', voters: 1 }, { name: 'tie', voters: 1, leaderEligible: false }]);
      converge(c, bigger, 200);
      expect(c.violations, `crash after ${crashAfter}`).toEqual([]);
      expect([...c.members.values()].filter((r) => r !== 'observer')).toHaveLength(5);
    }
  });
});

describe('rolling restart', () => {
  it('restarts observers, never-leaders, followers, then the leader after one handover; each member once', () => {
    const desired = desiredCluster([
      { name: 'east', voters: 2, observers: 1 },
      { name: 'west', voters: 1 },
      { name: 'tie', voters: 1, leaderEligible: false },
    ]);
    const c = running(desired);
    const leader = c.leader!;
    const leadersBefore = c.leaders.length;
    const plans = converge(c, withRevision(desired, 'r2'));
    const order = steps(plans, ['deletePod', 'transferLeadership']);
    // ids: east voters 1, 2 and observer 3; west 4; tie 5
    const followers = [1, 2, 4].filter((id) => id !== leader);
    const to = Number(order.at(-2)!.split('->')[1]);
    expect(order).toEqual([
      'deletePod 3 restart',
      'deletePod 5 restart',
      ...followers.map((id) => `deletePod ${id} restart`),
      `transferLeadership ${leader}->${to}`,
      `deletePod ${leader} restart`,
    ]);
    if (leader === 1 || leader === 2) expect(to).toBe(leader === 1 ? 2 : 1); // same region preferred
    expect(c.leaders.length - leadersBefore).toBe(1);
    expect(c.violations).toEqual([]);
    expect([...c.restarts.values()].every((n) => n === 1)).toBe(true);
    expect(waitsOf(plans)).toContain('RollingRestart'); // waits for each restarted member to be back in step
    // A roll is progress, not a fault: never Degraded, and Ready again at the end.
    for (const p of plans) expect(condition(p, 'Degraded').status).toBe('False');
    expect(plans.slice(0, -1).every((p) => condition(p, 'Ready').status === 'False')).toBe(true);
    expect(condition(plans[0]!, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingRestart' });
  });

  it('restarts a member that is not ready first, and an unready member at the new revision holds the roll', () => {
    const c = running();
    const stuck = c.leader === 3 ? 2 : 3;
    c.crash(stuck);
    const p = reconcile(c, withRevision(SEED, 'r2'));
    expect(p.actions.map(actionSummary)).toEqual([`${stuck} restart`]);
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'MembersUnavailable', message: `member ${stuck} is not ready after 1 container restarts` });
    while (!(c.pods.get(stuck)?.revision === 'r2' && c.running(stuck))) {
      c.advance();
      reconcile(c, withRevision(SEED, 'r2'));
    }
    c.makeUnready(stuck, 10);
    const held = reconcile(c, withRevision(SEED, 'r2'));
    expect(held.actions).toEqual([]);
    expect(held.waits).toMatchObject([{ reason: 'RollingRestart', serverId: stuck }]);
    expect(condition(held, 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingRestart' });
    converge(c, withRevision(SEED, 'r2'));
    expect(c.violations).toEqual([]);
  });

  it('waits for a member whose node is not ready instead of deleting its pod, and says why', () => {
    const c = running();
    const stuck = c.leader === 3 ? 2 : 3;
    c.makeUnready(stuck, 6);
    const d = withRevision(SEED, 'r2');
    const held = reconcile(c, d);
    expect(held.actions).toEqual([]);
    expect(held.waits).toEqual([{ reason: 'RollingRestart', message: `member ${stuck} is on a node that is not ready`, serverId: stuck }]);
    expect(condition(held, 'Ready')).toMatchObject({ status: 'False', reason: 'RollingRestart', message: held.waits[0]!.message });
    converge(c, d);
    expect(c.violations).toEqual([]);
    expect([...c.restarts.values()].every((n) => n === 1)).toBe(true);
  });

  it('resumes after the operator dies at any point without restarting a member twice', () => {
    for (let crashAt = 0; crashAt < 30; crashAt++) {
      const c = running();
      const d = withRevision(SEED, 'r2');
      for (let i = 0; i < crashAt; i++) {
        reconcile(c, d);
        c.advance();
      }
      reconcile(c, d, 0); // dies before acting or recording status
      converge(c, d);
      expect(c.violations).toEqual([]);
      expect([...c.restarts.values()].every((n) => n === 1), `crash at ${crashAt}: ${[...c.restarts]}`).toBe(true);
    }
  });

  it('Supervised: restarts the followers, then waits for approval of the leader', () => {
    const c = running();
    const d = { ...withRevision(SEED, 'r2'), updateStrategy: 'Supervised' as const };
    let p: Plan | undefined;
    for (let i = 0; i < 40 && p?.waits[0]?.reason !== 'AwaitingLeaderRestartApproval'; i++) {
      p = reconcile(c, d);
      c.advance();
    }
    expect(p!.waits).toMatchObject([{ reason: 'AwaitingLeaderRestartApproval', serverId: c.leader }]);
    // Status tells the user how to approve: the annotation and the value it takes.
    expect(p!.waits[0]!.message).toBe(`every member but leader ${c.leader} runs revision r2; to restart the leader, annotate the cluster with corral.dev/approve-leader-restart=r2`);
    expect(condition(p!, 'Progressing')).toMatchObject({ status: 'True', reason: 'AwaitingLeaderRestartApproval', message: p!.waits[0]!.message });
    expect(c.restarts.size).toBe(3);
    converge(c, { ...d, leaderRestartApproved: 'r2' });
    expect(c.restarts.size).toBe(4);
    expect(c.violations).toEqual([]);
  });
});

describe('scaling through reconfig', () => {
  const voters = (n: number) => desiredCluster([{ voters: n }]);

  it('waits while voters answer with another membership than the leader, naming them', () => {
    const c = running(voters(3));
    const observed = c.observe();
    const followers = [1, 2, 3].filter((id) => id !== c.leader);
    // Both followers still report a server 4 the leader no longer lists (their views lag the leader's).
    observed.probes = observed.probes.map((p) =>
      p.answered && followers.includes(p.serverId)
        ? { ...p, members: [...p.members, { id: 4, role: 'participant', isLeader: false, lag: null, connected: false, sync: null, change: null }] }
        : p,
    );
    const p = plan(voters(3), observed, new Date());
    expect(p.actions.filter((a) => a.kind === 'reconfig' || a.kind === 'deletePod' || a.kind === 'deletePvc')).toEqual([]);
    expect(p.waits).toEqual([
      { reason: 'MembershipChangeInFlight', message: `members ${followers.join(', ')} do not answer with the leader's membership yet`, serverId: followers[0] },
    ]);
  });

  it('3→5→3→5: joiners start first and are added one at a time; removal by reconfig, then pod and volume', () => {
    const c = new FakeCluster({ ...STEADY, catchUpDelay: () => 3 });
    converge(c, voters(3));
    const up = converge(c, voters(5));
    const adds = all(up).filter((a) => ['createPvc', 'createPod', 'reconfig'].includes(a.kind)).map((a) => `${a.kind} ${actionSummary(a)}`);
    expect(adds).toEqual(['createPvc 4', 'createPvc 5', 'createPod 4', 'createPod 5', 'reconfig add 4 participant', 'reconfig add 5 participant']);
    expect(waitsOf(up)).toContain('WaitingForJoiner');
    expect(waitsOf(up)).toContain('MembershipChangeInFlight');
    // Waiting on a change in flight names the server it waits for, in the wait and in status.
    const inFlight = up.filter((p) => p.waits[0]?.reason === 'MembershipChangeInFlight');
    expect(inFlight.map((p) => p.waits[0]!.message)).toContain('membership change in flight: server 4 joining (being caught up)');
    for (const p of inFlight) {
      expect(p.waits[0]!.serverId).toBeTypeOf('number');
      expect(condition(p, 'Progressing').message).toBe(p.waits[0]!.message);
    }
    for (const p of up) expect(p.actions.filter((a) => a.kind === 'reconfig').length).toBeLessThanOrEqual(1);

    const down = converge(c, voters(3));
    const removal = all(down).filter((a) => ['reconfig', 'deletePod', 'deletePvc'].includes(a.kind)).map((a) => `${a.kind} ${actionSummary(a)}`);
    expect(c.leader).toBe(1); // the fake elects the lowest id among equals; the leader is kept
    for (const id of [4, 5]) {
      const at = (x: string) => removal.indexOf(x);
      expect(at(`reconfig remove ${id}`)).toBeGreaterThanOrEqual(0);
      expect(at(`reconfig remove ${id}`)).toBeLessThan(at(`deletePod ${id} cleanup`));
      expect(at(`deletePod ${id} cleanup`)).toBeLessThan(at(`deletePvc ${id}`));
    }
    expect([...c.members.keys()].sort()).toHaveLength(3);
    expect(c.pvcs.size).toBe(3);

    converge(c, voters(5));
    expect(c.members.size).toBe(5);
    expect(c.violations).toEqual([]);
  });

  it('a leader that leaves hands over first', () => {
    const d = desiredCluster([{ name: 'a', voters: 1 }, { name: 'b', voters: 1 }, { name: 'c', voters: 1 }]);
    const c = running(d);
    expect(c.leader).toBe(1);
    const plans = converge(c, { ...d, groups: d.groups.map((g) => (g.name === 'a' ? { ...g, voters: 0 } : g)) });
    const order = steps(plans, ['reconfig', 'transferLeadership']);
    expect(order).toEqual([expect.stringMatching(/^transferLeadership 1->[23]$/), 'reconfig remove 1']);
    expect([...c.members.keys()].sort()).toEqual([2, 3]);
    expect(c.violations).toEqual([]);
  });

  it('removes departing members that crashed without their answer', () => {
    const c = running(voters(5));
    expect(c.leader).toBe(1);
    for (const id of [4, 5]) c.crash(id);
    const plans = converge(c, voters(3));
    expect(steps(plans, ['reconfig'])).toEqual(['reconfig remove 4', 'reconfig remove 5']);
    expect([...c.members.keys()].sort()).toEqual([1, 2, 3]);
    expect([...c.pods.keys()].sort()).toEqual([1, 2, 3]);
    expect(c.violations).toEqual([]);
  });

  it('changing a group to never-leader is a role change, after the leader handed over', () => {
    const d = desiredCluster([{ name: 'a', voters: 1 }, { name: 'b', voters: 1 }, { name: 'c', voters: 1 }]);
    const c = running(d);
    const leaderGroup = ['a', 'b', 'c'][c.leader! - 1]!;
    const flipped = { ...d, groups: d.groups.map((g) => (g.name === leaderGroup ? { ...g, leaderEligible: false } : g)) };
    const leader = c.leader!;
    const plans = converge(c, flipped);
    const order = steps(plans, ['reconfig', 'transferLeadership', 'deletePod']);
    expect(order).toHaveLength(2);
    expect(order[0]).toMatch(new RegExp(`^transferLeadership ${leader}->`));
    expect(order[1]).toBe(`reconfig setRole ${leader} neverleader`);
    expect(c.members.get(leader)).toBe('neverleader');
    // Status calls each step what it is: a handover, then a role change (not a scaling).
    const progressing = plans.map((p) => condition(p, 'Progressing')).filter((c) => c.status === 'True').map((c) => `${c.reason}: ${c.message}`);
    expect(progressing).toContain(`ChangingRole: making member ${leader} a neverleader`);
    expect(progressing.some((l) => l.startsWith(`TransferringLeadership: leader ${leader} becomes a never-leader: handing leadership to member`))).toBe(true);
    expect(c.violations).toEqual([]);
  });
});

describe('members that vanish', () => {
  it('a deleted pod comes back with the same id and volume, without a reconfig', () => {
    const c = running();
    const victim = c.leader === 2 ? 3 : 2;
    c.killPod(victim);
    c.advance();
    const plans = converge(c, SEED);
    expect(all(plans).map((a) => `${a.kind} ${actionSummary(a)}`)).toEqual([`createPod ${victim}`]);
    expect(c.violations).toEqual([]);
  });

  it('a member that lost its volume rejoins empty while a quorum serves', () => {
    const c = running();
    const victim = c.leader === 2 ? 3 : 2;
    c.loseVolume(victim);
    c.advance();
    const plans = converge(c, SEED);
    expect(steps(plans, ['createPvc', 'createPod', 'reconfig'])).toEqual([`createPvc ${victim}`, `createPod ${victim}`]);
    expect(c.violations).toEqual([]);
  });
});

describe('quorum loss', () => {

  it('pods gone but volumes kept: recreated, the ensemble comes back by itself', () => {
    const c = running(three);
    for (const id of [1, 2, 3]) c.killPod(id);
    c.advance();
    const plans = converge(c, three);
    expect(steps(plans, ['createPod', 'reconfig', 'createPvc'])).toEqual(['createPod 1', 'createPod 2', 'createPod 3']);
    expect(c.violations).toEqual([]);
  });

  it('pods evicted (phase Failed) are replaced, even while the quorum is lost', () => {
    const c = running(three);
    c.evict(2);
    c.evict(3);
    const p = reconcile(c, three);
    expect(p.actions.map((a) => `${a.kind} ${actionSummary(a)}`)).toEqual(['deletePod 2 replace', 'deletePod 3 replace']);
    c.advance();
    c.advance();
    converge(c, three);
    expect([...c.restarts.values()]).toEqual([]);
    expect(c.violations).toEqual([]);
  });

  it('two of three volumes lost: Degraded, nothing disruptive, no empty voter; recovery only on request', () => {
    const c = running(three);
    const survivor = c.leader!;
    const lost = [1, 2, 3].filter((id) => id !== survivor);
    for (const id of lost) c.loseVolume(id);
    let p!: Plan;
    for (let i = 0; i < 10; i++) {
      c.advance();
      p = reconcile(c, three);
      expect(p.actions.filter((a) => a.kind !== 'createPod' || a.serverId === survivor)).toEqual([]);
    }
    expect(condition(p, 'Degraded')).toMatchObject({ status: 'True', reason: 'QuorumLost' });
    expect(condition(p, 'Available').status).toBe('False');
    expect(condition(p, 'Progressing')).toMatchObject({ status: 'False', reason: 'QuorumLost' });
    expect(p.waits.find((w) => w.reason === 'QuorumLost')!.message).toContain(`rebuild from member ${survivor}`);

    const zxid = `0x${c.pvcs.get(survivor)!.zxid.toString(16)}`;
    const requested = { ...three, recoveryRequest: 'please' };
    const recover = reconcile(c, requested);
    expect(recover.actions).toMatchObject([{ kind: 'recoverQuorum', survivor, zxid, lost }]);
    expect(recover.status.recovery).toMatchObject({ request: 'please', survivor, zxid });
    c.advance();
    converge(c, requested);
    expect(c.members.size).toBe(3);
    expect(c.members.has(survivor)).toBe(true);
    expect(c.violations).toEqual([]);
    // The request left in place is not acted on again.
    for (const id of c.members.keys()) if (id !== survivor) c.loseVolume(id);
    c.advance();
    c.advance();
    expect(reconcile(c, requested).actions.some((a) => a.kind === 'recoverQuorum')).toBe(false);
  });
});

describe('quorum-loss recovery', () => {
  /** Three voters, two of them lost with their volumes; the planner waits with QuorumLost. */
  function lostTwo(): { c: FakeCluster; survivor: number; lost: number[] } {
    const c = running(three);
    const survivor = c.leader!;
    const lost = [1, 2, 3].filter((id) => id !== survivor);
    for (const id of lost) c.loseVolume(id);
    for (let i = 0; i < 4; i++) {
      c.advance();
      reconcile(c, three);
    }
    return { c, survivor, lost };
  }
  const requested = { ...three, recoveryRequest: '2025-01-01T00:00:00Z' };

  it('grows back to the spec through reconfig with fresh volumes, the lost members never running on their old ones', () => {
    const { c, survivor } = lostTwo();
    const zxid = c.pvcs.get(survivor)!.zxid;
    const plans = converge(c, requested);
    expect(c.recoveries).toBe(1);
    const joined = [...c.members.keys()].filter((id) => id !== survivor).sort((a, b) => a - b);
    expect(steps(plans, ['recoverQuorum', 'reconfig'])).toEqual([`recoverQuorum from ${survivor}`, ...joined.map((id) => `reconfig add ${id} participant`)]);
    expect([...c.members.keys()].sort()).toHaveLength(3);
    expect(c.members.has(survivor)).toBe(true);
    expect(c.committedZxid).toBeGreaterThanOrEqual(zxid);
    expect(plans.at(-1)!.status.recovery).toMatchObject({ request: requested.recoveryRequest, survivor, zxid: `0x${zxid.toString(16)}` });
    expect(c.violations).toEqual([]);
  });

  it('an operator restart at any step of the recovery plan: carried out once, converging to the spec', () => {
    const { c: probe } = lostTwo();
    const actions = plan(requested, probe.observe(), new Date()).actions.length;
    for (let crashAfter = 0; crashAfter <= actions; crashAfter++) {
      const { c, survivor } = lostTwo();
      reconcile(c, requested, crashAfter);
      c.advance();
      const plans = converge(c, requested);
      expect(c.recoveries, `crash after ${crashAfter}`).toBe(1);
      expect(c.members.size).toBe(3);
      expect(c.members.has(survivor)).toBe(true);
      expect(plans.at(-1)!.status.recovery?.request).toBe(requested.recoveryRequest);
      expect(c.violations, `crash after ${crashAfter}`).toEqual([]);
    }
  });

  it('the survivor not answering after the fencing: the action is repeated on the next plan, and recovers once', () => {
    const { c, survivor } = lostTwo();
    c.recoveryCallsFailing = 2;
    const first = reconcile(c, requested);
    expect(first.actions.map((a) => a.kind)).toContain('recoverQuorum');
    expect(c.status?.recovery).toBeUndefined(); // the failed reconcile recorded nothing
    c.advance();
    const second = reconcile(c, requested);
    expect(second.actions).toMatchObject([{ kind: 'recoverQuorum', survivor }]);
    c.advance();
    converge(c, requested);
    expect(c.recoveries).toBe(1);
    expect(c.members.size).toBe(3);
    expect(c.violations).toEqual([]);
  });

  it('one recovery per request value: the same value left in place is not acted on again, a new one is', () => {
    const { c } = lostTwo();
    converge(c, requested);
    const again = c.leader!;
    for (const id of c.members.keys()) if (id !== again) c.loseVolume(id);
    for (let i = 0; i < 4; i++) {
      c.advance();
      expect(reconcile(c, requested).actions.some((a) => a.kind === 'recoverQuorum')).toBe(false);
    }
    converge(c, { ...three, recoveryRequest: 'second' });
    expect(c.recoveries).toBe(2);
    expect(c.members.size).toBe(3);
    expect(c.violations).toEqual([]);
  });
});

describe('quotas and connection limits', () => {
  it('applies, corrects drift, and removes what left the spec (only what it manages)', () => {
    const d = desiredCluster([{ voters: 3 }], {
      quotas: [{ path: '/a', maxNodes: 10 }, { path: '/b', maxBytes: 100 }],
      connectionLimits: { perClientAddress: 10, total: 100 },
    });
    const c = running(d);
    expect([...c.quotas.keys()].sort()).toEqual(['/a', '/b']);
    expect([...c.pods.values()].every((p) => p.limits.perClientAddress === 10 && p.limits.total === 100)).toBe(true);
    c.quotas.set('/a', { path: '/a', maxNodes: 99 });
    c.quotas.set('/mine', { path: '/mine', maxNodes: 1 });
    const next = { ...d, quotas: [{ path: '/a', maxNodes: 10 }] };
    const plans = converge(c, next);
    expect(all(plans).filter((a) => a.kind === 'setQuota' || a.kind === 'removeQuota').map((a) => a.kind === 'setQuota' ? `set ${a.quota.path}` : `remove ${a.path}`))
      .toEqual(['set /a', 'remove /b']);
    expect([...c.quotas.keys()].sort()).toEqual(['/a', '/mine']);
    expect(plans.at(-1)!.status.quotaPaths).toEqual(['/a']);
  });
});

describe('deletion', () => {
  it('Retain releases the volumes, Delete deletes them, then the finalizer goes', () => {
    for (const reclaimPolicy of ['Retain', 'Delete'] as const) {
      const c = running();
      const p = plan({ ...SEED, deleting: true, reclaimPolicy }, c.observe(), new Date(0));
      const kind = reclaimPolicy === 'Retain' ? 'releasePvc' : 'deletePvc';
      expect(p.actions.map((a) => a.kind)).toEqual([kind, kind, kind, kind, 'removeFinalizer']);
      expect(condition(p, 'Ready').status).toBe('False');
    }
  });
});
