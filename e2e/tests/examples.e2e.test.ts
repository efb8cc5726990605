import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load, loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_FILE, CRD_NAME } from '../../operator/src/api/crd.js';
import { CHARTS, helm } from './support/helm.js';
import { exists, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';

// Every example is checked against the CRD on a real API server (server-side dry run: schema, defaults and CEL
// rules, nothing stored), so none goes stale as the API changes. The GitOps objects need Argo CD's or Flux's
// CRDs for a dry run of their own, which the bed does not have: where those are missing, the cluster each one
// declares (its Helm values, through charts/corral-cluster) is checked instead, and must be the cluster of
// examples/three-regions.yaml.

const repoRoot = join(import.meta.dirname, '../..');
const EXAMPLES = join(repoRoot, 'examples');
const GITOPS = join(EXAMPLES, 'gitops');

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: Record<string, any>;
}

const plainExamples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
const docs = (file: string) => (loadAll(readFileSync(file, 'utf8')) as Obj[]).filter(Boolean);

describe('examples against the CRD (server-side dry run)', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;

  /** The object as the API server would store it, in the test's namespace; a refusal throws with the API server's message. */
  const dryRun = (obj: Obj) => {
    const { namespace: _, ...metadata } = obj.metadata;
    return kubectlJson<Obj>(['-n', ns.name, 'apply', '--dry-run=server', '-f', '-'], JSON.stringify({ ...obj, metadata }));
  };

  /** The CoordinationCluster charts/corral-cluster renders from these values. */
  const renderCluster = async (values: object) => load(await helm(['template', 'orders', join(CHARTS, 'corral-cluster'), '-n', ns.name, '-f', '-'], { input: dump(values) })) as Obj;

  beforeAll(async () => {
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, CRD_FILE)]);
    await kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
    ns = await testNamespace('e2e-examples');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('finds the examples', () => {
    expect(plainExamples.sort()).toEqual(['minimal.yaml', 'observers.yaml', 'quotas-and-limits.yaml', 'three-regions.yaml']);
  });

  it.each(plainExamples)('examples/%s is accepted and defaulted', async (file) => {
    const [cc, ...rest] = docs(join(EXAMPLES, file));
    expect(rest).toEqual([]);
    const stored = await dryRun(cc!);
    expect(stored.kind).toBe('CoordinationCluster');
    expect(stored.metadata.name).toBe(cc!.metadata.name);
    expect(stored.spec).toMatchObject(cc!.spec);
    // Defaults the API server fills in are there: the example was read by the schema, not passed through.
    expect(stored.spec.storage).toMatchObject({ size: '1Gi', reclaimPolicy: 'Retain' });
  });

  it('charts/corral-cluster with default values renders a cluster the API server accepts', async () => {
    const cc = await renderCluster({});
    expect((await dryRun(cc)).spec).toMatchObject(cc.spec);
  });

  /** Expects the cluster `values` render to be the one examples/three-regions.yaml declares. */
  const expectThreeRegions = async (values: object) => {
    const stored = await dryRun(await renderCluster(values));
    const [plain] = docs(join(EXAMPLES, 'three-regions.yaml'));
    expect(stored.spec).toEqual((await dryRun(plain!)).spec);
  };

  it('charts/corral-cluster/examples/three-regions.yaml is the cluster of examples/three-regions.yaml', async () => {
    await expectThreeRegions(load(readFileSync(join(CHARTS, 'corral-cluster/examples/three-regions.yaml'), 'utf8')) as object);
  });

  const gitops = [
    { file: 'argocd/application.yaml', crd: 'applications.argoproj.io', values: (o: Obj) => o.spec.source.helm.valuesObject },
    { file: 'flux/orders/helmrelease.yaml', crd: 'helmreleases.helm.toolkit.fluxcd.io', values: (o: Obj) => o.spec.values },
  ];
  it.each(gitops)('$file declares the three-region cluster (a dry run of its own where $crd is installed)', async ({ file, crd, values }) => {
    const [obj] = docs(join(GITOPS, file));
    if (await exists([`crd/${crd}`])) await dryRun(obj!);
    await expectThreeRegions(values(obj!));
  });

  it('the Flux sync objects and namespace are well-formed (dry run where Flux is installed)', async () => {
    const objects = [...docs(join(GITOPS, 'flux/sync.yaml')), ...docs(join(GITOPS, 'flux/orders/namespace.yaml'))];
    expect(objects.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual([
      'source.toolkit.fluxcd.io/v1 GitRepository',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
      'v1 Namespace',
    ]);
    const kustomization = objects[1]!;
    expect(kustomization.spec.path).toBe('./examples/gitops/flux/orders');
    expect(readdirSync(join(repoRoot, kustomization.spec.path)).sort()).toEqual(['helmrelease.yaml', 'namespace.yaml']);
    if (await exists(['crd/kustomizations.kustomize.toolkit.fluxcd.io'])) {
      for (const o of objects.slice(0, 2)) await dryRun(o);
    }
  });
});
