import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../client/src/client.js';
import { QuotaExceededError } from '../../client/src/errors.js';
import { CreateMode } from '../../protocol/src/index.js';
import { apply, exists, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';
import { onBed } from './support/bed.js';
import { ClientLoad } from './support/load.js';
import {
  clientFor,
  clusterManifest,
  ClusterWatch,
  condition,
  configMembership,
  corralPod,
  getCluster,
  installOperator,
  memberPods,
  membersView,
  OPERATOR_NS,
  threeRegions,
  removeClustersAndOperator,
  waitReady,
} from './support/operator.js';
import { testImage } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// The operator on the bed, as a user drives it: kubectl apply of a CoordinationCluster, a real client through
// what the cluster publishes, pods deleted under it, the operator itself killed mid-work, quotas changed, and
// the cluster deleted under each reclaim policy. Times to Ready are printed (measured, not asserted).

const IMAGE = testImage;

describe('corral-operator', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    await installOperator();
    ns = await testNamespace('e2e-op');
  }, 300_000);
  afterAll(async () => {
    await removeClustersAndOperator(ns);
  }, 300_000);

  it('creates a three-region cluster with a never-leader tie-breaker that clients use through its connect string', async () => {
    const t0 = Date.now();
    await apply(threeRegions('geo'), ns.name);
    const cc = await waitReady(ns.name, 'geo');
    console.log(`[measure] kubectl apply -> Ready, 4 voters in 3 regions: ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    expect(cc.status.voters).toBe(4);
    expect(cc.status.readyVoters).toBe(4);
    expect(cc.status.members).toHaveLength(4);
    expect(condition(cc, 'Available')?.status).toBe('True');
    expect(cc.status.connectString).toBe(
      [1, 2, 3, 4].map((id) => `geo-${id}.geo-members.${ns.name}.svc.cluster.local:2181`).join(','),
    );
    const tie = cc.status.members.find((m: any) => m.group === 'tie');
    expect(tie.leaderEligible).toBe(false);
    expect(cc.status.leader).not.toBe(tie.name);

    // Placement: each group on its region's node.
    const pods = await memberPods(ns.name, 'geo');
    const nodes = await kubectlJson(['get', 'nodes']);
    const regionOf = new Map(nodes.items.map((n: any) => [n.metadata.name, n.metadata.labels['topology.kubernetes.io/region']]));
    for (const p of pods.values()) {
      const want = { east: 'region-1', west: 'region-2', tie: 'region-3' }[p.metadata.labels['corral.dev/group'] as string];
      expect(regionOf.get(p.spec.nodeName)).toBe(want);
    }

    // The never-leader says so itself, and so does the leader's view of it.
    const tiePod = pods.get(tie.serverId);
    const view = await membersView(tiePod.status.podIP);
    expect(view.members.find((m) => m.id === tie.serverId)).toMatchObject({ role: 'neverleader', never_leader: true, is_leader: false });

    // A real client inside the cluster writes through the published connect string (the members' DNS names);
    // one on the machine reads it back from each member in turn.
    await corralPod(ns.name, 'writer', IMAGE, ['--server', cc.status.connectString, 'create', '/hello', 'world']);
    for (const p of pods.values()) {
      const zk = await ZooKeeperClient.connect(`${p.status.podIP}:2181`, { connectTimeout: 15_000 });
      await zk.sync('/hello');
      expect((await zk.getData('/hello')).data?.toString()).toBe('world');
      await zk.close();
    }
  });

  it('recreates a deleted member pod with the same id and volume, without a reconfig', async () => {
    const zk = await clientFor(ns.name, 'geo');
    const before = await zk.getConfig();
    await zk.create('/kept', Buffer.from('data'), { mode: CreateMode.Persistent });
    await zk.close();
    const pods = await memberPods(ns.name, 'geo');
    const victim = pods.get(2);
    await kubectl(['delete', 'pod', '-n', ns.name, victim.metadata.name, '--wait=true']);
    await waitUntil('geo-2 recreated and ready', async () => {
      const p = (await memberPods(ns.name, 'geo')).get(2);
      return p && p.metadata.uid !== victim.metadata.uid && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
    }, { timeoutMs: 180_000 });
    const again = (await memberPods(ns.name, 'geo')).get(2);
    expect(again.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName).toBe('data-geo-2');
    // Its data came back with it: ask the recreated member alone.
    const direct = await ZooKeeperClient.connect(`${again.status.podIP}:2181`, { connectTimeout: 15_000 });
    expect((await direct.getData('/kept')).data?.toString()).toBe('data');
    const after = await direct.getConfig();
    await direct.close();
    expect(after.stat.version).toBe(before.stat.version);
    expect(after.config).toBe(before.config);
    await waitReady(ns.name, 'geo');
  });

  it('rolls a config change out one member at a time, the leader last, the never-leader never leading', async () => {
    const before = await memberPods(ns.name, 'geo');
    const tieId = [...before.values()].find((p) => p.metadata.labels['corral.dev/group'] === 'tie').metadata.labels['corral.dev/server-id'];
    // Revisions are per group (placement is part of the hash): compare each member with its own.
    const oldRevision = (id: number) => before.get(id)?.metadata.labels['corral.dev/revision'];
    // Watch leadership from every member while the roll runs.
    const watch = new ClusterWatch(ns.name, 'geo');
    const t0 = Date.now();
    await kubectl(['patch', 'coordinationcluster', 'geo', '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { config: { tickTime: '500', snapCount: '20000' } } })]);
    const pods = await waitUntil('every member at the new revision and ready', async () => {
      const now = await memberPods(ns.name, 'geo');
      const done = [...now.entries()].every(
        ([id, p]) => p.metadata.labels['corral.dev/revision'] !== oldRevision(id) && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
      );
      return done && now.size === 4 ? now : false;
    }, { timeoutMs: 300_000, intervalMs: 1000 });
    await waitReady(ns.name, 'geo');
    const { leaders } = await watch.stop();
    console.log(`[measure] rolling restart of 4 voters: ${((Date.now() - t0) / 1000).toFixed(1)} s; leaders seen: ${[...leaders].join(',')}`);
    // Each member replaced exactly once (a new pod, same volume), and the tie-breaker never led.
    for (const [id, p] of pods) {
      expect(p.metadata.uid).not.toBe(before.get(id).metadata.uid);
      expect(p.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName).toBe(`data-geo-${id}`);
    }
    expect(leaders.has(Number(tieId))).toBe(false);
    const events = await kubectlJson(['get', 'events', '-n', ns.name, '--field-selector', 'involvedObject.name=geo']);
    const restarts = events.items.filter((e: any) => e.reason === 'DeletePod' && /rolling restart/.test(e.message)).map((e: any) => e.message);
    expect(restarts).toHaveLength(4);
  });

  it('finishes creating a cluster after the operator is killed in the middle', async () => {
    await apply(clusterManifest('phoenix', { replicas: 3 }), ns.name);
    // Kill whichever replica leads as soon as it has started the work (the first pod exists).
    await waitUntil('phoenix work started', async () => (await memberPods(ns.name, 'phoenix')).size > 0, { timeoutMs: 120_000 });
    await kubectl(['delete', 'pods', '-n', OPERATOR_NS, '-l', 'app.kubernetes.io/name=corral-operator', '--wait=false', '--grace-period=0', '--force']);
    const cc = await waitReady(ns.name, 'phoenix', 300_000);
    expect(cc.status.readyVoters).toBe(3);
    expect([...(await memberPods(ns.name, 'phoenix')).keys()].sort()).toEqual([1, 2, 3]);
  });

  it('enforces the quotas of the spec and applies a changed quota', async () => {
    await kubectl(['patch', 'coordinationcluster', 'phoenix', '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { quotas: [{ path: '/tenant', maxNodes: 3 }] } })]);
    const zk = await clientFor(ns.name, 'phoenix');
    try {
      // /tenant itself counts: two children fit, the third is refused.
      await waitUntil('quota on /tenant applied', async () => (await zk.exists('/zookeeper/quota/tenant/zookeeper_limits')) !== null, { timeoutMs: 60_000 });
      await zk.create('/tenant/a', null, { mode: CreateMode.Persistent });
      await zk.create('/tenant/b', null, { mode: CreateMode.Persistent });
      await expect(zk.create('/tenant/c', null, { mode: CreateMode.Persistent })).rejects.toBeInstanceOf(QuotaExceededError);

      await kubectl(['patch', 'coordinationcluster', 'phoenix', '-n', ns.name, '--type=merge', '-p', JSON.stringify({ spec: { quotas: [{ path: '/tenant', maxNodes: 10 }] } })]);
      await waitUntil('raised quota applied', async () => {
        try {
          await zk.create('/tenant/c', null, { mode: CreateMode.Persistent });
          return true;
        } catch (err) {
          if (err instanceof QuotaExceededError) return false;
          throw err;
        }
      }, { timeoutMs: 60_000 });
    } finally {
      await zk.close();
    }
  });

  it('scales the voters 3 -> 5 -> 3 -> 5 through reconfig under client load, keeping the data and a clean volume for each newcomer', async () => {
    const cc = await waitReady(ns.name, 'phoenix');
    const zk = await clientFor(ns.name, 'phoenix');
    await zk.create('/scaled', Buffer.from('v'), { mode: CreateMode.Persistent });
    await zk.close();
    // The load's record is read from the bed's disk: on kind the scaling runs without it.
    const load = onBed ? await ClientLoad.start(ns.name, cc.status.connectString, 'load-scale') : undefined;
    for (const [replicas, ids] of [[5, [1, 2, 3, 4, 5]], [3, [1, 2, 3]], [5, [1, 2, 3, 4, 5]]] as const) {
      const t0 = Date.now();
      await kubectl(['scale', 'coordinationcluster', 'phoenix', '-n', ns.name, `--replicas=${replicas}`]);
      // Ready at the new size, and the departed members' pods and volumes gone (they go after the reconfig).
      const pvcNames = async () => (await kubectlJson(['get', 'pvc', '-n', ns.name, '-l', 'corral.dev/cluster=phoenix'])).items.map((p: any) => p.metadata.name).sort();
      await waitUntil(`phoenix at ${replicas} voters`, async () => {
        const cc = await getCluster(ns.name, 'phoenix');
        const ready = cc.status?.voters === replicas && cc.status?.readyVoters === replicas && condition(cc, 'Ready')?.status === 'True';
        return ready && (await memberPods(ns.name, 'phoenix')).size === replicas && (await pvcNames()).length === replicas;
      }, { timeoutMs: 300_000, intervalMs: 1000 });
      console.log(`[measure] kubectl scale to ${replicas} -> Ready, volumes settled: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // /zookeeper/config lists exactly the spec's voters, all of them participants.
      expect(Object.fromEntries(await configMembership(ns.name, 'phoenix'))).toEqual(Object.fromEntries(ids.map((id) => [id, 'participant'])));
      expect([...(await memberPods(ns.name, 'phoenix')).keys()].sort()).toEqual(ids);
      expect(await pvcNames()).toEqual(ids.map((id) => `data-phoenix-${id}`));
      const check = await clientFor(ns.name, 'phoenix');
      expect((await check.getData('/scaled')).data?.toString()).toBe('v');
      await check.close();
    }
    if (load) {
      const { report, lost } = await load.stopAndVerify(() => clientFor(ns.name, 'phoenix'));
      console.log(`[measure] load during 3 -> 5 -> 3 -> 5: ${ClientLoad.summary(report)}`);
      expect(lost).toEqual([]);
      expect(report.readMismatches).toEqual([]);
    }
    await kubectl(['scale', 'coordinationcluster', 'phoenix', '-n', ns.name, '--replicas=3']);
    await waitUntil('phoenix back at 3', async () => (await getCluster(ns.name, 'phoenix')).status?.voters === 3 && condition(await getCluster(ns.name, 'phoenix'), 'Ready')?.status === 'True', { timeoutMs: 300_000, intervalMs: 1000 });
  });

  it('keeps the volumes of a cluster deleted with Retain and removes them with Delete', async () => {
    // phoenix: default reclaimPolicy Retain.
    await kubectl(['delete', 'coordinationcluster', 'phoenix', '-n', ns.name, '--wait=true', '--timeout=120s']);
    await waitUntil('phoenix pods gone', async () => (await memberPods(ns.name, 'phoenix')).size === 0, { timeoutMs: 120_000 });
    const kept = await kubectlJson(['get', 'pvc', '-n', ns.name, '-l', 'corral.dev/cluster=phoenix']);
    expect(kept.items).toHaveLength(3);
    for (const pvc of kept.items) expect(pvc.metadata.ownerReferences ?? []).toEqual([]);

    await apply(clusterManifest('brief', { replicas: 1, storage: { size: '64Mi', reclaimPolicy: 'Delete' } }), ns.name);
    await waitReady(ns.name, 'brief');
    await kubectl(['delete', 'coordinationcluster', 'brief', '-n', ns.name, '--wait=true', '--timeout=120s']);
    await waitUntil('brief volumes gone', async () => !(await exists(['pvc', 'data-brief-1', '-n', ns.name])), { timeoutMs: 120_000 });
    expect((await getCluster(ns.name, 'brief').catch(() => undefined))).toBeUndefined();
  });
});
