import { describe, expect, it } from 'vitest';
import { normalizeGroups, withDefaults, type CoordinationClusterSpec, type DefaultedSpec } from '../../src/api/index.js';

describe('withDefaults', () => {
  it('fills every defaulted field of a minimal spec', () => {
    // Typed as DefaultedSpec, so the compiler insists on every field the type says is always present.
    const expected: DefaultedSpec = {
      image: 'corral:dev',
      imagePullPolicy: 'IfNotPresent',
      storage: { size: '1Gi', reclaimPolicy: 'Retain' },
      connectionLimits: { perClientAddress: 60, total: 0 },
      clientService: { type: 'ClusterIP' },
      metrics: { enabled: true, port: 7000, podMonitor: false },
      pdb: { enabled: true },
      updateStrategy: { type: 'Automatic' },
    };
    expect(withDefaults({ image: 'corral:dev' })).toStrictEqual(expected);
  });

  it('keeps what the user set, defaults inside groups, and does not touch its argument', () => {
    const spec: CoordinationClusterSpec = {
      image: 'corral:dev',
      storage: { storageClassName: 'fast', reclaimPolicy: 'Delete' },
      groups: [{ name: 'a', voters: 2 }, { name: 'b', voters: 1, leaderEligible: false, observers: 2 }],
      metrics: { port: 9100 },
    };
    const before = structuredClone(spec);
    const full = withDefaults(spec);
    expect(spec).toStrictEqual(before);
    expect(full.storage).toStrictEqual({ size: '1Gi', storageClassName: 'fast', reclaimPolicy: 'Delete' });
    expect(full.groups).toStrictEqual([
      { name: 'a', voters: 2, observers: 0, leaderEligible: true },
      { name: 'b', voters: 1, observers: 2, leaderEligible: false },
    ]);
    expect(full.metrics).toStrictEqual({ enabled: true, port: 9100, podMonitor: false });
    expect(withDefaults(full)).toStrictEqual(full);
  });
});

describe('normalizeGroups', () => {
  it('makes the implicit group "default" from replicas, observers and the spec-level placement', () => {
    expect(normalizeGroups({ image: 'x' })).toStrictEqual([
      { name: 'default', voters: 3, observers: 0, leaderEligible: true },
    ]);
    const tolerations = [{ key: 'dedicated', operator: 'Exists' }];
    const [group] = normalizeGroups({ image: 'x', replicas: 5, observers: 2, nodeSelector: { disk: 'ssd' }, tolerations });
    expect(group).toStrictEqual({ name: 'default', voters: 5, observers: 2, leaderEligible: true, nodeSelector: { disk: 'ssd' }, tolerations });
  });

  it('returns spec.groups with their defaults when present', () => {
    expect(normalizeGroups({ image: 'x', groups: [{ name: 'eu', voters: 3 }] })).toStrictEqual([
      { name: 'eu', voters: 3, observers: 0, leaderEligible: true },
    ]);
  });
});
