import { describe, expect, it } from 'vitest';
import { withDefaults, type CoordinationCluster } from '../../src/api/index.js';
import { desiredCluster } from '../../src/render/desired.js';
import { memberPod } from '../../src/render/member.js';
import { configMap, objectHashes, renderObject, superDigest } from '../../src/render/objects.js';
import { renderZooCfg } from '../../src/render/zoo-cfg.js';
import { normalizeGroups } from '../../src/api/index.js';

function cluster(spec: Partial<CoordinationCluster['spec']> = {}, annotations: Record<string, string> = {}): CoordinationCluster {
  return {
    apiVersion: 'corral.dev/v1alpha1',
    kind: 'CoordinationCluster',
    metadata: { name: 'orders', namespace: 'prod', uid: 'uid-1', generation: 3, annotations },
    spec: { image: 'corral:1', ...spec },
  };
}

const revisions = (cc: CoordinationCluster) => desiredCluster(cc).groups.map((g) => g.revision);

describe('desiredCluster', () => {
  it('gives members a new revision for what they run, and keeps it for what they do not', () => {
    const base = revisions(cluster());
    expect(revisions(cluster({ image: 'corral:2' }))).not.toEqual(base);
    expect(revisions(cluster({ config: { tickTime: '3000' } }))).not.toEqual(base);
    expect(revisions(cluster({}, { 'corral.dev/restartedAt': '2026-12-04T10:00:00Z' }))).not.toEqual(base);
    expect(revisions(cluster({ resources: { limits: { memory: '1Gi' } } }))).not.toEqual(base);
    // Scaling, quotas and connection limits go through reconfig and live settings: no roll.
    expect(revisions(cluster({ replicas: 5 }))).toEqual(base);
    expect(revisions(cluster({ quotas: [{ path: '/app', maxNodes: 10 }] }))).toEqual(base);
    expect(revisions(cluster({ connectionLimits: { perClientAddress: 5, total: 100 } }))).toEqual(base);
  });

  it('maps groups, quotas, limits and the deletion state', () => {
    const d = desiredCluster(
      cluster({
        groups: [
          { name: 'east', voters: 2 },
          { name: 'west', voters: 2, observers: 1 },
          { name: 'tie', voters: 1, leaderEligible: false },
        ],
        quotas: [{ path: '/app', maxBytes: 1024 }],
        connectionLimits: { total: 50 },
        storage: { reclaimPolicy: 'Delete' },
      }),
    );
    expect(d.groups.map((g) => [g.name, g.voters, g.observers, g.leaderEligible])).toEqual([
      ['east', 2, 0, true],
      ['west', 2, 1, true],
      ['tie', 1, 0, false],
    ]);
    expect(d.quotas).toEqual([{ path: '/app', maxBytes: 1024 }]);
    expect(d.connectionLimits).toEqual({ perClientAddress: 60, total: 50 });
    expect(d.reclaimPolicy).toBe('Delete');
    expect(d.deleting).toBe(false);
    expect(desiredCluster({ ...cluster(), metadata: { ...cluster().metadata, deletionTimestamp: new Date() } }).deleting).toBe(true);
  });
});

describe('zoo.cfg and the member pod', () => {
  it('takes the user settings, and the operator owns the rest', () => {
    const cfg = renderZooCfg(withDefaults({ image: 'x', config: { tickTime: '3000', snapCount: '1000' } }));
    expect(cfg).toContain('tickTime=3000\n');
    expect(cfg).toContain('snapCount=1000\n');
    expect(cfg).toContain('reconfigEnabled=true\n');
    expect(cfg).toContain('enforceQuota=true\n');
    expect(cfg).toContain('dataDir=/var/lib/corral/data\n');
    expect(cfg).not.toMatch(/^server\./m);
  });

  it("passes a pod its id, first membership, limits and the super digest's Secret", () => {
    const cc = cluster();
    const spec = withDefaults(cc.spec);
    const pod = memberPod(cc, spec, normalizeGroups(cc.spec)[0]!, {
      kind: 'createPod',
      serverId: 2,
      group: 'default',
      role: 'participant',
      revision: 'r1',
      configRevision: 'c1',
      initialMembers: [
        { serverId: 1, role: 'participant' },
        { serverId: 2, role: 'participant' },
        { serverId: 3, role: 'neverleader' },
      ],
      reason: 'test',
    }, { perClientAddress: 10, total: 0 });
    const env = new Map(pod.spec!.containers[0]!.env!.map((e) => [e.name, e]));
    expect(env.get('CORRAL_SERVER_ID')?.value).toBe('2');
    expect(env.get('CORRAL_CONFIG_LINES')?.value).toBe(
      [
        'server.1=orders-1.orders-members.prod.svc.cluster.local:2888:3888:participant;2181',
        'server.2=orders-2.orders-members.prod.svc.cluster.local:2888:3888:participant;2181',
        'server.3=orders-3.orders-members.prod.svc.cluster.local:2888:3888:neverleader;2181',
        'maxClientCnxns=10',
        'maxCnxns=0',
      ].join('\n'),
    );
    expect(env.get('CORRAL_SUPER_DIGEST')?.valueFrom?.secretKeyRef).toEqual({ name: 'orders-super', key: 'digest' });
    expect(pod.metadata!.name).toBe('orders-2');
    expect(pod.spec!.hostname).toBe('orders-2');
    expect(pod.spec!.subdomain).toBe('orders-members');
    expect(pod.metadata!.labels).toMatchObject({ 'corral.dev/server-id': '2', 'corral.dev/revision': 'r1', 'corral.dev/config-revision': 'c1' });
    expect(pod.metadata!.ownerReferences![0]).toMatchObject({ uid: 'uid-1', controller: true });
    expect(pod.spec!.volumes!.map((v) => v.configMap?.name ?? v.persistentVolumeClaim?.claimName)).toEqual(['orders-config-c1', 'data-orders-2']);
  });

  it('names each ConfigMap by the hash of its zoo.cfg', () => {
    const a = configMap(cluster(), withDefaults(cluster().spec));
    const b = configMap(cluster({ config: { tickTime: '3000' } }), withDefaults(cluster({ config: { tickTime: '3000' } }).spec));
    expect(a.metadata!.name).toMatch(/^orders-config-[0-9a-f]{10}$/);
    expect(a.metadata!.name).not.toBe(b.metadata!.name);
    expect(desiredCluster(cluster()).configRevision).toBe(a.metadata!.labels!['corral.dev/config-revision']);
  });

  it("computes ZooKeeper's digest of the super user", () => {
    // What Apache ZooKeeper's own DigestAuthenticationProvider prints for super:password (run from the Debian package).
    expect(superDigest('password')).toBe('super:DyNYQEQvajljsxlhf5uS4PJ9R28=');
  });
});

describe('the PodDisruptionBudget', () => {
  const minAvailable = (cc: CoordinationCluster) => (renderObject('podDisruptionBudget', cc, withDefaults(cc.spec)) as any).spec.minAvailable;

  it('allows one voter down, counting the membership still in force during a scale-down', () => {
    expect(minAvailable(cluster({ replicas: 5 }))).toBe(4);
    // Spec lowered to 3 while the ensemble still has 5 voters (the operator records them in status): still 4.
    const scalingDown = { ...cluster({ replicas: 3 }), status: { voters: 5 } } as CoordinationCluster;
    expect(minAvailable(scalingDown)).toBe(4);
    // Its hash follows, so the operator rewrites the budget as the membership shrinks.
    const shrunk = { ...scalingDown, status: { voters: 3 } } as CoordinationCluster;
    expect(minAvailable(shrunk)).toBe(2);
    expect(objectHashes(shrunk, withDefaults(shrunk.spec)).podDisruptionBudget).not.toBe(objectHashes(scalingDown, withDefaults(scalingDown.spec)).podDisruptionBudget);
    // Growing, the spec is the larger: joiners' pods count as soon as they run.
    expect(minAvailable({ ...cluster({ replicas: 5 }), status: { voters: 3 } } as CoordinationCluster)).toBe(4);
  });
});
