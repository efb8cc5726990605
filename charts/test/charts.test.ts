// The charts through the real helm binary (no cluster): lint --strict, what `helm template` renders with default
// and example values, the values schemas refusing wrong values with a message naming them, and the operator
// chart rendering the same objects as the plain manifests (operator/rbac, operator/deploy).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CRD_NAME } from '../../operator/src/api/crd.js';
import { runProgram } from '../../test-support/processes.js';
import { findHelm, goPath } from '../../test-support/tools.js';

const repoRoot = join(import.meta.dirname, '../..');
const OPERATOR_CHART = join(repoRoot, 'charts/corral-operator');
const CLUSTER_CHART = join(repoRoot, 'charts/corral-cluster');
const CLUSTER_EXAMPLES = join(CLUSTER_CHART, 'examples');

const helm = findHelm();
/** helm is missing only where it cannot be built: without a Go toolchain (.ci/run builds it before npm test). */
const canBuildHelm = (() => {
  try {
    goPath();
    return true;
  } catch {
    return false;
  }
})();
if (!helm && !canBuildHelm) console.warn('chart tests skipped: no helm (HELM, the e2e cache or PATH) and no Go toolchain to build it with e2e/cluster/build.sh helm');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
}

async function runHelm(args: string[]) {
  if (!helm) throw new Error('helm not found: build it with `bash e2e/cluster/build.sh helm` (kept in $CORRAL_E2E_CACHE, default /var/cache/corral-e2e), or set HELM');
  return runProgram(helm, args, { timeoutMs: 60_000 });
}

/** `helm template` output as objects; a failure throws with helm's message. */
async function render(chart: string, args: string[] = [], release = 'corral-operator', namespace = 'corral-system'): Promise<K8sObject[]> {
  const res = await runHelm(['template', release, chart, '-n', namespace, ...args]);
  if (res.code !== 0) throw new Error(`helm template failed (exit ${res.code}): ${res.stderr}`);
  return (loadAll(res.stdout) as (K8sObject | null)[]).filter((o): o is K8sObject => o !== null);
}

/** What helm says when it refuses the values. */
async function refusal(chart: string, args: string[]): Promise<string> {
  const res = await runHelm(['template', 'x', chart, ...args]);
  expect(res.code, res.stdout).not.toBe(0);
  return res.stderr;
}

const find = (objects: K8sObject[], kind: string, name?: string) => objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objects: K8sObject[], kind: string, name?: string) => {
  const found = find(objects, kind, name);
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
};
const plain = (file: string) => (loadAll(readFileSync(join(repoRoot, file), 'utf8')) as K8sObject[]).filter(Boolean);

/** Every (apiGroup, resource, verb) a set of RBAC rules grants, sorted, so rule lists can be compared as sets. */
function grants(rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>): string[] {
  return rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)))).sort();
}

describe.skipIf(!helm && !canBuildHelm)('Helm charts', () => {
  it('helm is present', () => {
    expect(helm, 'helm not found: build it with `bash e2e/cluster/build.sh helm`, or set HELM').toBeDefined();
  });

  const lintCases: Array<[string, string, string[]]> = [
    ['corral-operator', OPERATOR_CHART, []],
    ['corral-cluster', CLUSTER_CHART, []],
    ...readdirSync(CLUSTER_EXAMPLES).map((f): [string, string, string[]] => [`corral-cluster with examples/${f}`, CLUSTER_CHART, ['-f', join(CLUSTER_EXAMPLES, f)]]),
  ];
  it.each(lintCases)('helm lint --strict: %s', async (_name, chart, args) => {
    const res = await runHelm(['lint', '--strict', chart, ...args]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  describe('corral-operator', () => {
    it('renders a two-replica Deployment with leader election, the CRD kept on uninstall, RBAC and a metrics Service', async () => {
      const objects = await render(OPERATOR_CHART);
      expect(objects.map((o) => o.kind).sort()).toEqual(
        ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
      );
      const deployment = one(objects, 'Deployment', 'corral-operator');
      expect(deployment.spec.replicas).toBe(2);
      const container = deployment.spec.template.spec.containers[0];
      expect(container.image).toBe('localhost/corral:dev');
      expect(container.args).toEqual(['--http-port=8081', '--log-level=info', '--lease-name=corral-operator']);
      const crd = one(objects, 'CustomResourceDefinition', CRD_NAME);
      expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      const service = one(objects, 'Service', 'corral-operator-metrics');
      expect(service.spec.ports).toEqual([{ name: 'http', port: 8081, targetPort: 'http' }]);
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    });

    it('renders the same objects as the plain manifests (crds/, operator/rbac, operator/deploy)', async () => {
      const objects = await render(OPERATOR_CHART);
      const manifests = [...plain('crds/corral.dev_coordinationclusters.yaml'), ...plain('operator/rbac/role.yaml'), ...plain('operator/deploy/operator.yaml')];
      for (const expected of manifests.filter((o) => o.kind !== 'Namespace')) {
        const what = `${expected.kind} ${expected.metadata.name}`;
        const actual = one(objects, expected.kind, expected.metadata.name);
        expect(actual.metadata.namespace, what).toBe(expected.metadata.namespace);
        if (expected.kind === 'CustomResourceDefinition') expect(actual.spec, what).toEqual(expected.spec);
        if (expected.kind === 'ClusterRole' || expected.kind === 'Role') expect(grants(actual.rules), what).toEqual(grants(expected.rules));
        if (expected.kind.endsWith('Binding')) expect([actual.roleRef, actual.subjects], what).toEqual([expected.roleRef, expected.subjects]);
        if (expected.kind === 'Deployment') {
          // Labels differ (Helm's own); the pod spec is the same but for the label selector of the anti-affinity.
          const podSpec = (d: K8sObject) => ({ ...d.spec.template.spec, affinity: undefined });
          expect(actual.spec.replicas, what).toBe(expected.spec.replicas);
          expect(podSpec(actual), what).toEqual(podSpec(expected));
        }
      }
    });

    it('watching one namespace: Roles there, Nodes through a ClusterRole, the same grants in all, and --namespace', async () => {
      const clusterWide = await render(OPERATOR_CHART);
      const objects = await render(OPERATOR_CHART, ['--set', 'watchNamespaces={apps}']);
      const role = one(objects, 'Role', 'corral-operator');
      expect(role.metadata.namespace).toBe('apps');
      expect(one(objects, 'RoleBinding', 'corral-operator').metadata.namespace).toBe('apps');
      const nodes = one(objects, 'ClusterRole', 'corral-operator-nodes');
      expect(grants(nodes.rules).every((g) => g.startsWith('/nodes:'))).toBe(true);
      expect([...grants(role.rules), ...grants(nodes.rules)].sort()).toEqual(grants(one(clusterWide, 'ClusterRole', 'corral-operator').rules));
      expect(find(objects, 'ClusterRoleBinding').map((b) => b.roleRef.name)).toEqual(['corral-operator-nodes']);
      expect(one(objects, 'Deployment').spec.template.spec.containers[0].args).toContain('--namespace=apps');
    });

    it('upgrades with changed values change the pod template (so the Deployment rolls)', async () => {
      const before = one(await render(OPERATOR_CHART), 'Deployment').spec.template;
      const after = one(await render(OPERATOR_CHART, ['--set', 'logLevel=debug', '--set', 'image.tag=v2']), 'Deployment').spec.template;
      expect(after.spec.containers[0].args).toContain('--log-level=debug');
      expect(after.spec.containers[0].image).toBe('localhost/corral:v2');
      expect(after).not.toEqual(before);
    });

    it('the ServiceMonitor only where monitoring.coreos.com/v1 is served; no CRD with crds.create=false', async () => {
      const on = ['--set', 'metrics.serviceMonitor.enabled=true'];
      expect(find(await render(OPERATOR_CHART, on), 'ServiceMonitor')).toEqual([]);
      const monitor = one(await render(OPERATOR_CHART, [...on, '--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']), 'ServiceMonitor');
      expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
      expect(find(await render(OPERATOR_CHART, ['--set', 'crds.create=false']), 'CustomResourceDefinition')).toEqual([]);
    });

    it('leader election off: one replica and --no-leader-elect, and no Lease Role', async () => {
      const objects = await render(OPERATOR_CHART, ['--set', 'leaderElection.enabled=false', '--set', 'replicaCount=1']);
      expect(one(objects, 'Deployment').spec.template.spec.containers[0].args).toContain('--no-leader-elect');
      expect(find(objects, 'Role')).toEqual([]);
    });

    it('refuses wrong values, naming them', async () => {
      expect(await refusal(OPERATOR_CHART, ['--set', 'replicaCount=two'])).toMatch(/at '\/replicaCount': got string, want integer/);
      expect(await refusal(OPERATOR_CHART, ['--set', 'imag.tag=1'])).toMatch(/additional properties 'imag' not allowed/);
      expect(await refusal(OPERATOR_CHART, ['--set', 'image.pullPolicy=Sometimes'])).toMatch(/at '\/image\/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'/);
      expect(await refusal(OPERATOR_CHART, ['--set', 'watchNamespaces={a,b}'])).toMatch(/at '\/watchNamespaces': maxItems: got 2, want 1/);
      expect(await refusal(OPERATOR_CHART, ['--set', 'watchNamespaces={Apps}'])).toMatch(/at '\/watchNamespaces\/0'/);
      expect(await refusal(OPERATOR_CHART, ['--set', 'leaderElection.enabled=false'])).toMatch(/at '\/replicaCount': maximum: got 2, want 1/);
      expect(await refusal(OPERATOR_CHART, ['--set', 'resources.limits.memory=lots'])).toMatch(/at '\/resources\/limits\/memory'/);
    });

    it('NOTES.txt says what to do next', async () => {
      const res = await runHelm(['install', 'corral-operator', OPERATOR_CHART, '-n', 'corral-system', '--dry-run=client']);
      expect(res.code, res.stderr).toBe(0);
      const notes = res.stdout.slice(res.stdout.indexOf('NOTES:'));
      expect(notes).toContain('kubectl -n corral-system rollout status deployment/corral-operator');
      expect(notes).toContain('helm install my-corral charts/corral-cluster');
      expect(notes).toContain('kubectl wait --for=condition=Ready coordinationcluster/my-corral');
      expect(notes).toContain('keeps the CRD and every cluster');
    });
  });

  describe('corral-cluster', () => {
    it('renders one single-region CoordinationCluster from the defaults', async () => {
      const [cc, ...rest] = await render(CLUSTER_CHART, [], 'orders', 'apps');
      expect(rest).toEqual([]);
      expect(cc).toMatchObject({ apiVersion: 'corral.dev/v1alpha1', kind: 'CoordinationCluster', metadata: { name: 'orders', namespace: 'apps' } });
      expect(cc!.spec).toMatchObject({ image: 'localhost/corral:dev', imagePullPolicy: 'IfNotPresent', replicas: 3, storage: { size: '1Gi', reclaimPolicy: 'Retain' } });
      // Empty values are left out, so the API server's defaults apply.
      expect(Object.keys(cc!.spec)).not.toContain('groups');
      expect(Object.keys(cc!.spec)).not.toContain('observers');
      expect(Object.keys(cc!.spec)).not.toContain('quotas');
    });

    it('three regions: groups with a never-leader tie-breaker, without the single-group fields', async () => {
      const [cc] = await render(CLUSTER_CHART, ['-f', join(CLUSTER_EXAMPLES, 'three-regions.yaml'), '--set', 'name=orders'], 'rel');
      expect(cc!.metadata.name).toBe('orders');
      expect(cc!.spec.groups.map((g: { name: string; voters: number; leaderEligible?: boolean }) => [g.name, g.voters, g.leaderEligible ?? true])).toEqual([
        ['region-1', 2, true],
        ['region-2', 2, true],
        ['region-3', 1, false],
      ]);
      expect(cc!.spec.replicas).toBeUndefined();
    });

    it('quotas and connection limits from values', async () => {
      const [cc] = await render(CLUSTER_CHART, ['--set-json', 'quotas=[{"path":"/app","maxNodes":100}]', '--set', 'connectionLimits.total=500'], 'c');
      expect(cc!.spec.quotas).toEqual([{ path: '/app', maxNodes: 100 }]);
      expect(cc!.spec.connectionLimits).toEqual({ perClientAddress: 60, total: 500 });
    });

    it('refuses wrong values, naming them', async () => {
      expect(await refusal(CLUSTER_CHART, ['--set', 'replicas=three'])).toMatch(/at '\/replicas': got string, want integer/);
      expect(await refusal(CLUSTER_CHART, ['--set-json', 'quotas=[{"path":"/app","maxNodes":"ten"}]'])).toMatch(/at '\/quotas\/0\/maxNodes': got string, want integer/);
      expect(await refusal(CLUSTER_CHART, ['--set', 'storage.sise=1Gi'])).toMatch(/at '\/storage': additional properties 'sise' not allowed/);
      expect(await refusal(CLUSTER_CHART, ['--set', 'storage.reclaimPolicy=Keep'])).toMatch(/at '\/storage\/reclaimPolicy': value must be one of 'Retain', 'Delete'/);
      expect(await refusal(CLUSTER_CHART, ['--set', 'name=Orders'])).toMatch(/at '\/name'/);
    });

    it('refuses a values file with wrong types, listing every mistake', async () => {
      const message = await refusal(CLUSTER_CHART, ['-f', join(import.meta.dirname, 'wrong-types.values.yaml')]);
      expect(message).toMatch(/values don't meet the specifications of the schema/);
      for (const line of [
        "at '/replicas': got string, want integer",
        "at '/storage/reclaimPolicy': value must be one of 'Retain', 'Delete'",
        "at '/quotas/0/maxNodes': got string, want integer",
        "at '/connectionLimits': got number, want object",
      ]) expect(message).toContain(line);
    });
  });
});
