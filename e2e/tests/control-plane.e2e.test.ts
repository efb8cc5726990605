import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, exists, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';
import { waitUntil } from './support/wait.js';

// The control plane alone (no node needed): the API server, the controllers the operator relies on, and
// the service-account machinery that in-cluster clients (the operator) authenticate with.
const K8S_VERSION = process.env.CORRAL_E2E_K8S_VERSION ?? 'v1.36.3';

describe('control plane', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('e2e-cp');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('reports the pinned Kubernetes version, client and server', async () => {
    const v = await kubectlJson<{ clientVersion: { gitVersion: string }; serverVersion: { gitVersion: string } }>([
      'version',
    ]);
    expect(v.serverVersion.gitVersion).toBe(K8S_VERSION);
    expect(v.clientVersion.gitVersion).toBe(K8S_VERSION);
  });

  it('is ready, every check passing', async () => {
    const out = await kubectl(['get', '--raw=/readyz?verbose']);
    expect(out).toMatch(/readyz check passed/);
    expect(out).not.toMatch(/\[-\]/);
  });

  it('gives a new namespace its default ServiceAccount and root CA, and issues it tokens', async () => {
    // ServiceAccount controller and root-CA publisher (controller-manager); both are needed before a pod's
    // projected service-account volume can be filled.
    await waitUntil('default ServiceAccount', () => exists(['serviceaccount', 'default', '-n', ns.name]));
    const ca = await waitUntil('kube-root-ca.crt', async () =>
      (await exists(['configmap', 'kube-root-ca.crt', '-n', ns.name]))
        ? kubectlJson<{ data: Record<string, string> }>(['get', 'configmap', 'kube-root-ca.crt', '-n', ns.name])
        : undefined,
    );
    expect(ca.data['ca.crt']).toMatch(/BEGIN CERTIFICATE/);
    // TokenRequest, as the node agent calls it for each pod: a signed JWT for the namespace's account.
    const token = (await kubectl(['create', 'token', 'default', '-n', ns.name])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.sub).toBe(`system:serviceaccount:${ns.name}:default`);
    // The token authenticates: a TokenReview names its holder.
    const review = await kubectlJson<{ status: { authenticated: boolean; user: { username: string } } }>(
      ['create', '-f', '-'],
      JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }),
    );
    expect(review.status.authenticated).toBe(true);
    expect(review.status.user.username).toBe(`system:serviceaccount:${ns.name}:default`);
  });

  it('runs the Deployment controller and garbage-collects what an owner leaves behind', async () => {
    await apply(
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'idle' },
        // No replicas: this checks the controllers, not a node.
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'idle' } },
          template: { metadata: { labels: { app: 'idle' } }, spec: { containers: [{ name: 'c', image: 'none' }] } },
        },
      }),
      ns.name,
    );
    const rs = await waitUntil('the Deployment\'s ReplicaSet', async () => {
      const list = await kubectlJson<{ items: { metadata: { name: string; ownerReferences?: { kind: string }[] } }[] }>(
        ['get', 'replicasets', '-n', ns.name, '-l', 'app=idle'],
      );
      return list.items.find((r) => r.metadata.ownerReferences?.[0]?.kind === 'Deployment')?.metadata.name;
    });
    await kubectl(['delete', 'deployment', 'idle', '-n', ns.name, '--cascade=background']);
    await waitUntil('the garbage collector to delete the ReplicaSet', async () =>
      !(await exists(['replicaset', rs, '-n', ns.name])),
    );
  });

  it('serves a new CustomResourceDefinition and its objects', async () => {
    const group = 'e2e.corral.dev';
    // A fresh name each run: a CRD deleted by an earlier run may still be terminating.
    const suffix = Math.random().toString(36).slice(2, 6);
    const kind = `Widget${suffix}`;
    const plural = `widget${suffix}s`;
    const crd = `${plural}.${group}`;
    await apply(
      JSON.stringify({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crd },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural, singular: `widget${suffix}`, kind },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      properties: { size: { type: 'integer', minimum: 1 } },
                      required: ['size'],
                    },
                  },
                },
              },
            },
          ],
        },
      }),
    );
    try {
      await kubectl(['wait', '--for=condition=Established', `crd/${crd}`, '--timeout=60s']);
      const cr = (size: number) =>
        JSON.stringify({ apiVersion: `${group}/v1`, kind, metadata: { name: 'one' }, spec: { size } });
      // The schema is enforced: a size below the minimum is refused with the field named.
      await expect(apply(cr(0), ns.name)).rejects.toThrow(/spec\.size/);
      await apply(cr(3), ns.name);
      const got = await kubectlJson<{ spec: { size: number } }>(['get', crd, 'one', '-n', ns.name]);
      expect(got.spec.size).toBe(3);
    } finally {
      await kubectl(['delete', 'crd', crd, '--wait=false']);
    }
  });
});
