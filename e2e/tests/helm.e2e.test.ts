import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_NAME } from '../../operator/src/api/crd.js';
import { onBed } from './support/bed.js';
import { CHARTS, helm } from './support/helm.js';
import { exists, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';
import { KubectlPlugin } from './support/plugin.js';
import { testImage } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// The Helm path a platform team takes, on the bed: the operator chart installed (watching one namespace, so
// least-privilege Roles are what it runs with), an example applied and Ready, a cluster from the cluster chart,
// `helm upgrade` of the operator rolling it and of the cluster applying a changed quota, `helm uninstall` of the
// operator keeping the CRD and the clusters, and `kubectl corral` against the running clusters. Times of the
// quick-start steps are printed (measured, not asserted).

const repoRoot = join(import.meta.dirname, '../..');
const IMAGE = testImage;
const [REPOSITORY, TAG] = [IMAGE.slice(0, IMAGE.lastIndexOf(':')), IMAGE.slice(IMAGE.lastIndexOf(':') + 1)];
const RELEASE = 'e2e-corral-operator';
const OPERATOR_LABELS = 'app.kubernetes.io/name=corral-operator';

const seconds = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const measure = (what: string, t0: number) => console.log(`[measure] ${what}: ${seconds(t0)}`);

interface Cluster {
  metadata: { generation: number; annotations?: Record<string, string> };
  spec: { quotas?: Array<{ path: string; maxNodes?: number }> };
  status?: {
    observedGeneration?: number;
    leader?: string;
    members?: Array<{ name: string; serverId: number; ready: boolean; revision?: string }>;
    conditions?: Array<{ type: string; status: string; reason: string }>;
    connectString?: string;
  };
}

describe('Helm charts and kubectl corral on the bed', () => {
  let opNs: Awaited<ReturnType<typeof testNamespace>>;
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  const plugin = new KubectlPlugin();
  /** Other operator Deployments (another test's), scaled to 0 while this file runs: two operators on one cluster fight. */
  const paused: Array<{ namespace: string; name: string; replicas: number }> = [];

  const cluster = (name: string) => kubectlJson<Cluster>(['get', 'coordinationcluster', name, '-n', ns.name]);
  const ready = (cc: Cluster) => cc.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && cc.status.observedGeneration === cc.metadata.generation;
  const waitReady = (name: string, timeoutMs = 240_000) =>
    waitUntil(`cluster ${name} Ready at its generation`, async () => ((c) => (ready(c) ? c : false))(await cluster(name)), { timeoutMs, intervalMs: 1000 });
  const operatorPods = async () =>
    (await kubectlJson<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string }; spec: { containers: Array<{ args?: string[] }> } }> }>(['get', 'pods', '-n', opNs.name, '-l', OPERATOR_LABELS])).items;
  const installOperator = (extra: string[] = []) =>
    helm(['install', RELEASE, join(CHARTS, 'corral-operator'), '-n', opNs.name, '--set', `image.repository=${REPOSITORY}`, '--set', `image.tag=${TAG}`, '--set', `watchNamespaces={${ns.name}}`, '--wait', '--timeout', '4m', ...extra], { timeoutMs: 300_000 });

  beforeAll(async () => {
    opNs = await testNamespace('e2e-helm-op');
    ns = await testNamespace('e2e-helm');
    for (const d of (await kubectlJson<{ items: Array<{ metadata: { name: string; namespace: string }; spec: { replicas: number } }> }>(['get', 'deployments', '-A', '-l', OPERATOR_LABELS])).items) {
      paused.push({ namespace: d.metadata.namespace, name: d.metadata.name, replicas: d.spec.replicas });
      await kubectl(['scale', 'deployment', d.metadata.name, '-n', d.metadata.namespace, '--replicas=0']);
    }
    // A CRD left by kubectl apply (other tests) is taken over the way Helm documents: its release's annotations and label.
    if (await exists([`crd/${CRD_NAME}`])) {
      await kubectl(['annotate', '--overwrite', `crd/${CRD_NAME}`, `meta.helm.sh/release-name=${RELEASE}`, `meta.helm.sh/release-namespace=${opNs.name}`]);
      await kubectl(['label', '--overwrite', `crd/${CRD_NAME}`, 'app.kubernetes.io/managed-by=Helm']);
    }
  }, 120_000);

  afterAll(async () => {
    // The clusters go while an operator runs (their finalizer), then the operator, then the namespaces.
    if (ns && opNs && !(await helm(['status', RELEASE, '-n', opNs.name]).then(() => true, () => false))) await installOperator().catch(() => undefined);
    if (ns) {
      await helm(['uninstall', 'orders', '-n', ns.name, '--ignore-not-found', '--wait']).catch(() => undefined);
      await kubectl(['delete', 'coordinationclusters', '--all', '-n', ns.name, '--timeout=180s']).catch(() => undefined);
    }
    if (opNs) await helm(['uninstall', RELEASE, '-n', opNs.name, '--ignore-not-found', '--wait']).catch(() => undefined);
    await Promise.all([ns?.remove(), opNs?.remove()]);
    for (const d of paused) await kubectl(['scale', 'deployment', d.name, '-n', d.namespace, `--replicas=${d.replicas}`]).catch(() => undefined);
    plugin.remove();
  }, 300_000);

  it('installs the operator chart: two replicas, one holding the Lease, Roles in the watched namespace only', async () => {
    const t0 = Date.now();
    const out = await installOperator();
    measure('helm install corral-operator --wait (two replicas ready)', t0);
    expect(out).toContain(`kubectl -n ${opNs.name} rollout status deployment/${RELEASE}`);
    const deployment = await kubectlJson(['get', 'deployment', RELEASE, '-n', opNs.name]);
    expect(deployment.status.readyReplicas).toBe(2);
    const pods = await operatorPods();
    const holder = await waitUntil('the Lease held by an operator pod', async () => {
      const lease = await kubectlJson(['get', 'lease', RELEASE, '-n', opNs.name]);
      return pods.some((p) => p.metadata.name === lease.spec.holderIdentity) ? lease.spec.holderIdentity : false;
    });
    expect(holder).toMatch(new RegExp(`^${RELEASE}-`));
    expect(await kubectl(['get', 'role', RELEASE, '-n', ns.name, '-o', 'name'])).toContain(RELEASE);
    expect(await exists([`clusterrole/${RELEASE}`])).toBe(false);
    expect((await kubectlJson(['get', 'crd', CRD_NAME])).metadata.annotations['helm.sh/resource-policy']).toBe('keep');
  });

  it('refuses a values file with wrong types before creating anything', async () => {
    await expect(helm(['install', 'bad', join(CHARTS, 'corral-cluster'), '-n', ns.name, '-f', join(CHARTS, 'test/wrong-types.values.yaml')])).rejects.toThrow(
      /values don't meet the specifications of the schema[\s\S]*at '\/replicas': got string, want integer/,
    );
    expect(await exists(['coordinationcluster/bad', '-n', ns.name])).toBe(false);
  });

  it('an example applied with kubectl becomes Ready', async () => {
    const t0 = Date.now();
    // The example as written, but for the image: the one this run built (CORRAL_E2E_IMAGE).
    const example = readFileSync(join(repoRoot, 'examples/minimal.yaml'), 'utf8').replace(/^(\s*image:) localhost\/corral:dev$/m, `$1 ${IMAGE}`);
    await kubectl(['apply', '-n', ns.name, '-f', '-'], { input: example });
    const cc = await waitReady('minimal');
    measure('kubectl apply examples/minimal.yaml -> Ready (3 voters)', t0);
    expect(cc.status!.members!.map((m) => [m.name, m.ready])).toEqual([['minimal-1', true], ['minimal-2', true], ['minimal-3', true]]);
  });

  it('kubectl corral status: members, roles, leader, lag, conditions on one screen', async () => {
    const cc = await waitReady('minimal');
    const out = await plugin.ok(['status', 'minimal', '-n', ns.name]);
    expect(out).toContain(`Cluster:  ${ns.name}/minimal`);
    expect(out).toMatch(/^Status:   Ready: 3 members ready at the desired revision$/m);
    expect(out).toMatch(/^Voters:   3\/3 ready, 3 members$/m);
    expect(out).toContain(`Leader:   ${cc.status!.leader}`);
    expect(out).toMatch(/^ {2}NAME\s+ID\s+GROUP\s+ROLE\s+STATE\s+READY\s+LAG\s+SYNC\s+ZXID\s+NODE$/m);
    const rows = out.split('\n').filter((l) => /^ {2}minimal-\d/.test(l)).map((l) => l.trim().split(/\s+/));
    expect(rows).toHaveLength(3);
    for (const [name, id, group, role, state, isReady, lag, sync, zxid, node] of rows) {
      expect([id, group, role, isReady]).toEqual([name!.slice('minimal-'.length), 'default', 'participant', 'yes']);
      expect(state).toBe(name === cc.status!.leader ? 'leader' : 'follower');
      // The leader's live view: followers in sync, nothing behind.
      expect([lag, sync]).toEqual(name === cc.status!.leader ? ['0', '-'] : ['0', 'synced']);
      expect(zxid).toMatch(/^0x[0-9a-f]+$/);
      expect(node).toMatch(/^corral-node-\d$/);
    }
    expect(out).toContain('Quotas:\n  none declared');
    expect(out).toMatch(/^ {2}Ready\s+True\s+Ready\s+\S+\s+3 members ready/m);
    expect(out).toMatch(/^ {2}Available\s+True\s+QuorumServing/m);
  });

  it('kubectl corral connect: the connect string, and one corral command through it', async () => {
    const pods = (await kubectlJson(['get', 'pods', '-n', ns.name, '-l', 'corral.dev/cluster=minimal'])).items as Array<{ metadata: { labels: Record<string, string> }; status: { podIP: string } }>;
    const byId = pods.sort((a, b) => Number(a.metadata.labels['corral.dev/server-id']) - Number(b.metadata.labels['corral.dev/server-id']));
    // On the bed (--via pod-ip) the string a client here can use: the pod IPs; elsewhere (exec) the cluster's own.
    const expected = onBed ? byId.map((p) => `${p.status.podIP}:2181`).join(',') : (await cluster('minimal')).status!.connectString;
    expect((await plugin.ok(['connect', 'minimal', '-n', ns.name])).trim()).toBe(expected);
    await plugin.ok(['connect', 'minimal', '-n', ns.name, '--', 'create', '/hello', 'from-kubectl']);
    expect((await plugin.ok(['connect', 'minimal', '-n', ns.name, '--', 'get', '/hello'])).trim()).toBe('from-kubectl');
    const missing = await plugin.run(['connect', 'minimal', '-n', ns.name, '--', 'get', '/nope']);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'NONODE: Node does not exist: /nope']);
  });

  it('kubectl corral transfer-leadership: to a named member, then to any', async () => {
    const before = (await waitReady('minimal')).status!.leader!;
    const target = ['minimal-1', 'minimal-2', 'minimal-3'].find((n) => n !== before)!;
    const t0 = Date.now();
    const out = await plugin.ok(['transfer-leadership', 'minimal', '-n', ns.name, '--to', target]);
    measure(`kubectl corral transfer-leadership (${out.trim().split(': ')[1]})`, t0);
    expect(out.trim()).toMatch(new RegExp(`^${ns.name}/minimal: leadership moved from ${before} to ${target} in \\d+ ms$`));
    // The members' word, at once (the operator's status catches up on its next look).
    expect(await plugin.ok(['status', 'minimal', '-n', ns.name])).toMatch(new RegExp(`^Leader: {3}${target}$`, 'm'));
    const t1 = Date.now();
    const any = await plugin.ok(['transfer-leadership', 'minimal', '-n', ns.name]);
    measure(`kubectl corral transfer-leadership --to any (${any.trim().split(': ')[1]})`, t1);
    expect(any.trim()).toMatch(new RegExp(`leadership moved from ${target} to minimal-\\d in \\d+ ms$`));
    expect(any).not.toMatch(new RegExp(`to ${target} in`));
    const again = await plugin.ok(['transfer-leadership', 'minimal', '-n', ns.name, '--to', any.trim().match(/to (minimal-\d) in/)![1]!]);
    expect(again.trim()).toMatch(/^minimal-\d leads already$/);
    const unknown = await plugin.run(['transfer-leadership', 'minimal', '-n', ns.name, '--to', '9']);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, `Error: ${ns.name}/minimal has no member server 9 (members: minimal-1, minimal-2, minimal-3)`]);
  });

  it('kubectl corral restart: every member restarts, and the cluster is Ready again', async () => {
    await waitReady('minimal');
    const uids = async () => new Map(((await kubectlJson(['get', 'pods', '-n', ns.name, '-l', 'corral.dev/cluster=minimal'])).items as Array<{ metadata: { name: string; uid: string } }>).map((p) => [p.metadata.name, p.metadata.uid]));
    const before = await uids();
    const t0 = Date.now();
    const out = await plugin.ok(['restart', 'minimal', '-n', ns.name]);
    expect(out.trim()).toMatch(new RegExp(`^${ns.name}/minimal: restart requested \\(corral.dev/restartedAt=\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\)`));
    const at = (await cluster('minimal')).metadata.annotations?.['corral.dev/restartedAt'];
    expect(out).toContain(`corral.dev/restartedAt=${at}`);
    await waitUntil('every member pod replaced and the cluster Ready', async () => {
      const now = await uids();
      return [...before].every(([name, uid]) => now.has(name) && now.get(name) !== uid) && ready(await cluster('minimal'));
    }, { timeoutMs: 280_000, intervalMs: 2000 });
    measure('kubectl corral restart -> 3 members restarted, Ready', t0);
  });

  it('a cluster from the cluster chart, with a quota: Ready, and kubectl corral quota shows it applied', async () => {
    const t0 = Date.now();
    await helm(['install', 'orders', join(CHARTS, 'corral-cluster'), '-n', ns.name, '--set', `image.repository=${REPOSITORY}`, '--set', `image.tag=${TAG}`, '--set-json', 'quotas=[{"path":"/app","maxNodes":3}]']);
    await waitReady('orders');
    measure('helm install corral-cluster -> Ready (3 voters)', t0);
    const quota = await waitUntil('the /app quota applied', async () => {
      const out = await plugin.ok(['quota', 'orders', '-n', ns.name]);
      return /\sapplied$/m.test(out) ? out : false;
    });
    expect(quota).toMatch(/^PATH\s+NODES\s+BYTES\s+STATE\n\/app\s+1\/3 \(33%\)\s+0\s+applied\n$/);
    // The quota is enforced: /app and two children fill it.
    await plugin.ok(['connect', 'orders', '-n', ns.name, '--', 'create', '/app/a']);
    await plugin.ok(['connect', 'orders', '-n', ns.name, '--', 'create', '/app/b']);
    const refused = await plugin.run(['connect', 'orders', '-n', ns.name, '--', 'create', '/app/c']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/QUOTAEXCEEDED/i);
  });

  it('helm upgrade of the operator with changed values rolls it; the new replicas act', async () => {
    const before = (await operatorPods()).map((p) => p.metadata.name);
    const t0 = Date.now();
    await helm(['upgrade', RELEASE, join(CHARTS, 'corral-operator'), '-n', opNs.name, '--reuse-values', '--set', 'logLevel=debug', '--wait', '--timeout', '4m'], { timeoutMs: 300_000 });
    const after = await waitUntil('only new operator pods, all with --log-level=debug', async () => {
      const pods = await operatorPods();
      return pods.length === 2 && pods.every((p) => !before.includes(p.metadata.name) && !p.metadata.deletionTimestamp && p.spec.containers[0]!.args!.includes('--log-level=debug')) ? pods : false;
    });
    measure('helm upgrade corral-operator (values changed) -> rolled', t0);
    expect(after).toHaveLength(2);
    // The rolled operator applies a change: the cluster chart's upgrade with a bigger quota.
    await helm(['upgrade', 'orders', join(CHARTS, 'corral-cluster'), '-n', ns.name, '--reuse-values', '--set-json', 'quotas=[{"path":"/app","maxNodes":10}]']);
    const quota = await waitUntil('the /app quota raised to 10 in the ensemble', async () => {
      const out = await plugin.ok(['quota', 'orders', '-n', ns.name]);
      return /\/10 .*\sapplied$/m.test(out) ? out : false;
    });
    expect(quota).toMatch(/^\/app\s+3\/10 \(30%\)\s+0\s+applied$/m);
    await plugin.ok(['connect', 'orders', '-n', ns.name, '--', 'create', '/app/c']);
    expect(await plugin.ok(['status', 'orders', '-n', ns.name])).toMatch(/^ {2}\/app\s+4\/10 \(40%\)\s+0\s+applied$/m);
  });

  it('helm uninstall of the operator keeps the CRD and the clusters; a reinstall takes them back', async () => {
    const membersBefore = (await kubectl(['get', 'pods', '-n', ns.name, '-l', 'app.kubernetes.io/name=corral', '-o', 'name'])).trim().split('\n').sort();
    const out = await helm(['uninstall', RELEASE, '-n', opNs.name, '--wait']);
    expect(out).toMatch(/These resources were kept due to the resource policy:[\s\S]*CustomResourceDefinition/);
    await waitUntil('the operator pods gone', async () => (await operatorPods()).length === 0);
    expect(await exists([`crd/${CRD_NAME}`])).toBe(true);
    expect(await exists(['coordinationcluster/minimal', '-n', ns.name])).toBe(true);
    expect(await exists(['coordinationcluster/orders', '-n', ns.name])).toBe(true);
    // Unmanaged, the members keep serving.
    expect((await kubectl(['get', 'pods', '-n', ns.name, '-l', 'app.kubernetes.io/name=corral', '-o', 'name'])).trim().split('\n').sort()).toEqual(membersBefore);
    expect((await plugin.ok(['connect', 'orders', '-n', ns.name, '--', 'ls', '/app'])).trim()).toBe('[a, b, c]');
    expect((await plugin.ok(['connect', 'minimal', '-n', ns.name, '--', 'get', '/hello'])).trim()).toBe('from-kubectl');

    const t0 = Date.now();
    await installOperator();
    measure('helm install corral-operator again, over the kept CRD', t0);
    expect((await kubectlJson(['get', 'crd', CRD_NAME])).metadata.annotations['meta.helm.sh/release-namespace']).toBe(opNs.name);
    await waitReady('minimal');
    await waitReady('orders');
  });
});
