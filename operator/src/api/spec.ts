// CoordinationCluster.spec: the schema the CRD publishes, and (through Static<>) the TypeScript type the operator
// reads. Descriptions feed `kubectl explain`; defaults are applied by the API server; CEL rules reject bad specs
// at apply time with a message that names the field.
import type {
  V1Affinity,
  V1PodSecurityContext,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Toleration,
  V1TopologySpreadConstraint,
} from '@kubernetes/client-node';
import { Type, type Static } from '@sinclair/typebox';
import { celLet, celList } from './cel.js';
import { CONFIG_RULES } from './config-rules.js';
import { USER_CONFIG_KEYS } from './config-keys.js';
import { Defaulted, KubernetesList, KubernetesObject, PositiveQuantity, StringEnum, StringMap, type CelRule, type WithDefaults } from './openapi.js';

/** Server ids run from 1 to 255 (the member's MAX_SERVER_ID), so no group can hold more members than that. */
const MAX_MEMBERS = 255;
/** Bounds that keep the CEL rules' estimated cost within the API server's limits. */
const MAX_GROUPS = 16;
const MAX_QUOTAS = 256;
const MAX_CONFIG_KEYS = 64;
const MAX_TOLERATIONS = 32;
const MAX_SPREAD_CONSTRAINTS = 8;
const MAX_LABELS = 64;

/** Members of the implicit single group when spec.groups is absent (also spec.replicas when it is not set). */
export const DEFAULT_VOTERS = 3;
/** Name of the implicit single group. */
export const DEFAULT_GROUP = 'default';

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export const RECLAIM_POLICIES = ['Retain', 'Delete'] as const;
export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'] as const;
export const UPDATE_STRATEGIES = ['Automatic', 'Supervised'] as const;

/** Ports the member listens on; the metrics port must not collide with them. */
export const MEMBER_PORTS = { client: 2181, quorum: 2888, election: 3888, admin: 8080 } as const;

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Scheduling fields, the same for a group and for the implicit single group. */
function placement(whose: string) {
  return {
    nodeSelector: Type.Optional(
      StringMap(`Node labels the ${whose} must be scheduled on (the pods' spec.nodeSelector).`, { maxProperties: MAX_LABELS, maxValueLength: 63 }),
    ),
    affinity: Type.Optional(KubernetesObject<V1Affinity>(`Affinity rules for the ${whose} (the pods' spec.affinity, core/v1 Affinity).`)),
    tolerations: Type.Optional(
      KubernetesList<V1Toleration>(`Tolerations for the ${whose} (the pods' spec.tolerations, core/v1 Toleration).`, MAX_TOLERATIONS),
    ),
    topologySpreadConstraints: Type.Optional(
      KubernetesList<V1TopologySpreadConstraint>(
        `How the ${whose} spread over zones or nodes (the pods' spec.topologySpreadConstraints, core/v1 TopologySpreadConstraint).`,
        MAX_SPREAD_CONSTRAINTS,
      ),
    ),
  };
}
/** The scheduling fields a group has, and the spec has for the implicit single group. */
export const PLACEMENT_FIELDS = Object.keys(placement('')) as Array<keyof ReturnType<typeof placement>>;

const memberCount = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_MEMBERS, description });

export const GroupSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 63,
      description: 'Name of the group, a DNS label (e.g. a region: eu-west). Its members carry it in the corral.dev/group label.',
      'x-kubernetes-validations': [
        {
          rule: `self.matches('${DNS_LABEL}')`,
          message: "a group name must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit",
        },
      ] satisfies CelRule[],
    }),
    voters: memberCount('Voting members in this group: they take part in elections and count towards the quorum.'),
    observers: Defaulted(memberCount('Observers in this group: they replicate and serve clients but never vote.'), 0),
    leaderEligible: Defaulted(
      Type.Boolean({
        description:
          "Whether this group's voters may become leader. false makes them never-leaders: they vote and count towards the quorum but never lead (e.g. a tie-breaker in a remote region). The leader-eligible voters must form a quorum by themselves.",
      }),
      true,
    ),
    ...placement("group's members"),
  },
  { description: 'A set of members placed alike (e.g. one region or zone).' },
);

const TOTAL_VOTERS = 'self.map(g, g.voters).sum()';
const ELIGIBLE_VOTERS = 'self.filter(g, !has(g.leaderEligible) || g.leaderEligible).map(g, g.voters).sum()';

const GROUP_RULES: CelRule[] = [
  {
    rule: 'self.exists(g, g.voters > 0)',
    message: 'a cluster needs at least one voter: give at least one group spec.groups[].voters of 1 or more',
  },
  {
    rule: celLet('total', TOTAL_VOTERS, `total == 0 || 2 * ${ELIGIBLE_VOTERS} > total`),
    // format() rather than string(int): the cost estimate of string() on an int is unbounded.
    messageExpression:
      "'the leader-eligible voters (%d of %d) cannot form a quorum by themselves: at least %d of the voters must be in groups with leaderEligible: true (spec.groups[].voters, spec.groups[].leaderEligible)'" +
      `.format([${ELIGIBLE_VOTERS}, ${TOTAL_VOTERS}, ${TOTAL_VOTERS} / 2 + 1])`,
  },
];

/** spec.replicas, spec.observers and the scheduling fields describe the implicit single group only. */
const SINGLE_GROUP_RULES: CelRule[] = [
  {
    rule: '!has(self.groups) || !has(self.replicas)',
    fieldPath: '.replicas',
    reason: 'FieldValueForbidden',
    message:
      'spec.replicas cannot be combined with spec.groups: set the voters of each group in spec.groups[].voters instead (kubectl scale works only for a cluster without spec.groups)',
  },
  {
    rule: '!has(self.groups) || !has(self.observers)',
    fieldPath: '.observers',
    reason: 'FieldValueForbidden',
    message: 'spec.observers cannot be combined with spec.groups: set spec.groups[].observers instead',
  },
  ...PLACEMENT_FIELDS.map(
    (field): CelRule => ({
      rule: `!has(self.groups) || !has(self.${field})`,
      fieldPath: `.${field}`,
      reason: 'FieldValueForbidden',
      message: `spec.${field} places the members of a cluster without spec.groups: with groups, set spec.groups[].${field} instead`,
    }),
  ),
  {
    rule: 'has(self.groups) || !has(self.replicas) || self.replicas > 0',
    fieldPath: '.replicas',
    message: 'a cluster needs at least one voter: spec.replicas must be 1 or more',
  },
];

/** Labels and annotations the operator sets on every object it creates. */
const OWNED_LABEL_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/managed-by'];
const ownedLabel = `k.startsWith('corral.dev/') || k in ${celList(OWNED_LABEL_KEYS)}`;
const NO_OWNED_LABELS: CelRule[] = [
  { rule: `!self.exists(k, ${ownedLabel})`, messageExpression: `self.filter(k, ${ownedLabel})[0] + ' is set by the operator'` },
];

export const PodTemplateSchema = Type.Object(
  {
    labels: Type.Optional(
      StringMap('Extra labels for the member pods (the operator\'s own app.kubernetes.io/* and corral.dev/* labels cannot be overridden).', { maxProperties: MAX_LABELS, maxValueLength: 63 }, { 'x-kubernetes-validations': NO_OWNED_LABELS }),
    ),
    annotations: Type.Optional(StringMap('Extra annotations for the member pods.', { maxProperties: MAX_LABELS, maxValueLength: 4096 })),
    priorityClassName: Type.Optional(Type.String({ maxLength: 253, description: 'PriorityClass of the member pods.' })),
    securityContext: Type.Optional(KubernetesObject<V1PodSecurityContext>('Pod-level security context of the member pods (core/v1 PodSecurityContext).')),
    containerSecurityContext: Type.Optional(
      KubernetesObject<V1SecurityContext>('Security context of the member container (core/v1 SecurityContext).'),
    ),
  },
  { description: 'Overrides for the member pods.' },
);

export const StorageSchema = Type.Object(
  {
    size: Defaulted(PositiveQuantity('Size of each member\'s data volume (a quantity, e.g. 10Gi).'), '1Gi'),
    storageClassName: Type.Optional(
      Type.String({
        maxLength: 253,
        description: 'StorageClass of the data volumes; the cluster default class when unset. Cannot be changed after creation.',
      }),
    ),
    reclaimPolicy: Defaulted(
      StringEnum(
        RECLAIM_POLICIES,
        'What happens to the data volumes when the cluster is deleted: Retain keeps them (and their data), Delete removes them.',
      ),
      'Retain',
    ),
  },
  {
    description: "The members' data volumes: one PersistentVolumeClaim per member.",
    'x-kubernetes-validations': [
      {
        rule: 'has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
        fieldPath: '.storageClassName',
        message: "spec.storage.storageClassName cannot be changed after creation: the members' volumes were provisioned from it",
      },
    ] satisfies CelRule[],
  },
);

export const QuotaSchema = Type.Object(
  {
    path: Type.String({
      minLength: 2,
      maxLength: 1024,
      description: 'Absolute znode path the quota applies to (e.g. /app), with everything below it.',
      'x-kubernetes-validations': [
        {
          rule: "self.matches('^(/[^/]+)+$') && !self.matches('/[.][.]?(/|$)')",
          message: "a quota path must be an absolute znode path such as /app: starting with '/', without empty, '.' or '..' segments or a trailing '/'",
        },
        {
          rule: "self != '/zookeeper' && !self.startsWith('/zookeeper/')",
          message: 'quotas on /zookeeper and below are not enforced (it is the system subtree)',
        },
      ] satisfies CelRule[],
    }),
    maxNodes: Type.Optional(Type.Integer({ minimum: 0, format: 'int64', description: 'Most znodes allowed at and below path; creating more fails with QUOTAEXCEEDED.' })),
    maxBytes: Type.Optional(
      Type.Integer({ minimum: 0, format: 'int64', description: 'Most bytes of data allowed at and below path; writing more fails with QUOTAEXCEEDED.' }),
    ),
  },
  {
    description: 'A hard quota on a subtree.',
    'x-kubernetes-validations': [
      { rule: 'has(self.maxNodes) || has(self.maxBytes)', message: 'a quota needs maxNodes, maxBytes or both' },
    ] satisfies CelRule[],
  },
);

const settableKeys = Object.keys(USER_CONFIG_KEYS).join(', ');

export const CoordinationClusterSpecSchema = Type.Object(
  {
    replicas: Type.Optional(
      memberCount(
        `Voters of a cluster without spec.groups (default ${DEFAULT_VOTERS}); what kubectl scale changes. Not allowed together with spec.groups.`,
      ),
    ),
    observers: Type.Optional(memberCount('Observers of a cluster without spec.groups (default 0). Not allowed together with spec.groups.')),
    groups: Type.Optional(
      Type.Array(GroupSchema, {
        maxItems: MAX_GROUPS,
        description:
          `Members grouped by placement, e.g. one group per region. When absent, the cluster is one group named "${DEFAULT_GROUP}" sized by spec.replicas and spec.observers and placed by spec.nodeSelector, spec.affinity, spec.tolerations and spec.topologySpreadConstraints.`,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-validations': GROUP_RULES,
      }),
    ),
    ...placement('members of a cluster without spec.groups'),
    image: Type.String({ minLength: 1, maxLength: 1024, description: 'Container image of the members (e.g. registry.example.com/corral:1.0).' }),
    imagePullPolicy: Defaulted(StringEnum(PULL_POLICIES, 'Pull policy of the member image.'), 'IfNotPresent'),
    resources: Type.Optional(KubernetesObject<V1ResourceRequirements>('CPU and memory requests and limits of the member container (core/v1 ResourceRequirements).')),
    serviceAccountName: Type.Optional(Type.String({ maxLength: 253, description: 'ServiceAccount the member pods run as.' })),
    podTemplate: Type.Optional(PodTemplateSchema),
    storage: Defaulted(StorageSchema, {}),
    config: Type.Optional(
      StringMap(
        `zoo.cfg settings for the members, as strings. Settable keys: ${settableKeys}. Keys the operator writes (server.N, dataDir, clientPort, myid, admin.*, ...) are refused.`,
        { maxProperties: MAX_CONFIG_KEYS, maxValueLength: 256 },
        { 'x-kubernetes-validations': CONFIG_RULES },
      ),
    ),
    quotas: Type.Optional(
      Type.Array(QuotaSchema, {
        maxItems: MAX_QUOTAS,
        description: 'Hard quotas the operator keeps applied to the running ensemble (entries removed here are removed there).',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['path'],
      }),
    ),
    connectionLimits: Defaulted(
      Type.Object(
        {
          perClientAddress: Defaulted(
            Type.Integer({ minimum: 0, description: 'Most concurrent connections from one client IP address to one member; 0 means no limit (zoo.cfg maxClientCnxns).' }),
            60,
          ),
          total: Defaulted(Type.Integer({ minimum: 0, description: 'Most concurrent client connections to one member; 0 means no limit (zoo.cfg maxCnxns).' }), 0),
        },
        { description: 'Client connection limits of each member.' },
      ),
      {},
    ),
    clientService: Defaulted(
      Type.Object(
        {
          type: Defaulted(StringEnum(SERVICE_TYPES, 'Type of the client Service.'), 'ClusterIP'),
          annotations: Type.Optional(StringMap('Annotations of the client Service (e.g. for a cloud load balancer).', { maxProperties: MAX_LABELS, maxValueLength: 4096 })),
        },
        { description: 'The Service clients connect through (port 2181).' },
      ),
      {},
    ),
    metrics: Defaulted(
      Type.Object(
        {
          enabled: Defaulted(Type.Boolean({ description: 'Serve Prometheus metrics from each member.' }), true),
          port: Defaulted(Type.Integer({ minimum: 1, maximum: 65535, description: 'Port of the members\' Prometheus /metrics endpoint.' }), 7000),
          podMonitor: Defaulted(Type.Boolean({ description: 'Create a PodMonitor (when the Prometheus operator\'s CRDs are installed).' }), false),
        },
        {
          description: 'Prometheus metrics of the members.',
          'x-kubernetes-validations': [
            {
              // has(): the API server also checks the rule against this object's own default, {}.
              rule: `!has(self.port) || !(self.port in [${Object.values(MEMBER_PORTS).join(', ')}])`,
              fieldPath: '.port',
              message: `spec.metrics.port must differ from the member ports ${Object.values(MEMBER_PORTS).join(', ')}`,
            },
          ] satisfies CelRule[],
        },
      ),
      {},
    ),
    pdb: Defaulted(
      Type.Object(
        { enabled: Defaulted(Type.Boolean({ description: 'Create a PodDisruptionBudget allowing one voter down at a time.' }), true) },
        { description: 'PodDisruptionBudget of the members.' },
      ),
      {},
    ),
    updateStrategy: Defaulted(
      Type.Object(
        {
          type: Defaulted(
            StringEnum(
              UPDATE_STRATEGIES,
              'Automatic: the operator rolls changes out member by member, keeping a quorum. Supervised: it waits for an explicit go-ahead before each disruptive step.',
            ),
            'Automatic',
          ),
        },
        { description: 'How changes that restart members are rolled out.' },
      ),
      {},
    ),
  },
  {
    description: 'Desired state of a Corral coordination cluster.',
    'x-kubernetes-validations': SINGLE_GROUP_RULES,
  },
);

/** The spec as a user writes it (defaulted fields optional). */
export type CoordinationClusterSpec = Static<typeof CoordinationClusterSpecSchema>;
/** The spec after the API server (or withDefaults) applied the schema defaults. */
export type DefaultedSpec = WithDefaults<typeof CoordinationClusterSpecSchema>;
export type Group = Static<typeof GroupSchema>;
export type DefaultedGroup = WithDefaults<typeof GroupSchema>;
export type Quota = Static<typeof QuotaSchema>;
export type ReclaimPolicy = (typeof RECLAIM_POLICIES)[number];
export type PullPolicy = (typeof PULL_POLICIES)[number];
export type ServiceType = (typeof SERVICE_TYPES)[number];
export type UpdateStrategyType = (typeof UPDATE_STRATEGIES)[number];
