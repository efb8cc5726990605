import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onBed, setNodeMode, tagImage, untagImage } from './support/bed.js';
import { apply, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';
import { ClientLoad } from './support/load.js';
import {
  clientFor,
  clusterEvents,
  ClusterWatch,
  condition,
  configMembership,
  getCluster,
  installOperator,
  memberPods,
  membersView,
  OPERATOR_NS,
  threeRegions,
  removeClustersAndOperator,
  waitReady,
} from './support/operator.js';
import { isReady, testImage } from './support/pods.js';
import { secondsSince, waitUntil } from './support/wait.js';

// Day-2 rolls on the bed, each under client load through the cluster's connect string (a pod writing and reading
// back; afterwards every acknowledged write must be in the ensemble): an image change, the operator killed in the
// middle of a roll, a member whose node goes NotReady during a roll, a Supervised roll waiting for approval of
// the leader's turn, and a group's leaderEligible flipped without restarts. One four-voter cluster in three
// regions (east: 1 and 2 on corral-node-1, west: 3 on corral-node-2, tie: the never-leader 4 on corral-node-3).
// Times are printed (measured, not asserted).

const CLUSTER = 'geo';
const TIE = 4;
const SECOND_IMAGE = `${testImage}-retagged`;
const REVISION = 'corral.dev/revision';


describe.skipIf(!onBed)('day-2 rolls under client load', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  let connectString: string;

  beforeAll(async () => {
    await installOperator();
    ns = await testNamespace('e2e-roll');
    await tagImage(testImage, SECOND_IMAGE);
    await apply(threeRegions(CLUSTER), ns.name);
    connectString = (await waitReady(ns.name, CLUSTER)).status.connectString;
  }, 300_000);
  afterAll(async () => {
    await setNodeMode('corral-node-3', 'ready').catch(() => {});
    await removeClustersAndOperator(ns);
    await untagImage(testImage, SECOND_IMAGE).catch(() => {});
  }, 300_000);

  /** The member that leads, by its own answer. */
  async function leader(): Promise<number> {
    return waitUntil('a leader', async () => {
      for (const p of (await memberPods(ns.name, CLUSTER)).values()) {
        const view = await membersView(p.status.podIP).catch(() => undefined);
        if (view?.self.server_state === 'leader') return view.self.id;
      }
      return undefined;
    }, { timeoutMs: 60_000 });
  }

  /** Waits until every member runs a revision other than the one it had in `before` and is ready, and the cluster is Ready. */
  async function waitRolled(before: Map<number, any>): Promise<Map<number, any>> {
    const pods = await waitUntil('every member restarted at the new revision and ready', async () => {
      const now = await memberPods(ns.name, CLUSTER);
      const done = now.size === before.size && [...now].every(([id, p]) => p.metadata.labels[REVISION] !== before.get(id).metadata.labels[REVISION] && isReady(p));
      return done ? now : false;
    }, { timeoutMs: 180_000, intervalMs: 1000 });
    await waitReady(ns.name, CLUSTER, 60_000);
    return pods;
  }

  /** What `kubectl corral restart` does: a new corral.dev/restartedAt annotation. */
  const restartRequest = () => ['annotate', 'coordinationcluster', CLUSTER, '-n', ns.name, '--overwrite', `corral.dev/restartedAt=${new Date().toISOString()}`];

  /** Starts client load and a watch, notes the pods and the leader, then runs the kubectl command that starts a roll. */
  async function startRoll(loadName: string, trigger: string[]) {
    const load = await ClientLoad.start(ns.name, connectString, loadName);
    const before = await memberPods(ns.name, CLUSTER);
    const leaderBefore = await leader();
    const watch = new ClusterWatch(ns.name, CLUSTER);
    const t0 = Date.now();
    await kubectl(trigger);
    return { load, before, leaderBefore, watch, t0 };
  }

  /**
   * The roll stays held: the operator plans the same wait twice more (its Event counts up; it plans again every few
   * seconds while waiting) and restarts nobody meanwhile.
   */
  async function expectHeld(watch: ClusterWatch, reason: string, message: string) {
    const restarted = watch.replacedOrder.length;
    const count = async () =>
      (await kubectlJson(['get', 'events', '-n', ns.name, '--field-selector', `involvedObject.name=${CLUSTER},reason=${reason}`])).items.find((e: any) => e.message === message)?.count ?? 0;
    const seen = await count();
    await waitUntil(`the operator planning "${message}" twice more`, async () => (await count()) >= seen + 2, { timeoutMs: 60_000 });
    expect(watch.replacedOrder.length).toBe(restarted);
  }

  /** The checks every roll shares: each member replaced once, the old leader last, the never-leader never led, no write lost. */
  async function checkRoll(what: string, t0: number, watch: ClusterWatch, load: ClientLoad, leaderBefore: number, pods: Map<number, any>) {
    await watch.stop();
    const { report, lost } = await load.stopAndVerify(() => clientFor(ns.name, CLUSTER));
    console.log(`[measure] ${what}: ${secondsSince(t0)}; restart order ${watch.replacedOrder.join(',')}; leaders ${watch.leaderSequence.join('->')}; load: ${ClientLoad.summary(report)}`);
    expect(Object.fromEntries(watch.incarnations())).toEqual({ 1: 2, 2: 2, 3: 2, 4: 2 });
    expect(watch.replacedOrder.at(-1), `restart order ${watch.replacedOrder}, leaders ${watch.leaderSequence.join('->')}`).toBe(leaderBefore);
    expect(watch.leaders.has(TIE)).toBe(false);
    for (const p of pods.values()) expect(p.status.containerStatuses[0].restartCount).toBe(0);
    expect(lost).toEqual([]);
    expect(report.readMismatches).toEqual([]);
    expect(report.acked.length).toBeGreaterThan(0);
    // Each step shows in status (Progressing names the member restarted or waited for) and as Events of this roll.
    const events = await clusterEvents(ns.name, CLUSTER, t0);
    const restarts = events.filter((e) => /^DeletePod: rolling restart: .* member \d+ \(revision \w+\)$/.test(e));
    expect(restarts.map((e) => Number(e.match(/member (\d+)/)![1])).sort()).toEqual([1, 2, 3, 4]);
    expect(events.some((e) => e.startsWith(`TransferLeadership: rolling restart: leader ${leaderBefore} restarts last: handing leadership to member`))).toBe(true);
    // A wait names its member ("member 3 is not ready ...") or members ("... waiting for 2, 4" while two are down).
    const waitsFor = (line: string, id: number) => new RegExp(`member ${id} |waiting for (\\d+, )*${id}\\b`).test(line);
    for (const id of [1, 2, 3, 4]) {
      expect(watch.progressing.some((l) => l.startsWith('True ') && waitsFor(l, id)), `Progressing named member ${id}: ${watch.progressing.join(' | ')}`).toBe(true);
      expect(events.some((e) => /^(RollingRestart|WaitingForMember|WaitingForQuorum): /.test(e) && waitsFor(e, id)), `a wait for member ${id} in ${events.join(' | ')}`).toBe(true);
    }
  }

  it('rolls an image change: each member once, the leader last after one handover, the never-leader never leading', async () => {
    const { load, before, leaderBefore, watch, t0 } = await startRoll('load-image', ['patch', 'coordinationcluster', CLUSTER, '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { image: SECOND_IMAGE } })]);
    const pods = await waitRolled(before);
    for (const p of pods.values()) expect(p.spec.containers[0].image).toBe(SECOND_IMAGE);
    await checkRoll('image change roll, 4 voters', t0, watch, load, leaderBefore, pods);
  });

  it('resumes a roll after the operator is killed in the middle, restarting no member twice', async () => {
    const { load, before, leaderBefore, watch, t0 } = await startRoll('load-kill', restartRequest());
    await waitUntil('the first member restarted', async () => watch.replacedOrder.length >= 1, { timeoutMs: 120_000 });
    const operators = await kubectlJson(['get', 'pods', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/name=corral-operator']);
    await kubectl(['delete', 'pods', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/name=corral-operator', '--wait=false', '--grace-period=0', '--force']);
    const pods = await waitRolled(before);
    // The roll finished under operator pods started after the kill.
    const now = await kubectlJson(['get', 'pods', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/name=corral-operator']);
    const old = new Set(operators.items.map((p: any) => p.metadata.uid));
    expect(now.items.some((p: any) => !old.has(p.metadata.uid))).toBe(true);
    await checkRoll('roll with the operator killed after the first restart', t0, watch, load, leaderBefore, pods);
  });

  it('holds a roll while a member is on a NotReady node, saying which member and why, and finishes once the node is back', async () => {
    const { load, before, leaderBefore, watch, t0 } = await startRoll('load-notready', restartRequest());
    // The never-leader restarts first (after observers, before followers); once it is back, its node goes NotReady.
    await waitUntil('the tie-breaker restarted and ready', async () => {
      const p = (await memberPods(ns.name, CLUSTER)).get(TIE);
      return p && p.metadata.uid !== before.get(TIE).metadata.uid && isReady(p);
    }, { timeoutMs: 120_000 });
    await setNodeMode('corral-node-3', 'notready');
    const why = `member ${TIE} is on a node that is not ready`;
    const held = await waitUntil('the roll waiting for the tie-breaker', async () => {
      const cc = await getCluster(ns.name, CLUSTER);
      const p = condition(cc, 'Progressing');
      return p?.status === 'True' && p.message === why ? cc : false;
    }, { timeoutMs: 120_000 });
    expect(condition(held, 'Progressing')!.reason).toBe('RollingRestart');
    expect(condition(held, 'Ready')).toMatchObject({ status: 'False', message: why });
    expect(condition(held, 'Degraded')).toMatchObject({ status: 'True', reason: 'MembersUnavailable', message: why });
    await expectHeld(watch, 'RollingRestart', why);
    await setNodeMode('corral-node-3', 'ready');
    const pods = await waitRolled(before);
    await checkRoll('roll held by a NotReady node', t0, watch, load, leaderBefore, pods);
  });

  it('Supervised: restarts the followers, waits for approval of the leader, then finishes', async () => {
    await kubectl(['patch', 'coordinationcluster', CLUSTER, '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { type: 'Supervised' } } })]);
    await waitReady(ns.name, CLUSTER, 60_000);
    const { load, before, leaderBefore, watch, t0 } = await startRoll('load-supervised', restartRequest());
    const awaiting = await waitUntil('the roll awaiting approval of the leader', async () => {
      const p = condition(await getCluster(ns.name, CLUSTER), 'Progressing');
      return p?.reason === 'AwaitingLeaderRestartApproval' ? p : false;
    }, { timeoutMs: 180_000 });
    expect(awaiting.message).toContain(`leader ${leaderBefore}`);
    expect(Object.fromEntries(watch.incarnations())).toEqual({ 1: 2, 2: 2, 3: 2, 4: 2, [leaderBefore]: 1 });
    expect(await clusterEvents(ns.name, CLUSTER)).toContain(`AwaitingLeaderRestartApproval: ${awaiting.message}`);
    await expectHeld(watch, 'AwaitingLeaderRestartApproval', awaiting.message);
    // Approve as status says: the annotation it names, with the leader's revision.
    const approval = awaiting.message.match(/annotate the cluster with (corral\.dev\/approve-leader-restart=\w+)$/)![1]!;
    await kubectl(['annotate', 'coordinationcluster', CLUSTER, '-n', ns.name, '--overwrite', approval]);
    const pods = await waitRolled(before);
    await checkRoll('Supervised roll (approved after two more plans)', t0, watch, load, leaderBefore, pods);
  });

  it("changes a group's leaderEligible through reconfig, handing leadership over first, without restarting anyone", async () => {
    const load = await ClientLoad.start(ns.name, connectString, 'load-role');
    const watch = new ClusterWatch(ns.name, CLUSTER);
    const groups = (tieEligible: boolean) => {
      const spec = JSON.parse(threeRegions(CLUSTER)).spec;
      spec.groups[2].leaderEligible = tieEligible;
      return JSON.stringify({ spec: { groups: spec.groups } });
    };
    const t0 = Date.now();
    await kubectl(['patch', 'coordinationcluster', CLUSTER, '-n', ns.name, '--type=merge', '-p', groups(true)]);
    await waitReady(ns.name, CLUSTER, 120_000);
    expect((await configMembership(ns.name, CLUSTER)).get(TIE)).toBe('participant');
    const promoted = secondsSince(t0);
    // Hand leadership to the tie-breaker while it may lead; taking the role away must move leadership off it first.
    const from = await leader();
    const pods = await memberPods(ns.name, CLUSTER);
    const res = await fetch(`http://${pods.get(from).status.podIP}:8080/commands/transfer_leadership?to=${TIE}`, { signal: AbortSignal.timeout(20_000) });
    expect(res.ok).toBe(true);
    await waitUntil('the tie-breaker leading', async () => (await leader()) === TIE, { timeoutMs: 30_000 });
    const t1 = Date.now();
    await kubectl(['patch', 'coordinationcluster', CLUSTER, '-n', ns.name, '--type=merge', '-p', groups(false)]);
    await waitReady(ns.name, CLUSTER, 120_000);
    const membership = await configMembership(ns.name, CLUSTER);
    expect(Object.fromEntries(membership)).toEqual({ 1: 'participant', 2: 'participant', 3: 'participant', 4: 'neverleader' });
    expect(await leader()).not.toBe(TIE);
    const view = await membersView((await memberPods(ns.name, CLUSTER)).get(TIE).status.podIP);
    expect(view.members.find((m) => m.id === TIE)).toMatchObject({ role: 'neverleader', never_leader: true, is_leader: false });
    await watch.stop();
    const { report, lost } = await load.stopAndVerify(() => clientFor(ns.name, CLUSTER));
    expect(lost).toEqual([]);
    console.log(`[measure] tie-breaker made leader-eligible: ${promoted}; made a never-leader again while leading: ${secondsSince(t1)}; load: ${ClientLoad.summary(report)}`);
    expect(Object.fromEntries(watch.incarnations())).toEqual({ 1: 1, 2: 1, 3: 1, 4: 1 });
    const events = await clusterEvents(ns.name, CLUSTER);
    expect(events).toContain(`Reconfig: making member ${TIE} a participant`);
    expect(events).toContain(`Reconfig: making member ${TIE} a neverleader`);
    expect(events.some((e) => e.startsWith(`TransferLeadership: leader ${TIE} becomes a never-leader: handing leadership to member`))).toBe(true);
  });
});
