// The objects a cluster shares among its members: the headless Service behind the members' DNS names, the
// client Service, the PodDisruptionBudget, the super user's Secret and the zoo.cfg ConfigMap of a revision.
import { createHash, randomBytes } from 'node:crypto';
import type { V1ConfigMap, V1PodDisruptionBudget, V1Secret, V1Service } from '@kubernetes/client-node';
import { MEMBER_PORTS, normalizeGroups, type CoordinationCluster, type DefaultedSpec } from '../api/index.js';
import { configMapName, membersServiceName, selectorLabels } from '../plan/names.js';
import type { ObjectKind } from '../plan/types.js';
import { contentHash } from './hash.js';
import { ANNOTATION, LABEL, ownedMeta } from './labels.js';
import { renderZooCfg } from './zoo-cfg.js';

export const superSecretName = (cluster: string) => `${cluster}-super`;
export const SUPER_PASSWORD_KEY = 'password';
export const SUPER_DIGEST_KEY = 'digest';
export const SUPER_USER = 'super';

/** ZooKeeper's digest of a user: `user:base64(sha1("user:password"))`, what superDigest takes. */
export function superDigest(password: string): string {
  return `${SUPER_USER}:${createHash('sha1').update(`${SUPER_USER}:${password}`).digest('base64')}`;
}

type Owned = V1Service | V1PodDisruptionBudget | V1Secret;

/** Stamps the content hash on an object, so the observer can tell whether it drifted from this rendering. */
function hashed<T extends Owned>(object: T, hashOf: unknown): T {
  object.metadata!.annotations = { ...object.metadata!.annotations, [ANNOTATION.hash]: contentHash(hashOf) };
  return object;
}

function membersService(cc: CoordinationCluster, spec: DefaultedSpec): V1Service {
  const cluster = cc.metadata.name!;
  const ports = [
    { name: 'client', port: MEMBER_PORTS.client },
    { name: 'quorum', port: MEMBER_PORTS.quorum },
    { name: 'election', port: MEMBER_PORTS.election },
    { name: 'admin', port: MEMBER_PORTS.admin },
    ...(spec.metrics.enabled ? [{ name: 'metrics', port: spec.metrics.port }] : []),
  ];
  const body: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(cc, membersServiceName(cluster)),
    // Members must find each other before they are ready: an ensemble forms only once they talk.
    spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: selectorLabels(cluster), ports },
  };
  return hashed(body, body.spec);
}

function clientService(cc: CoordinationCluster, spec: DefaultedSpec): V1Service {
  const cluster = cc.metadata.name!;
  const body: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(cc, cluster, spec.clientService.annotations ? { annotations: spec.clientService.annotations } : {}),
    spec: { type: spec.clientService.type, selector: selectorLabels(cluster), ports: [{ name: 'client', port: MEMBER_PORTS.client }] },
  };
  return hashed(body, { spec: body.spec, annotations: spec.clientService.annotations });
}

function podDisruptionBudget(cc: CoordinationCluster): V1PodDisruptionBudget {
  const cluster = cc.metadata.name!;
  // The larger of the spec's voters and the membership's (as the operator last recorded it): during a scale-down
  // the departing voters are members until their reconfig, and a budget from the smaller spec would let evictions
  // take the quorum of the membership still in force (5 voters, spec 3: three evictions allowed).
  const voters = Math.max(
    normalizeGroups(cc.spec).reduce((n, g) => n + g.voters, 0),
    cc.status?.voters ?? 0,
  );
  const body: V1PodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMeta(cc, cluster),
    // Voters only (observers do not count towards the quorum): evictions take at most one voter at a time. As
    // minAvailable rather than maxUnavailable: with maxUnavailable the disruption controller reads the pods'
    // controller's scale subresource, and the cluster's /scale fails while spec.replicas is unset (spec.groups).
    spec: { minAvailable: Math.max(0, voters - 1), selector: { matchLabels: { ...selectorLabels(cluster), [LABEL.role]: 'participant' } } },
  };
  return hashed(body, body.spec);
}

/** Created once with a fresh password; never rewritten (members and the operator keep using that password). */
function superSecret(cc: CoordinationCluster): V1Secret {
  const password = randomBytes(24).toString('base64url');
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: ownedMeta(cc, superSecretName(cc.metadata.name!)),
    type: 'Opaque',
    stringData: { [SUPER_PASSWORD_KEY]: password, [SUPER_DIGEST_KEY]: superDigest(password) },
  };
  return hashed(body, 'super');
}

/** The desired content hash of each owned object, or null when the spec wants it gone. */
export function objectHashes(cc: CoordinationCluster, spec: DefaultedSpec): Record<ObjectKind, string | null> {
  const of = (o: Owned) => o.metadata!.annotations![ANNOTATION.hash]!;
  return {
    membersService: of(membersService(cc, spec)),
    clientService: of(clientService(cc, spec)),
    superSecret: contentHash('super'),
    podDisruptionBudget: spec.pdb.enabled ? of(podDisruptionBudget(cc)) : null,
  };
}

export function renderObject(kind: ObjectKind, cc: CoordinationCluster, spec: DefaultedSpec): Owned {
  switch (kind) {
    case 'membersService':
      return membersService(cc, spec);
    case 'clientService':
      return clientService(cc, spec);
    case 'superSecret':
      return superSecret(cc);
    case 'podDisruptionBudget':
      return podDisruptionBudget(cc);
  }
}

export function configRevision(spec: DefaultedSpec): string {
  return contentHash(renderZooCfg(spec));
}

export function configMap(cc: CoordinationCluster, spec: DefaultedSpec): V1ConfigMap {
  const zooCfg = renderZooCfg(spec);
  const revision = contentHash(zooCfg);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: ownedMeta(cc, configMapName(cc.metadata.name!, revision), { labels: { [LABEL.configRevision]: revision } }),
    // Immutable: a revision's content never changes, and the kubelet need not watch it.
    immutable: true,
    data: { 'zoo.cfg': zooCfg },
  };
}
