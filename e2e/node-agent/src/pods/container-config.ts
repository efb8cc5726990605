import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { labels } from '../runtime/labels.js';
import type { CreateSpec } from '../runtime/podman.js';
import { makeWorldWritableDir, type PreparedVolume } from '../volumes/volumes.js';
import { ContainerConfigError, expandReferences } from './env.js';
import { parseQuantity } from './quantity.js';

export interface ContainerInputs {
  /** The agent's instance id (labels.ts). */
  instance: string;
  pod: V1Pod;
  container: V1Container;
  restartCount: number;
  env: Map<string, string>;
  volumes: Map<string, PreparedVolume>;
  /** Holds the pod's `hosts` and `resolv.conf`. */
  sandboxDir: string;
  podIP: string;
}

/** The pod's hostname: spec.hostname, else the pod name (cut to 63 characters, as the kubelet does). */
export function podHostname(pod: V1Pod): string {
  return (pod.spec?.hostname || pod.metadata!.name!).slice(0, 63).replace(/[-.]+$/, '');
}

/** podman's name for one run of one container: unique per pod UID and restart, readable in `podman ps`. */
export function containerName(pod: V1Pod, container: string, restartCount: number): string {
  const meta = pod.metadata!;
  return `k8s_${container}_${meta.name}_${meta.namespace}_${meta.uid!.slice(0, 8)}_${restartCount}`;
}

/** Turns a pod's container into what podman create needs: mounts, limits, user, labels, command. */
export function containerCreateSpec(input: ContainerInputs): CreateSpec {
  const { pod, container, env } = input;
  const lookup = (name: string) => env.get(name);
  const limits = container.resources?.limits ?? {};
  const security = { ...pod.spec?.securityContext, ...container.securityContext };
  const groups = [
    ...(pod.spec?.securityContext?.fsGroup !== undefined ? [pod.spec.securityContext.fsGroup] : []),
    ...(pod.spec?.securityContext?.supplementalGroups ?? []),
  ];
  return {
    name: containerName(pod, container.name, input.restartCount),
    image: container.image!,
    labels: {
      [labels.instance]: input.instance,
      [labels.node]: pod.spec!.nodeName!,
      [labels.podUid]: pod.metadata!.uid!,
      [labels.podName]: pod.metadata!.name!,
      [labels.podNamespace]: pod.metadata!.namespace!,
      [labels.podIP]: input.podIP,
      [labels.container]: container.name,
      [labels.restartCount]: String(input.restartCount),
    },
    env,
    ...(container.command ? { entrypoint: container.command.map((c) => expandReferences(c, lookup)) } : {}),
    ...(container.args ? { args: container.args.map((a) => expandReferences(a, lookup)) } : {}),
    ...(container.workingDir ? { workingDir: container.workingDir } : {}),
    hostname: podHostname(pod),
    mounts: [
      { source: join(input.sandboxDir, 'hosts'), target: '/etc/hosts', readOnly: false },
      { source: join(input.sandboxDir, 'resolv.conf'), target: '/etc/resolv.conf', readOnly: true },
      ...volumeMounts(container, input.volumes, lookup),
    ],
    ...(limits.memory !== undefined ? { memoryBytes: Math.floor(parseQuantity(limits.memory)) } : {}),
    ...(limits.cpu !== undefined ? { cpus: Math.max(0.01, parseQuantity(limits.cpu)) } : {}),
    ...(security.runAsUser !== undefined ? { user: `${security.runAsUser}${security.runAsGroup !== undefined ? `:${security.runAsGroup}` : ''}` } : {}),
    ...(groups.length > 0 ? { groups } : {}),
  };
}

function volumeMounts(container: V1Container, volumes: Map<string, PreparedVolume>, lookup: (name: string) => string | undefined): CreateSpec['mounts'] {
  return (container.volumeMounts ?? []).map((m) => {
    const volume = volumes.get(m.name);
    if (!volume) throw new ContainerConfigError(`volume "${m.name}" not found among the pod's volumes`);
    const sub = m.subPathExpr ? expandReferences(m.subPathExpr, lookup) : (m.subPath ?? '');
    if (sub && (sub.startsWith('/') || normalize(sub).startsWith('..'))) {
      throw new ContainerConfigError(`subPath "${sub}" of volume "${m.name}" must be a relative path inside the volume`);
    }
    const source = sub ? join(volume.hostPath, sub) : volume.hostPath;
    if (sub && !existsSync(source)) {
      if (!volume.writable) throw new ContainerConfigError(`subPath "${sub}" does not exist in volume "${m.name}"`);
      makeWorldWritableDir(source);
    }
    return { source, target: m.mountPath, readOnly: (m.readOnly ?? false) || volume.readOnly };
  });
}
