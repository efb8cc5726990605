// Labels, annotations and owner references on every object a cluster owns: the selector labels pick its pods,
// the corral.dev/* labels let the observer map objects back to clusters and members without parsing names.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, KIND, type CoordinationCluster } from '../api/index.js';
import { APPROVE_LEADER_RESTART, RECOVER_QUORUM, selectorLabels } from '../plan/names.js';

export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: 'corral.dev/cluster',
  serverId: 'corral.dev/server-id',
  group: 'corral.dev/group',
  role: 'corral.dev/role',
  revision: 'corral.dev/revision',
  configRevision: 'corral.dev/config-revision',
} as const;

export const ANNOTATION = {
  /** Content hash of an owned object, compared with the desired one to find drift. */
  hash: 'corral.dev/hash',
  /** `kubectl rollout restart`-style on-demand restart: any new value rolls every member. */
  restartedAt: 'corral.dev/restartedAt',
  /** Supervised updates: the revision whose leader restart a user approved. */
  approveLeaderRestart: APPROVE_LEADER_RESTART,
  /** Quorum-loss recovery request (any new value asks once). */
  recoverQuorum: RECOVER_QUORUM,
} as const;

export const MANAGER = 'corral-operator';
export const FINALIZER = 'corral.dev/reclaim';

export function clusterLabels(cluster: string): Record<string, string> {
  return { ...selectorLabels(cluster), [LABEL.managedBy]: MANAGER, [LABEL.cluster]: cluster };
}

/** Makes the cluster the object's controller, so garbage collection removes it with the cluster. */
export function ownerReference(cc: CoordinationCluster): V1OwnerReference {
  return {
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: KIND,
    name: cc.metadata.name!,
    uid: cc.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata of an owned object: the cluster's labels plus `extra`, owned by the cluster. */
export function ownedMeta(cc: CoordinationCluster, name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): V1ObjectMeta {
  return {
    name,
    namespace: cc.metadata.namespace!,
    labels: { ...clusterLabels(cc.metadata.name!), ...extra.labels },
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
    ownerReferences: [ownerReference(cc)],
  };
}
