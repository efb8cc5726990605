// A member's Pod and PersistentVolumeClaim. The pod is created once per incarnation and never updated (a change
// of what it runs is a new revision, rolled out by deleting pods in the planner's order); the volume outlives
// pods and carries the member's identity (server id) and data.
import type { V1EnvVar, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { MEMBER_PORTS, type CoordinationCluster, type DefaultedGroup, type DefaultedSpec } from '../api/index.js';
import { configMapName, membersServiceName, podName, pvcName } from '../plan/names.js';
import type { Action, ConnectionLimits } from '../plan/types.js';
import { LABEL, ownedMeta } from './labels.js';
import { superSecretName, SUPER_DIGEST_KEY } from './objects.js';
import { CONFIG_DIR, DATA_DIR, podConfigLines } from './zoo-cfg.js';

type CreatePod = Extract<Action, { kind: 'createPod' }>;

/**
 * Without a pod security context from the user: run as the image's user (uid 1000), and have the kubelet make
 * the data volume group-writable for it (fsGroup), as volumes are provisioned root-owned.
 */
const DEFAULT_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
};

/** A leader hands over before it exits; the grace period bounds that and the final fsync. */
const TERMINATION_GRACE_SECONDS = 30;

export function memberLabels(serverId: number, group: string, role: 'participant' | 'observer'): Record<string, string> {
  return { [LABEL.serverId]: String(serverId), [LABEL.group]: group, [LABEL.role]: role };
}

const fieldEnv = (name: string, fieldPath: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** The pod spec parts a member's revision covers: everything here but identity and initial membership. */
export function memberTemplate(spec: DefaultedSpec, group: DefaultedGroup) {
  const t = spec.podTemplate ?? {};
  return {
    image: spec.image,
    imagePullPolicy: spec.imagePullPolicy,
    resources: spec.resources,
    serviceAccountName: spec.serviceAccountName,
    labels: t.labels,
    annotations: t.annotations,
    priorityClassName: t.priorityClassName,
    securityContext: t.securityContext,
    containerSecurityContext: t.containerSecurityContext,
    nodeSelector: group.nodeSelector,
    affinity: group.affinity,
    tolerations: group.tolerations,
    topologySpreadConstraints: group.topologySpreadConstraints,
    metricsPort: spec.metrics.enabled ? spec.metrics.port : undefined,
  };
}

export function memberPod(cc: CoordinationCluster, spec: DefaultedSpec, group: DefaultedGroup, action: CreatePod, limits: ConnectionLimits): V1Pod {
  const cluster = cc.metadata.name!;
  const namespace = cc.metadata.namespace!;
  const t = memberTemplate(spec, group);
  const podRole = action.role === 'observer' ? 'observer' : 'participant';
  const ports = [
    { name: 'client', containerPort: MEMBER_PORTS.client },
    { name: 'quorum', containerPort: MEMBER_PORTS.quorum },
    { name: 'election', containerPort: MEMBER_PORTS.election },
    { name: 'admin', containerPort: MEMBER_PORTS.admin },
    ...(t.metricsPort ? [{ name: 'metrics', containerPort: t.metricsPort }] : []),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: ownedMeta(cc, podName(cluster, action.serverId), {
      labels: {
        ...t.labels,
        ...memberLabels(action.serverId, action.group, podRole),
        [LABEL.revision]: action.revision,
        [LABEL.configRevision]: action.configRevision,
      },
      ...(t.annotations ? { annotations: t.annotations } : {}),
    }),
    spec: {
      hostname: podName(cluster, action.serverId),
      subdomain: membersServiceName(cluster),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
      enableServiceLinks: false,
      ...(t.serviceAccountName ? { serviceAccountName: t.serviceAccountName } : {}),
      automountServiceAccountToken: false,
      ...(t.priorityClassName ? { priorityClassName: t.priorityClassName } : {}),
      securityContext: t.securityContext ?? DEFAULT_SECURITY_CONTEXT,
      ...(t.nodeSelector ? { nodeSelector: t.nodeSelector } : {}),
      ...(t.affinity ? { affinity: t.affinity } : {}),
      ...(t.tolerations ? { tolerations: t.tolerations } : {}),
      ...(t.topologySpreadConstraints ? { topologySpreadConstraints: t.topologySpreadConstraints } : {}),
      containers: [
        {
          name: 'corral',
          image: t.image,
          imagePullPolicy: t.imagePullPolicy,
          ...(t.resources ? { resources: t.resources } : {}),
          ...(t.containerSecurityContext ? { securityContext: t.containerSecurityContext } : {}),
          env: [
            fieldEnv('POD_NAME', 'metadata.name'),
            fieldEnv('POD_IP', 'status.podIP'),
            { name: 'CORRAL_SERVER_ID', value: String(action.serverId) },
            { name: 'CORRAL_CONFIG', value: `${CONFIG_DIR}/zoo.cfg` },
            { name: 'CORRAL_CONFIG_LINES', value: podConfigLines(cluster, namespace, action.initialMembers, limits) },
            { name: 'CORRAL_SUPER_DIGEST', valueFrom: { secretKeyRef: { name: superSecretName(cluster), key: SUPER_DIGEST_KEY } } },
          ],
          ports,
          volumeMounts: [
            { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
            { name: 'data', mountPath: DATA_DIR.slice(0, DATA_DIR.lastIndexOf('/')) },
          ],
          // Ready = serves clients and is caught up with the leader (the member's /ready), which is what rolls,
          // drains (the PDB) and the client Service must wait for.
          readinessProbe: { httpGet: { path: '/ready', port: MEMBER_PORTS.admin }, periodSeconds: 2, failureThreshold: 2, timeoutSeconds: 2 },
          // Alive = the process answers at all; a member catching up for minutes is alive, not ready.
          livenessProbe: { tcpSocket: { port: MEMBER_PORTS.admin }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 5 },
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: configMapName(cluster, action.configRevision) } },
        { name: 'data', persistentVolumeClaim: { claimName: pvcName(cluster, action.serverId) } },
      ],
    },
  };
}

export function memberPvc(cc: CoordinationCluster, spec: DefaultedSpec, serverId: number, group: string): V1PersistentVolumeClaim {
  const cluster = cc.metadata.name!;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: ownedMeta(cc, pvcName(cluster, serverId), { labels: { [LABEL.serverId]: String(serverId), [LABEL.group]: group } }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: String(spec.storage.size) } },
      ...(spec.storage.storageClassName ? { storageClassName: spec.storage.storageClassName } : {}),
    },
  };
}
