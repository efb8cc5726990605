// Names of the objects a cluster owns, shared by the planner (status, messages) and whoever creates them.

export const podName = (cluster: string, serverId: number): string => `${cluster}-${serverId}`;
export const pvcName = (cluster: string, serverId: number): string => `data-${cluster}-${serverId}`;
export const membersServiceName = (cluster: string): string => `${cluster}-members`;
export const configMapName = (cluster: string, revision: string): string => `${cluster}-config-${revision}`;

/** The stable DNS name of a member (its pod's hostname under the headless Service). */
export const memberHost = (cluster: string, namespace: string, serverId: number): string =>
  `${podName(cluster, serverId)}.${membersServiceName(cluster)}.${namespace}.svc.cluster.local`;

export const CLIENT_PORT = 2181;

/** Supervised updates: the annotation whose value (a revision) approves the leader's restart; status tells it. */
export const APPROVE_LEADER_RESTART = 'corral.dev/approve-leader-restart';

/** Quorum-loss recovery: any new value of this annotation asks for one; the QuorumLost message names it. */
export const RECOVER_QUORUM = 'corral.dev/recover-quorum';

export const selectorLabels = (cluster: string): Record<string, string> => ({
  'app.kubernetes.io/name': 'corral',
  'app.kubernetes.io/instance': cluster,
});

export const selectorString = (cluster: string): string =>
  Object.entries(selectorLabels(cluster))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
