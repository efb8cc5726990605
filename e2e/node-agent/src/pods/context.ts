import type { Logger } from 'pino';
import type { Kube } from '../kube/api.js';
import type { EventRecorder } from '../kube/events.js';
import type { HostsFiles } from '../net/hosts-files.js';
import type { IpAllocator } from '../net/ip-allocator.js';
import type { NodeSet } from '../nodes/nodes.js';
import type { RuntimeMonitor } from '../runtime/monitor.js';
import type { Podman } from '../runtime/podman.js';
import type { VolumeSources } from '../volumes/volumes.js';
import type { Backoff } from './backoff.js';

/** What a pod worker needs from the rest of the agent. */
export interface PodContext {
  /** The agent's instance id, on every container it makes (runtime/labels.ts). */
  instance: string;
  kube: Kube;
  podman: Podman;
  monitor: RuntimeMonitor;
  nodes: NodeSet;
  ips: IpAllocator;
  hosts: HostsFiles;
  volumes: VolumeSources;
  events: EventRecorder;
  /** Container restarts (CrashLoopBackOff) and image "pulls" (ImagePullBackOff). */
  crashBackoff: Backoff;
  imageBackoff: Backoff;
  log: Logger;
  /** Per-pod directories (volumes, hosts file) live under `<podsDir>/<uid>`. */
  podsDir: string;
  /** Variables every container gets unless it sets them itself (KUBERNETES_SERVICE_HOST/PORT). */
  serviceEnv: Record<string, string>;
}
