// One Observed snapshot of a cluster for the planner: its objects as the informers' caches hold them, and what
// its members answer. Pure mapping from Kubernetes objects (plus the probes and quotas, gathered by the caller),
// so it is tested without a cluster.
import type { V1Node, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import type { ClusterStatus, ObjectKind, Observed, ObservedPod, ObservedPvc, Probe, Quota } from '../plan/types.js';
import type { CoordinationCluster } from '../api/index.js';
import { ANNOTATION, FINALIZER, LABEL } from '../render/labels.js';

export interface ClusterObjects {
  cluster: CoordinationCluster;
  pods: readonly V1Pod[];
  pvcs: readonly V1PersistentVolumeClaim[];
  /** The owned shared objects that exist, by kind, with their hash annotation. */
  objects: Partial<Record<ObjectKind, { metadata?: { annotations?: Record<string, string> } }>>;
  /** Config revisions whose ConfigMap exists. */
  configRevisions: string[];
  nodes: (name: string) => V1Node | undefined;
}

const POD_PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const PVC_PHASES = new Set(['Pending', 'Bound', 'Lost']);

const conditionTrue = (conditions: Array<{ type: string; status: string }> | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

/** The server id label, or undefined for an object that is not a member's (or whose label was tampered with). */
function serverIdOf(labels: Record<string, string> | undefined): number | undefined {
  const id = Number(labels?.[LABEL.serverId]);
  return Number.isInteger(id) && id > 0 ? id : undefined;
}

export function observedPod(pod: V1Pod, nodes: ClusterObjects['nodes']): ObservedPod | undefined {
  const labels = pod.metadata?.labels;
  const serverId = serverIdOf(labels);
  if (serverId === undefined) return undefined;
  const phase = pod.status?.phase ?? 'Pending';
  const node = pod.spec?.nodeName ? nodes(pod.spec.nodeName) : undefined;
  return {
    name: pod.metadata!.name!,
    serverId,
    group: labels?.[LABEL.group] ?? '',
    role: labels?.[LABEL.role] === 'observer' ? 'observer' : 'participant',
    revision: labels?.[LABEL.revision] ?? '',
    configRevision: labels?.[LABEL.configRevision] ?? '',
    phase: (POD_PHASES.has(phase) ? phase : 'Unknown') as ObservedPod['phase'],
    ready: conditionTrue(pod.status?.conditions, 'Ready'),
    deleting: pod.metadata?.deletionTimestamp !== undefined,
    restartCount: (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
    ...(pod.status?.podIP ? { podIP: pod.status.podIP } : {}),
    ...(node ? { nodeReady: conditionTrue(node.status?.conditions, 'Ready') } : {}),
  };
}

export function observedPvc(pvc: V1PersistentVolumeClaim, clusterUid: string | undefined): ObservedPvc | undefined {
  const serverId = serverIdOf(pvc.metadata?.labels);
  if (serverId === undefined) return undefined;
  const phase = pvc.status?.phase ?? 'Pending';
  return {
    name: pvc.metadata!.name!,
    serverId,
    group: pvc.metadata?.labels?.[LABEL.group] ?? '',
    phase: (PVC_PHASES.has(phase) ? phase : 'Pending') as ObservedPvc['phase'],
    deleting: pvc.metadata?.deletionTimestamp !== undefined,
    owned: (pvc.metadata?.ownerReferences ?? []).some((o) => o.uid === clusterUid),
  };
}

export function observe(objects: ClusterObjects, probes: Probe[], quotas: Quota[] | undefined): Observed {
  const cc = objects.cluster;
  const hashes: Partial<Record<ObjectKind, string>> = {};
  for (const [kind, object] of Object.entries(objects.objects) as Array<[ObjectKind, ClusterObjects['objects'][ObjectKind]]>) {
    if (object) hashes[kind] = object.metadata?.annotations?.[ANNOTATION.hash] ?? '';
  }
  return {
    finalizer: (cc.metadata.finalizers ?? []).includes(FINALIZER),
    ...(cc.status ? { status: cc.status as Partial<ClusterStatus> } : {}),
    pods: objects.pods.flatMap((p) => observedPod(p, objects.nodes) ?? []),
    pvcs: objects.pvcs.flatMap((p) => observedPvc(p, cc.metadata.uid) ?? []),
    objects: hashes,
    configMaps: objects.configRevisions,
    probes,
    ...(quotas ? { quotas } : {}),
  };
}
