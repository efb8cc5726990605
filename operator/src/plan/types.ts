// The planner's inputs and outputs. Plain data (JSON-friendly: zxids are hex strings) so a plan can be logged,
// replayed in a test and compared; plan.ts states what each field means to the planner.
import type { Quota, ReclaimPolicy, UpdateStrategyType } from '../api/spec.js';
import type { CoordinationClusterStatus } from '../api/status.js';

export type { Quota };

/** A member's role in the ensemble's membership, as Corral's `/commands/members` names it. */
export type MemberRole = 'participant' | 'neverleader' | 'observer';

export const isVoterRole = (role: MemberRole): boolean => role !== 'observer';

// ---- Desired: what the spec asks for, reduced to what the planner needs ----

export interface DesiredGroup {
  name: string;
  voters: number;
  observers: number;
  /** false: the group's voters take the never-leader role. */
  leaderEligible: boolean;
  /**
   * Hash of everything a member of this group runs: image, zoo.cfg settings, resources, pod template, placement,
   * the restartedAt annotation. A member whose pod carries another revision label is restarted.
   */
  revision: string;
}

export type ObjectKind = 'membersService' | 'clientService' | 'superSecret' | 'podDisruptionBudget';

export interface ConnectionLimits {
  /** maxClientCnxns. */
  perClientAddress: number;
  /** maxCnxns; 0 = unlimited. */
  total: number;
}

export interface DesiredCluster {
  name: string;
  namespace: string;
  generation: number;
  groups: DesiredGroup[];
  /** Hash of the zoo.cfg content; the ConfigMap `<cluster>-config-<configRevision>` holds it. */
  configRevision: string;
  /**
   * The content hash each owned object must carry, or null when it must not exist (the PDB when disabled). The
   * super-user Secret is only ever created, never rewritten, so its password survives.
   */
  objects: Record<ObjectKind, string | null>;
  quotas: Quota[];
  connectionLimits: ConnectionLimits;
  updateStrategy: UpdateStrategyType;
  /** Supervised: the revision whose restart of the leader a user approved (an annotation), if any. */
  leaderRestartApproved?: string;
  /** A quorum-loss recovery request (an annotation's value); acted on at most once per distinct value. */
  recoveryRequest?: string;
  /** The CR has a deletionTimestamp: run the reclaim policy, then release the finalizer. */
  deleting: boolean;
  reclaimPolicy: ReclaimPolicy;
}

// ---- Observed: one snapshot of the cluster's objects and of what its members say ----

export interface ObservedPod {
  name: string;
  serverId: number;
  /** corral.dev/group label. */
  group: string;
  /** corral.dev/role label (the role the pod was created for). */
  role: 'participant' | 'observer';
  /** corral.dev/revision label. */
  revision: string;
  /** The config revision whose ConfigMap the pod mounts. */
  configRevision: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  /** The Ready condition (the member serves and is caught up). */
  ready: boolean;
  /** Has a deletionTimestamp. */
  deleting: boolean;
  restartCount: number;
  podIP?: string;
  /** Ready condition of the pod's node; undefined when not scheduled or not known. */
  nodeReady?: boolean;
}

export interface ObservedPvc {
  name: string;
  serverId: number;
  group: string;
  phase: 'Pending' | 'Bound' | 'Lost';
  deleting: boolean;
  /** Carries an ownerReference to the cluster (garbage-collected with it). */
  owned: boolean;
}

/** One entry of a member's `/commands/members` answer (wire keys in camelCase). */
export interface MemberEntry {
  id: number;
  role: MemberRole;
  isLeader: boolean;
  /** Entries behind the leader's commit index; known on the leader only. */
  lag: number | null;
  connected: boolean;
  /** The leader's replication state towards this member; null elsewhere and for the leader itself. */
  sync: 'synced' | 'catchingUp' | 'silent' | null;
  /** Joins or leaves with the membership change in flight (joint change, or a joiner being caught up). */
  change: 'joining' | 'leaving' | null;
}

/** What probing one member (`/commands/members` and `mntr` through its pod IP) gave. */
export type Probe =
  | {
      serverId: number;
      answered: true;
      /** mntr zk_server_state. */
      state: 'leader' | 'follower' | 'observer' | 'looking' | 'standalone';
      /** The member's last zxid, hex ("0x..."). */
      zxid: string;
      /** Its view of the membership (the latest configuration it knows, committed or not). */
      members: MemberEntry[];
      /** The connection limits it enforces now. */
      connectionLimits: ConnectionLimits;
    }
  | { serverId: number; answered: false; error: string };

/** The status the planner writes: every field the API makes optional is always set, except leader and recovery. */
export type ClusterStatus = Required<Omit<CoordinationClusterStatus, 'leader' | 'recovery'>> &
  Pick<CoordinationClusterStatus, 'leader' | 'recovery'>;

export interface Observed {
  /** The CR carries the operator's finalizer. */
  finalizer: boolean;
  /** The CR's status as last written (the planner's memory across operator restarts; may be empty). */
  status?: CoordinationClusterStatus;
  pods: ObservedPod[];
  pvcs: ObservedPvc[];
  /** Content hash of each owned object that exists. */
  objects: Partial<Record<ObjectKind, string>>;
  /** Config revisions with a ConfigMap. */
  configMaps: string[];
  /** One per member pod the operator tried to probe; a pod without a probe counts as not answering. */
  probes: Probe[];
  /** Quotas set in the ensemble now; undefined when they could not be read. */
  quotas?: Quota[];
}

// ---- The plan ----

export type ReconfigChange =
  | { op: 'add'; serverId: number; role: MemberRole }
  | { op: 'remove'; serverId: number }
  | { op: 'setRole'; serverId: number; role: MemberRole };

export interface InitialMember {
  serverId: number;
  role: MemberRole;
}

export type Action = { reason: string } & (
  | { kind: 'addFinalizer' }
  | { kind: 'removeFinalizer' }
  | { kind: 'ensureObject'; object: ObjectKind; revision: string }
  | { kind: 'deleteObject'; object: ObjectKind }
  | { kind: 'ensureConfigMap'; revision: string }
  | { kind: 'deleteConfigMap'; revision: string }
  | { kind: 'createPvc'; serverId: number; group: string }
  | {
      kind: 'createPod';
      serverId: number;
      group: string;
      role: MemberRole;
      revision: string;
      configRevision: string;
      /** The membership a member with an empty volume starts from (a member with data follows its own). */
      initialMembers: InitialMember[];
    }
  /** restart: a member, for a roll; replace: a member's pod that failed for good (evicted); cleanup: a non-member's. */
  | { kind: 'deletePod'; serverId: number; name: string; purpose: 'restart' | 'replace' | 'cleanup' }
  | { kind: 'deletePvc'; serverId: number; name: string }
  /** Drop the PVC's ownerReference so it outlives the cluster (reclaimPolicy Retain). */
  | { kind: 'releasePvc'; serverId: number; name: string }
  | { kind: 'reconfig'; change: ReconfigChange }
  | { kind: 'transferLeadership'; from: number; to: number }
  | { kind: 'setQuota'; quota: Quota }
  | { kind: 'removeQuota'; path: string }
  | { kind: 'setConnectionLimits'; serverId: number; limits: ConnectionLimits }
  /** Rebuild the ensemble from `survivor` alone; `lost` are fenced out (never rejoin with their old data). */
  | { kind: 'recoverQuorum'; survivor: number; zxid: string; lost: number[] }
);

export type ActionKind = Action['kind'];

export interface Wait {
  reason: string;
  message: string;
  serverId?: number;
}

export interface Plan {
  /** Carried out in order; after the first failure the rest is skipped and the cluster planned again. */
  actions: Action[];
  /** Why the planner does not do more now. */
  waits: Wait[];
  /** The status to record (after the actions). */
  status: ClusterStatus;
  /** When to plan again if nothing changes before: soon while acting or waiting on members, else a resync. */
  requeueAfterSeconds: number;
}
