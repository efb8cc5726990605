import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../client/src/client.js';
import { apply, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';
import { condition, getCluster, installOperator, memberPods, membersView, removeClustersAndOperator, waitReady } from './support/operator.js';
import { testImage } from './support/pods.js';
import { KubectlPlugin } from './support/plugin.js';
import { secondsSince, waitUntil } from './support/wait.js';

// Quorum loss and its recovery, as a user lives it: two of three members lost with their volumes (PVCs deleted,
// then pods), the operator reporting Degraded/QuorumLost with an Event and not recreating empty voters that could
// outvote the survivor's data, then `kubectl annotate cc ... corral.dev/recover-quorum=<ts>`: the operator fences
// the lost members, rebuilds the ensemble from the survivor, and grows it back to three voters through reconfig.
// `kubectl corral recover-quorum` refuses while the quorum serves; `kubectl corral status` shows the recovery.
// Times from the loss to Degraded and from the annotation to Ready are printed (measured, not asserted).

const NAME = 'ql';
const WRITES = 25;

/** The events recorded on the cluster with `reason`, newest last. */
async function clusterEvents(ns: string, reason: string): Promise<Array<{ type: string; message: string }>> {
  const list = await kubectlJson(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${NAME},reason=${reason}`]);
  return list.items.map((e: any) => ({ type: e.type, message: e.message }));
}


describe('quorum loss and recovery', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  const plugin = new KubectlPlugin();
  beforeAll(async () => {
    await installOperator();
    ns = await testNamespace('e2e-ql');
  }, 300_000);
  afterAll(async () => {
    await removeClustersAndOperator(ns);
    plugin.remove();
  }, 300_000);

  it('two of three members lost with their volumes: Degraded, then rebuilt from the survivor on request', async () => {
    await apply(
      JSON.stringify({
        apiVersion: 'corral.dev/v1alpha1',
        kind: 'CoordinationCluster',
        metadata: { name: NAME },
        spec: { image: testImage, replicas: 3, storage: { size: '64Mi', reclaimPolicy: 'Delete' }, config: { tickTime: '500' } },
      }),
      ns.name,
    );
    const ready = await waitReady(ns.name, NAME);
    const leader = Number(/-(\d+)$/.exec(ready.status.leader)![1]);
    // The survivor is a follower: the leader goes with the lost members.
    const survivor = [1, 2, 3].find((id) => id !== leader)!;
    const lost = [1, 2, 3].filter((id) => id !== survivor);
    const pods = await memberPods(ns.name, NAME);
    const survivorIP = pods.get(survivor).status.podIP as string;

    // Writes through the ensemble, then read back on the survivor after a sync: it holds every one of them.
    const zk = await ZooKeeperClient.connect([...pods.values()].map((p) => `${p.status.podIP}:2181`).join(','), { connectTimeout: 15_000 });
    for (let i = 0; i < WRITES; i++) await zk.create(`/before-${i}`, Buffer.from(String(i)));
    await zk.close();
    const direct = await ZooKeeperClient.connect(`${survivorIP}:2181`, { connectTimeout: 15_000 });
    await direct.sync('/');
    expect((await direct.getData(`/before-${WRITES - 1}`)).data?.toString()).toBe(String(WRITES - 1));
    await direct.close();

    // While the quorum serves, kubectl corral refuses to ask for a recovery.
    const early = await plugin.run(['recover-quorum', NAME, '-n', ns.name]);
    expect([early.code, early.stderr]).toEqual([1, expect.stringContaining('has a serving quorum')]);

    // Lost: the claims first (each stays until its pod is gone), so the operator never recreates a pod on them.
    const t0 = Date.now();
    await kubectl(['delete', 'pvc', '-n', ns.name, '--wait=false', ...lost.map((id) => `data-${NAME}-${id}`)]);
    await kubectl(['delete', 'pod', '-n', ns.name, '--wait=false', ...lost.map((id) => `${NAME}-${id}`)]);
    const degraded = await waitUntil('Degraded with QuorumLost', async () => {
      const cc = await getCluster(ns.name, NAME);
      const d = condition(cc, 'Degraded');
      return d?.status === 'True' && d.reason === 'QuorumLost' ? cc : false;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    console.log(`[measure] two of three members and volumes deleted -> Degraded (QuorumLost): ${secondsSince(t0)}`);
    expect(condition(degraded, 'Available')?.status).toBe('False');
    expect(condition(degraded, 'Degraded')?.message).toContain(`to rebuild from member ${survivor}`);
    const lostEvents = await waitUntil('a QuorumLost event', async () => {
      const events = await clusterEvents(ns.name, 'QuorumLost');
      return events.length > 0 ? events : false;
    }, { timeoutMs: 30_000 });
    expect(lostEvents[0]!.type).toBe('Warning');
    // Nothing came back empty in the lost members' places: their volumes are gone and no quorum serves.
    await waitUntil('the lost pods and claims gone', async () => {
      const claims = await kubectlJson(['get', 'pvc', '-n', ns.name, '-l', `corral.dev/cluster=${NAME}`]);
      return (await memberPods(ns.name, NAME)).size === 1 && claims.items.length === 1;
    }, { timeoutMs: 60_000 });
    // A leader that lost its quorum steps down within an election timeout (the deleted leader may have handed
    // leadership to the survivor on its way out): then nobody leads.
    const survivorView = await waitUntil('the survivor looking for a leader', async () => {
      const view = await membersView(survivorIP);
      return view.self.server_state === 'looking' ? view : false;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    const zxid = survivorView.self.last_zxid;

    // The recovery, requested the way the docs say.
    const request = new Date().toISOString();
    const t1 = Date.now();
    await kubectl(['annotate', 'coordinationcluster', NAME, '-n', ns.name, `corral.dev/recover-quorum=${request}`]);
    const back = await waitReady(ns.name, NAME, 120_000);
    console.log(`[measure] kubectl annotate recover-quorum -> Ready with 3 voters: ${secondsSince(t1)}`);
    const failures = await clusterEvents(ns.name, 'RecoverQuorumFailed');
    expect(back.status.recovery, `failed attempts: ${JSON.stringify(failures)}`).toMatchObject({ request, survivor, zxid });
    expect(back.status.voters).toBe(3);
    expect(back.status.readyVoters).toBe(3);
    const recovered = await clusterEvents(ns.name, 'RecoverQuorum');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.type).toBe('Warning');
    expect(recovered[0]!.message).toContain(`rebuilding from member ${survivor} (last zxid ${zxid})`);
    expect(recovered[0]!.message).toMatch(new RegExp(`member ${survivor} leads configuration 0x[0-9a-f]+ alone`));

    expect(await plugin.ok(['status', NAME, '-n', ns.name, '--no-live'])).toMatch(new RegExp(`Recovered: +from ${NAME}-${survivor} \\(last zxid ${zxid}\\)`));

    // Every member, the fresh ones included, serves the survivor's data and three voters in /zookeeper/config.
    const now = await memberPods(ns.name, NAME);
    expect(now.size).toBe(3);
    for (const p of now.values()) {
      const c = await ZooKeeperClient.connect(`${p.status.podIP}:2181`, { connectTimeout: 15_000 });
      await c.sync('/');
      const { config } = await c.getConfig();
      expect(config.match(/^server\.\d+=.*:participant;/gm)).toHaveLength(3);
      for (let i = 0; i < WRITES; i++) expect((await c.getData(`/before-${i}`)).data?.toString()).toBe(String(i));
      await c.close();
    }
  }, 240_000);
});
