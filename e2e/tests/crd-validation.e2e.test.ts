import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRD_FILE, CRD_NAME } from '../../operator/src/api/crd.js';
import { CoordinationClusterSpecSchema, GroupSchema, withDefaults, type CoordinationClusterSpec } from '../../operator/src/api/index.js';
import { kubectl, kubectlJson, testNamespace } from './support/kubectl.js';

// The CoordinationCluster CRD on a real API server: the schema compiles (CEL within its cost budget), bad specs
// are refused at apply time with messages that name the field, good ones are accepted and defaulted exactly as
// withDefaults() says, and kubectl shows the descriptions, the printer columns and the scale subresource.
// Objects are created with --dry-run=server unless a test needs one stored (updates, scale, status).

const IMAGE = 'localhost/corral:dev';

const manifest = (name: string, spec: object) =>
  JSON.stringify({ apiVersion: 'corral.dev/v1alpha1', kind: 'CoordinationCluster', metadata: { name }, spec: { image: IMAGE, ...spec } });

/** Collapses kubectl's line wrapping so texts can be compared. */
const words = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('CoordinationCluster CRD on the API server', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  const inNs = (...args: string[]) => ['-n', ns.name, ...args];

  /** Server-side dry run of a create: the object as the API server would store it. */
  const dryRun = (spec: object) =>
    kubectlJson<{ spec: CoordinationClusterSpec }>(inNs('create', '--dry-run=server', '-f', '-'), manifest('dry-run', spec));

  /** Expects the API server to refuse `spec` with an error matching `message`. */
  const refused = (spec: object, message: RegExp) => expect(dryRun(spec)).rejects.toThrow(message);

  beforeAll(async () => {
    await kubectl(['apply', '--server-side', '--force-conflicts', '-f', join(import.meta.dirname, '../..', CRD_FILE)]);
    await kubectl(['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']);
    ns = await testNamespace('e2e-crd');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  describe('refuses, naming the field', () => {
    it('a cluster without voters', async () => {
      await refused({ replicas: 0 }, /spec\.replicas: Invalid value: a cluster needs at least one voter/);
      await refused({ groups: [{ name: 'a', voters: 0, observers: 2 }] }, /spec\.groups: Invalid value: a cluster needs at least one voter/);
    });

    it('leader-eligible voters that cannot form a quorum by themselves', async () => {
      await refused(
        { groups: [{ name: 'eu', voters: 1 }, { name: 'us', voters: 2, leaderEligible: false }] },
        /spec\.groups: Invalid value: the leader-eligible voters \(1 of 3\) cannot form a quorum by themselves: at least 2/,
      );
    });

    it('zoo.cfg keys the operator owns, unknown keys and malformed values', async () => {
      await refused({ config: { dataDir: '/data' } }, /spec\.config: Invalid value: dataDir is managed by the operator/);
      await refused({ config: { 'server.1': 'a:2888:3888' } }, /spec\.config: Invalid value: server\.1 is managed by the operator/);
      await refused({ config: { maxClientCnxns: '10' } }, /maxClientCnxns is managed by the operator; set spec\.connectionLimits\.perClientAddress instead/);
      await refused({ config: { tickTimeMs: '2000' } }, /spec\.config: Invalid value: tickTimeMs is not a setting spec\.config accepts/);
      await refused({ config: { tickTime: 'fast' } }, /spec\.config: Invalid value: tickTime must be a whole number from 1 to 2147483647, not 'fast'/);
      await refused({ config: { forceSync: 'true' } }, /forceSync must be 'yes' or 'no'/);
    });

    it('spec.replicas, spec.observers or single-group placement together with spec.groups', async () => {
      const groups = [{ name: 'a', voters: 3 }];
      await refused({ replicas: 3, groups }, /spec\.replicas: Forbidden: .*set the voters of each group in spec\.groups\[\]\.voters/);
      await refused({ observers: 1, groups }, /spec\.observers: Forbidden: .*spec\.groups\[\]\.observers/);
      await refused({ nodeSelector: { disk: 'ssd' }, groups }, /spec\.nodeSelector: Forbidden: .*spec\.groups\[\]\.nodeSelector/);
    });

    it('bad group names, duplicate groups, negative counts', async () => {
      await refused({ groups: [{ name: 'EU_West', voters: 3 }] }, /spec\.groups\[0\]\.name: Invalid value: "EU_West": a group name must be a DNS label/);
      await refused({ groups: [{ name: 'a', voters: 3 }, { name: 'a', voters: 1 }] }, /spec\.groups\[1\]: Duplicate value/);
      await refused({ observers: -1 }, /spec\.observers: Invalid value: -1/);
      await refused({ groups: [{ name: 'a', voters: 3, observers: -1 }] }, /spec\.groups\[0\]\.observers: Invalid value: -1/);
    });

    it('quota paths that are not absolute znode paths', async () => {
      await refused({ quotas: [{ path: 'app', maxNodes: 10 }] }, /spec\.quotas\[0\]\.path: Invalid value: "app": a quota path must be an absolute znode path/);
      await refused({ quotas: [{ path: '/app/', maxNodes: 10 }] }, /spec\.quotas\[0\]\.path: .*absolute znode path/);
      await refused({ quotas: [{ path: '/app' }] }, /spec\.quotas\[0\]: Invalid value: a quota needs maxNodes, maxBytes or both/);
    });

    it('a storage size that is not a positive quantity', async () => {
      await refused({ storage: { size: 'lots' } }, /spec\.storage\.size: Invalid value: "lots": must be a positive quantity/);
    });
  });

  describe('accepts', () => {
    it('the seed case: two regions of leader-eligible voters and a never-leader tie-breaker, defaulted as withDefaults says', async () => {
      const spec: Omit<CoordinationClusterSpec, 'image'> = {
        groups: [
          { name: 'region-1', voters: 2, nodeSelector: { 'topology.kubernetes.io/region': 'region-1' } },
          { name: 'region-2', voters: 2, observers: 1 },
          { name: 'region-3', voters: 1, leaderEligible: false, tolerations: [{ key: 'remote', operator: 'Exists', effect: 'NoSchedule' }] },
        ],
        config: { tickTime: '2000', forceSync: 'no', 'autopurge.purgeInterval': '1' },
        quotas: [{ path: '/app', maxNodes: 1000, maxBytes: 1_000_000 }],
        storage: { size: '2Gi', storageClassName: 'corral-local' },
      };
      const full = { image: IMAGE, ...spec };
      expect((await dryRun(spec)).spec).toEqual(withDefaults(full));
    });

    it('a minimal spec, defaulted as withDefaults says', async () => {
      expect((await dryRun({})).spec).toEqual(withDefaults({ image: IMAGE }));
    });
  });

  describe('stored objects', () => {
    it('keeps spec.storage.storageClassName as created; other storage fields may change', async () => {
      await kubectl(inNs('create', '-f', '-'), { input: manifest('fixed-class', { storage: { storageClassName: 'corral-local' } }) });
      const patch = (storage: object) =>
        kubectl(inNs('patch', 'cc', 'fixed-class', '--dry-run=server', '--type=merge', '-p', JSON.stringify({ spec: { storage } })));
      await expect(patch({ storageClassName: 'other' })).rejects.toThrow(/spec\.storage\.storageClassName: Invalid value: .*cannot be changed after creation/);
      await expect(
        kubectl(inNs('patch', 'cc', 'fixed-class', '--dry-run=server', '--type=json', '-p', '[{"op":"remove","path":"/spec/storage/storageClassName"}]')),
      ).rejects.toThrow(/cannot be changed after creation/);
      await patch({ size: '5Gi' });
    });

    it('kubectl scale sets the voters of a cluster without groups and is refused, with the way out, when there are groups', async () => {
      await kubectl(inNs('create', '-f', '-'), { input: manifest('single', {}) });
      await kubectl(inNs('scale', 'cc/single', '--replicas=5'));
      expect(await kubectl(inNs('get', 'cc', 'single', '-o', 'jsonpath={.spec.replicas}'))).toBe('5');
      const scale = await kubectlJson<{ spec: { replicas: number } }>(inNs('get', 'cc', 'single', '--subresource=scale'));
      expect(scale.spec.replicas).toBe(5);

      await kubectl(inNs('create', '-f', '-'), { input: manifest('grouped', { groups: [{ name: 'a', voters: 3 }] }) });
      await expect(kubectl(inNs('scale', 'cc/grouped', '--replicas=5'))).rejects.toThrow(
        /spec\.replicas: Forbidden: .*spec\.groups\[\]\.voters instead \(kubectl scale works only for a cluster without spec\.groups\)/,
      );
    });

    it('takes a status through the status subresource and shows it in the printer columns', async () => {
      await kubectl(inNs('create', '-f', '-'), { input: manifest('shown', {}) });
      const status = {
        observedGeneration: 1,
        voters: 3,
        readyVoters: 2,
        replicas: 3,
        leader: 'shown-2',
        selector: 'corral.dev/cluster=shown,corral.dev/role=participant',
        connectString: 'shown-1.shown-members.x.svc.cluster.local:2181',
        conditions: [
          { type: 'Ready', status: 'False', reason: 'MemberNotReady', message: 'shown-3 is starting', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1 },
        ],
        members: [{ name: 'shown-1', serverId: 1, group: 'default', role: 'participant', leaderEligible: true, ready: true, zxid: '0x100000002', lag: 0 }],
      };
      await kubectl(inNs('patch', 'cc', 'shown', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })));
      const table = (await kubectl(inNs('get', 'cc', 'shown'))).trim().split('\n').map((l) => l.trim().split(/\s+/));
      expect(table[0]).toEqual(['NAME', 'VOTERS', 'READY', 'LEADER', 'STATUS', 'AGE']);
      expect(table[1]!.slice(0, 5)).toEqual(['shown', '3', '2', 'shown-2', 'MemberNotReady']);
      expect(await kubectl(inNs('get', 'corral', 'shown', '-o', 'name'))).toMatch(/coordinationcluster\.corral\.dev\/shown/);
    });
  });

  it('kubectl explain shows the descriptions', async () => {
    const groups = words(await kubectl(['explain', 'cc.spec.groups']));
    expect(groups).toContain(words(CoordinationClusterSpecSchema.properties.groups.description!));
    expect(groups).toContain(words(GroupSchema.properties.leaderEligible.description!));
    const spec = words(await kubectl(['explain', 'coordinationcluster.spec']));
    expect(spec).toContain(words(CoordinationClusterSpecSchema.properties.replicas.description!));
  });
});
