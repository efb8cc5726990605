// CoordinationCluster.status: written by the operator only (status subresource).
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './openapi.js';

export const CONDITION_TYPES = ['Ready', 'Available', 'Progressing', 'Degraded'] as const;
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export const MEMBER_ROLES = ['participant', 'observer'] as const;

/** Status lists are bounded so the CRD's CEL cost estimate stays small; 255 is the largest server id. */
const MAX_MEMBERS = 255;

/** metav1.Condition. */
export const ConditionSchema = Type.Object(
  {
    type: StringEnum(
      CONDITION_TYPES,
      'Ready: every member runs the spec and serves. Available: a quorum of voters serves. Progressing: the operator is changing the cluster. Degraded: something needs attention (see reason and message).',
    ),
    status: StringEnum(CONDITION_STATUSES, 'True, False or Unknown.'),
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64', description: 'The metadata.generation this condition was computed from.' })),
    lastTransitionTime: Type.String({ format: 'date-time', description: 'When status last changed.' }),
    reason: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$', description: 'Why, as a CamelCase word.' }),
    message: Type.String({ maxLength: 32768, description: 'Why, for a person.' }),
  },
  { description: 'A condition of the cluster (metav1.Condition).' },
);

export const MemberStatusSchema = Type.Object(
  {
    name: Type.String({ description: 'Pod name, <cluster>-<serverId>.' }),
    serverId: Type.Integer({ minimum: 1, maximum: 255, description: 'The member\'s server id (zoo.cfg server.N, dataDir/myid).' }),
    group: Type.String({ description: 'The group the member belongs to.' }),
    role: StringEnum(MEMBER_ROLES, 'participant (votes) or observer.'),
    leaderEligible: Type.Boolean({ description: 'Whether the member may lead (false for a never-leader voter).' }),
    ready: Type.Boolean({ description: 'Whether the member is serving clients.' }),
    zxid: Type.Optional(Type.String({ description: 'Last zxid the member applied, in hex (0x...).' })),
    lag: Type.Optional(Type.Integer({ minimum: 0, format: 'int64', description: 'Transactions the member is behind the leader.' })),
    revision: Type.Optional(Type.String({ description: 'Image and configuration revision the member runs.' })),
  },
  { description: 'One member as the operator last observed it.' },
);

export const CoordinationClusterStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64', description: 'The metadata.generation the operator last acted on.' })),
    conditions: Type.Optional(
      Type.Array(ConditionSchema, {
        maxItems: CONDITION_TYPES.length,
        description: 'Ready, Available, Progressing and Degraded.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
      }),
    ),
    members: Type.Optional(
      Type.Array(MemberStatusSchema, {
        maxItems: MAX_MEMBERS,
        description: 'Every member, by pod name.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
    leader: Type.Optional(Type.String({ description: 'Pod name of the current leader.' })),
    voters: Type.Optional(Type.Integer({ minimum: 0, description: 'Voting members that exist.' })),
    readyVoters: Type.Optional(Type.Integer({ minimum: 0, description: 'Voting members that serve.' })),
    replicas: Type.Optional(Type.Integer({ minimum: 0, description: 'Same as voters; read by the scale subresource.' })),
    selector: Type.Optional(Type.String({ description: 'Label selector of the member pods; read by the scale subresource.' })),
    connectString: Type.Optional(Type.String({ description: "Client connect string: the members' stable DNS names with the client port." })),
    quotaPaths: Type.Optional(
      Type.Array(Type.String({ maxLength: 1024 }), {
        maxItems: 256,
        description: 'Quota paths the operator set and manages (a path dropped from spec.quotas has its quota removed).',
      }),
    ),
    recovery: Type.Optional(
      Type.Object(
        {
          request: Type.String({ description: 'The value of the corral.dev/recover-quorum annotation that was acted on.' }),
          survivor: Type.Optional(Type.Integer({ description: 'Server id of the member the ensemble was rebuilt from.' })),
          zxid: Type.Optional(Type.String({ description: "The survivor's last zxid: writes after it may have been lost." })),
          at: Type.String({ description: 'When the recovery was carried out (RFC 3339).' }),
        },
        { description: 'The last quorum-loss recovery the operator carried out.' },
      ),
    ),
  },
  { description: 'Observed state of the cluster, written by the operator.' },
);

export type CoordinationClusterStatus = Static<typeof CoordinationClusterStatusSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type ConditionType = (typeof CONDITION_TYPES)[number];
export type MemberStatus = Static<typeof MemberStatusSchema>;
export type MemberRole = (typeof MEMBER_ROLES)[number];
