// The informers the operator keeps: its clusters, the objects they own (selected by the managed-by label, so the
// operator never caches a whole cluster's pods), and Nodes (for the Ready condition of a member's node). Every
// change to an owned object queues its cluster's key; the caches answer the reconciler's reads.
import {
  CoreV1Api,
  CustomObjectsApi,
  PolicyV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Node,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, PLURAL, type CoordinationCluster } from '../api/index.js';
import { ResilientInformer, type WatchLog } from '../kube/informer.js';
import { LABEL, MANAGER } from '../render/labels.js';

export const clusterKey = (namespace: string, name: string) => `${namespace}/${name}`;

export interface Caches {
  clusters: ResilientInformer<CoordinationCluster>;
  pods: ResilientInformer<V1Pod>;
  pvcs: ResilientInformer<V1PersistentVolumeClaim>;
  services: ResilientInformer<V1Service>;
  configMaps: ResilientInformer<V1ConfigMap>;
  secrets: ResilientInformer<V1Secret>;
  pdbs: ResilientInformer<V1PodDisruptionBudget>;
  nodes: ResilientInformer<V1Node>;
}

export function makeCaches(
  config: KubeConfig,
  options: { namespace?: string; log: WatchLog; enqueue: (key: string) => void; onNode: (node: V1Node) => void },
): Caches {
  const core = config.makeApiClient(CoreV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  const policy = config.makeApiClient(PolicyV1Api);
  const ns = options.namespace;
  const labelSelector = `${'app.kubernetes.io/managed-by'}=${MANAGER}`;
  const owned = (obj: KubernetesObject) => {
    const cluster = obj.metadata?.labels?.[LABEL.cluster];
    if (cluster && obj.metadata?.namespace) options.enqueue(clusterKey(obj.metadata.namespace, cluster));
  };
  const path = (group: string, plural: string) => `${group === '' ? '/api/v1' : `/apis/${group}`}${ns ? `/namespaces/${ns}` : ''}/${plural}`;
  const informer = <T extends KubernetesObject>(p: string, list: () => Promise<KubernetesListObject<T>>, onChange: (o: T) => void, selector?: string) =>
    new ResilientInformer<T>(config, { path: p, list, onChange, log: options.log, ...(selector ? { labelSelector: selector } : {}) });

  return {
    clusters: informer<CoordinationCluster>(
      path(`${API_GROUP}/${API_VERSION}`, PLURAL),
      () =>
        (ns
          ? custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, plural: PLURAL, namespace: ns })
          : custom.listClusterCustomObject({ group: API_GROUP, version: API_VERSION, plural: PLURAL })) as Promise<KubernetesListObject<CoordinationCluster>>,
      (cc) => options.enqueue(clusterKey(cc.metadata.namespace!, cc.metadata.name!)),
    ),
    pods: informer(path('', 'pods'), () => (ns ? core.listNamespacedPod({ namespace: ns, labelSelector }) : core.listPodForAllNamespaces({ labelSelector })), owned, labelSelector),
    pvcs: informer(
      path('', 'persistentvolumeclaims'),
      () => (ns ? core.listNamespacedPersistentVolumeClaim({ namespace: ns, labelSelector }) : core.listPersistentVolumeClaimForAllNamespaces({ labelSelector })),
      owned,
      labelSelector,
    ),
    services: informer(path('', 'services'), () => (ns ? core.listNamespacedService({ namespace: ns, labelSelector }) : core.listServiceForAllNamespaces({ labelSelector })), owned, labelSelector),
    configMaps: informer(
      path('', 'configmaps'),
      () => (ns ? core.listNamespacedConfigMap({ namespace: ns, labelSelector }) : core.listConfigMapForAllNamespaces({ labelSelector })),
      owned,
      labelSelector,
    ),
    secrets: informer(path('', 'secrets'), () => (ns ? core.listNamespacedSecret({ namespace: ns, labelSelector }) : core.listSecretForAllNamespaces({ labelSelector })), owned, labelSelector),
    pdbs: informer(
      path('policy/v1', 'poddisruptionbudgets'),
      () => (ns ? policy.listNamespacedPodDisruptionBudget({ namespace: ns, labelSelector }) : policy.listPodDisruptionBudgetForAllNamespaces({ labelSelector })),
      owned,
      labelSelector,
    ),
    // A node going NotReady changes no owned object: the caller requeues the clusters with pods on it.
    nodes: informer<V1Node>('/api/v1/nodes', () => core.listNode(), options.onNode),
  };
}

export const allCaches = (c: Caches) => Object.values(c) as Array<ResilientInformer<KubernetesObject>>;
