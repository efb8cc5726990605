import { cpus, totalmem } from 'node:os';
import type { V1Container, V1ObjectFieldSelector, V1Pod, V1ResourceFieldSelector } from '@kubernetes/client-node';
import { parseQuantity } from './quantity.js';

/** What the downward API can expose that is not in the pod object itself yet: its addresses. */
export interface PodAddresses {
  podIP: string;
  hostIP: string;
}

/** Values of `fieldRef`s (env and downwardAPI volumes), as the kubelet formats them. */
export function fieldValue(pod: V1Pod, addresses: PodAddresses, ref: V1ObjectFieldSelector): string {
  const path = ref.fieldPath;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (pod.metadata?.[keyed[1] as 'labels' | 'annotations'] ?? {})[keyed[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
    case 'metadata.annotations':
      return formatMap(pod.metadata?.[path === 'metadata.labels' ? 'labels' : 'annotations'] ?? {});
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return addresses.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return addresses.hostIP;
    default:
      throw new Error(`unsupported fieldPath "${path}"`);
  }
}

/** `key="value"` lines, sorted, as a downwardAPI volume renders labels and annotations. */
function formatMap(map: Record<string, string>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${JSON.stringify(map[k])}`)
    .join('\n');
}

/**
 * Values of `resourceFieldRef`s: the container's limit (or request), divided by the divisor and rounded up;
 * a limit that is not set reads as the whole machine, as a node's allocatable would.
 */
export function resourceValue(pod: V1Pod, ref: V1ResourceFieldSelector, container?: V1Container): string {
  const target = pod.spec?.containers.find((c) => c.name === (ref.containerName || container?.name)) ?? container;
  if (!target) throw new Error(`resourceFieldRef names no container ("${ref.containerName ?? ''}")`);
  const [kind, resource] = ref.resource.split('.') as [string, string];
  if ((kind !== 'limits' && kind !== 'requests') || (resource !== 'cpu' && resource !== 'memory' && resource !== 'ephemeral-storage')) {
    throw new Error(`unsupported resourceFieldRef "${ref.resource}"`);
  }
  const set = target.resources?.[kind]?.[resource] ?? (kind === 'requests' ? target.resources?.limits?.[resource] : undefined);
  const machine = resource === 'cpu' ? cpus().length : totalmem();
  const value = set !== undefined ? parseQuantity(set) : kind === 'limits' ? machine : 0;
  const divisor = ref.divisor !== undefined ? parseQuantity(ref.divisor) : 1;
  return String(Math.ceil(value / divisor));
}
