// Building blocks for planner tests: a desired cluster from a short description.
import type { DesiredCluster, DesiredGroup } from '../../src/plan/types.js';

export interface GroupSpec {
  name?: string;
  voters: number;
  observers?: number;
  leaderEligible?: boolean;
  revision?: string;
}

export function desiredCluster(groups: GroupSpec[], extra: Partial<DesiredCluster> = {}): DesiredCluster {
  return {
    name: 'zk',
    namespace: 'ns',
    generation: 1,
    groups: groups.map(
      (g, i): DesiredGroup => ({
        name: g.name ?? (groups.length === 1 ? 'default' : `g${i}`),
        voters: g.voters,
        observers: g.observers ?? 0,
        leaderEligible: g.leaderEligible ?? true,
        revision: g.revision ?? 'r1',
      }),
    ),
    configRevision: 'c1',
    objects: { membersService: 'h1', clientService: 'h1', superSecret: 's1', podDisruptionBudget: 'p1' },
    quotas: [],
    connectionLimits: { perClientAddress: 60, total: 0 },
    updateStrategy: 'Automatic',
    deleting: false,
    reclaimPolicy: 'Retain',
    ...extra,
  };
}

/** Sets every group's revision (a spec change that calls for a rolling restart). */
export const withRevision = (d: DesiredCluster, revision: string): DesiredCluster => ({
  ...d,
  generation: d.generation + 1,
  groups: d.groups.map((g) => ({ ...g, revision })),
});
