// Carries out one planned action against the API server or the ensemble. Every action is idempotent (applying
// an object that exists, deleting one that is gone, setting a quota already set), so a plan cut short by a crash
// or an error is simply planned and carried out again.
import type { V1Pod } from '@kubernetes/client-node';
import { normalizeGroups, type CoordinationCluster, type DefaultedSpec } from '../api/index.js';
import type { KubeClient } from '../kube/client.js';
import { configMapName, membersServiceName, podName, pvcName } from '../plan/names.js';
import type { Action, ObjectKind } from '../plan/types.js';
import { FINALIZER } from '../render/labels.js';
import { memberPod, memberPvc } from '../render/member.js';
import { configMap, renderObject, superSecretName } from '../render/objects.js';
import { recoverQuorum, setConnectionLimits, transferLeadership } from './admin.js';
import type { EnsembleSession } from './ensemble.js';

export interface ActContext {
  kube: KubeClient;
  cluster: CoordinationCluster;
  spec: DefaultedSpec;
  /** The cluster's member pods by server id, as observed for this plan. */
  pods: ReadonlyMap<number, V1Pod>;
  ensemble: EnsembleSession;
  /** The super user's password (from the cluster's Secret). */
  password(): Promise<string>;
}

/** The API coordinates of each shared object kind (for deletes). */
function objectRef(kind: ObjectKind, cluster: string, namespace: string) {
  const meta = { namespace };
  switch (kind) {
    case 'membersService':
      return { apiVersion: 'v1', kind: 'Service', metadata: { ...meta, name: membersServiceName(cluster) } };
    case 'clientService':
      return { apiVersion: 'v1', kind: 'Service', metadata: { ...meta, name: cluster } };
    case 'superSecret':
      return { apiVersion: 'v1', kind: 'Secret', metadata: { ...meta, name: superSecretName(cluster) } };
    case 'podDisruptionBudget':
      return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { ...meta, name: cluster } };
  }
}

const podIPs = (ctx: ActContext) => [...ctx.pods.values()].flatMap((p) => (p.status?.podIP && !p.metadata?.deletionTimestamp ? [p.status.podIP] : []));

function podIP(ctx: ActContext, serverId: number): string {
  const ip = ctx.pods.get(serverId)?.status?.podIP;
  if (!ip) throw new Error(`member ${serverId} has no pod IP`);
  return ip;
}

/** A merge patch of the cluster's metadata, guarded by its resourceVersion (lost updates are refused). */
async function patchClusterMetadata(ctx: ActContext, metadata: Record<string, unknown>): Promise<void> {
  const { apiVersion, kind } = ctx.cluster;
  const { name, namespace, resourceVersion } = ctx.cluster.metadata;
  await ctx.kube.mergePatch({ apiVersion, kind, metadata: { name, namespace, resourceVersion, ...metadata } });
}

/** Carries out `action`; for some, returns what the ensemble reported, to add to the action's Event. */
export async function act(action: Action, ctx: ActContext): Promise<string | void> {
  const cc = ctx.cluster;
  const cluster = cc.metadata.name!;
  const namespace = cc.metadata.namespace!;
  switch (action.kind) {
    case 'addFinalizer':
      return patchClusterMetadata(ctx, { finalizers: [...(cc.metadata.finalizers ?? []), FINALIZER] });
    case 'removeFinalizer':
      return patchClusterMetadata(ctx, { finalizers: (cc.metadata.finalizers ?? []).filter((f) => f !== FINALIZER) });
    case 'ensureObject':
      await ctx.kube.apply(renderObject(action.object, cc, ctx.spec));
      return;
    case 'deleteObject':
      await ctx.kube.delete(objectRef(action.object, cluster, namespace));
      return;
    case 'ensureConfigMap': {
      const map = configMap(cc, ctx.spec);
      if (map.metadata!.name !== configMapName(cluster, action.revision)) throw new Error(`config revision ${action.revision} is no longer the spec's`);
      await ctx.kube.apply(map);
      return;
    }
    case 'deleteConfigMap':
      await ctx.kube.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMapName(cluster, action.revision), namespace } });
      return;
    case 'createPvc':
      await ctx.kube.apply(memberPvc(cc, ctx.spec, action.serverId, action.group));
      return;
    case 'createPod': {
      const group = normalizeGroups(cc.spec).find((g) => g.name === action.group);
      if (!group) throw new Error(`group ${action.group} is not in the spec`);
      await ctx.kube.apply(memberPod(cc, ctx.spec, group, action, ctx.spec.connectionLimits));
      return;
    }
    case 'deletePod': {
      // Fenced on the uid observed for this plan: a pod recreated meanwhile is not the one the plan meant.
      const uid = ctx.pods.get(action.serverId)?.metadata?.uid;
      await ctx.kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: podName(cluster, action.serverId), namespace, ...(uid ? { uid } : {}) } });
      return;
    }
    case 'deletePvc':
      await ctx.kube.delete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: pvcName(cluster, action.serverId), namespace } });
      return;
    case 'releasePvc':
      await ctx.kube.mergePatch({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: action.name, namespace, ownerReferences: null } });
      return;
    case 'reconfig':
      return ctx.ensemble.reconfig(podIPs(ctx), action.change);
    case 'transferLeadership':
      await transferLeadership(podIP(ctx, action.from), action.to);
      return;
    case 'setQuota':
      return ctx.ensemble.setQuota(podIPs(ctx), action.quota);
    case 'removeQuota':
      return ctx.ensemble.removeQuota(podIPs(ctx), action.path);
    case 'setConnectionLimits':
      return setConnectionLimits(podIP(ctx, action.serverId), action.limits, await ctx.password());
    case 'recoverQuorum':
      return recover(ctx, action);
  }
}

/**
 * Quorum recovery: fences the lost members first — their pods and volumes deleted, whatever incarnation exists, so
 * none can come back with its old data (together they could still make a quorum of the old configuration); the
 * planner adds servers back later through reconfig, with new volumes — then makes the survivor the sole voter of a
 * new configuration. Every step may be repeated: deleting what is gone is a no-op, and the survivor answers a
 * repeated request as a no-op.
 */
async function recover(ctx: ActContext, action: Extract<Action, { kind: 'recoverQuorum' }>): Promise<string> {
  const cluster = ctx.cluster.metadata.name!;
  const namespace = ctx.cluster.metadata.namespace!;
  for (const id of action.lost) {
    await ctx.kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: podName(cluster, id), namespace } });
    await ctx.kube.delete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: pvcName(cluster, id), namespace } });
  }
  return recoverQuorum(podIP(ctx, action.survivor), await ctx.password());
}
