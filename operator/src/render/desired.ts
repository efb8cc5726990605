// A CoordinationCluster → what the planner works towards (DesiredCluster). Revisions are content hashes of what
// a member runs, so any change to the image, zoo.cfg settings, resources, pod template or placement (or a new
// restartedAt annotation) gives its members a new revision, which the planner rolls out.
import { normalizeGroups, withDefaults, type CoordinationCluster } from '../api/index.js';
import type { DesiredCluster } from '../plan/types.js';
import { contentHash } from './hash.js';
import { ANNOTATION } from './labels.js';
import { memberTemplate } from './member.js';
import { configRevision, objectHashes } from './objects.js';

export function desiredCluster(cc: CoordinationCluster): DesiredCluster {
  const spec = withDefaults(cc.spec);
  const annotations = cc.metadata.annotations ?? {};
  const config = configRevision(spec);
  const restartedAt = annotations[ANNOTATION.restartedAt];
  const approved = annotations[ANNOTATION.approveLeaderRestart];
  const recovery = annotations[ANNOTATION.recoverQuorum];
  return {
    name: cc.metadata.name!,
    namespace: cc.metadata.namespace!,
    generation: cc.metadata.generation ?? 0,
    groups: normalizeGroups(cc.spec).map((g) => ({
      name: g.name,
      voters: g.voters,
      observers: g.observers,
      leaderEligible: g.leaderEligible,
      revision: contentHash({ template: memberTemplate(spec, g), config, restartedAt }),
    })),
    configRevision: config,
    objects: objectHashes(cc, spec),
    quotas: (spec.quotas ?? []).map((q) => ({
      path: q.path,
      ...(q.maxNodes !== undefined ? { maxNodes: q.maxNodes } : {}),
      ...(q.maxBytes !== undefined ? { maxBytes: q.maxBytes } : {}),
    })),
    connectionLimits: { perClientAddress: spec.connectionLimits.perClientAddress, total: spec.connectionLimits.total },
    updateStrategy: spec.updateStrategy.type,
    ...(approved ? { leaderRestartApproved: approved } : {}),
    ...(recovery ? { recoveryRequest: recovery } : {}),
    deleting: cc.metadata.deletionTimestamp !== undefined,
    reclaimPolicy: spec.storage.reclaimPolicy,
  };
}
