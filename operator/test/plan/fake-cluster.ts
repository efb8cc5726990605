// A small model of a Kubernetes namespace running a Corral ensemble, for driving the planner: pods start after a
// few ticks, catch up, get elected; deleted pods terminate; volumes hold a member's data (a zxid) and its on-disk
// membership; reconfigs are staged, then commit; leadership moves on request. It checks the safety properties the
// planner must keep as it goes (quorum, volumes, never-leaders, data loss, bootstrap agreement) and records
// violations instead of throwing, so a test can print the trace.
import { isDisruptive } from '../../src/plan/plan.js';
import { podName, pvcName } from '../../src/plan/names.js';
import { quorumOf } from '../../src/plan/ensemble.js';
import {
  isVoterRole,
  type Action,
  type ClusterStatus,
  type ConnectionLimits,
  type MemberEntry,
  type MemberRole,
  type Observed,
  type ObjectKind,
  type Probe,
  type Quota,
} from '../../src/plan/types.js';

interface SimPod {
  serverId: number;
  group: string;
  role: 'participant' | 'observer';
  revision: string;
  configRevision: string;
  startsAt: number;
  caughtUpAt: number;
  deleting: boolean;
  /** Failed for good (evicted): never runs again. */
  failed: boolean;
  goneAt: number;
  restartCount: number;
  unreadyUntil: number;
  limits: ConnectionLimits;
  /** The membership the member starts from if its volume is empty. */
  initial: Map<number, MemberRole>;
}

interface SimPvc {
  serverId: number;
  group: string;
  deleting: boolean;
  owned: boolean;
  zxid: number;
  /** The membership on disk; undefined while the volume is empty and the member has not started. */
  config?: Map<number, MemberRole>;
  /** Held a member that a quorum recovery fenced out: no member may run on it again. */
  fenced?: boolean;
}

interface Pending {
  change: Extract<Action, { kind: 'reconfig' }>['change'];
  commitAt: number;
}

export interface FakeOptions {
  /** Ticks a new pod stays Pending. */
  startDelay: () => number;
  /** Ticks a started member needs to catch up. */
  catchUpDelay: () => number;
  /** Ticks a deleted pod takes to terminate. */
  terminateDelay: () => number;
  /** Pick for elections among equals, in [0, 1). */
  random: () => number;
}

export const STEADY: FakeOptions = { startDelay: () => 1, catchUpDelay: () => 1, terminateDelay: () => 1, random: () => 0 };

export class FakeCluster {
  tick = 0;
  readonly pods = new Map<number, SimPod>();
  readonly pvcs = new Map<number, SimPvc>();
  /** The committed membership (empty before the ensemble forms). */
  members = new Map<number, MemberRole>();
  pending?: Pending;
  leader?: number;
  committedZxid = 0;
  finalizer = false;
  status?: ClusterStatus;
  readonly objects: Partial<Record<ObjectKind, string>> = {};
  readonly configMaps = new Set<string>();
  readonly quotas = new Map<string, Quota>();
  /** Members whose probe fails this tick. */
  readonly silent = new Set<number>();
  readonly violations: string[] = [];
  readonly log: string[] = [];
  /** Every leader in order (to count leadership changes). */
  readonly leaders: number[] = [];
  /** Restarts the planner asked for, per server id. */
  readonly restarts = new Map<number, number>();
  /** Quorum recoveries the survivor carried out (a repeated request it answers as a no-op is not one). */
  recoveries = 0;
  /** How many of the next recovery requests to the survivor fail (no answer in time) after the fencing. */
  recoveryCallsFailing = 0;

  constructor(readonly opts: FakeOptions = STEADY) {}

  // ---- What the operator sees ----

  running(id: number): boolean {
    const pod = this.pods.get(id);
    const pvc = this.pvcs.get(id);
    return pod !== undefined && !pod.deleting && !pod.failed && this.tick >= pod.startsAt && pvc !== undefined;
  }

  synced(id: number): boolean {
    return this.running(id) && this.members.has(id) && this.leader !== undefined && (id === this.leader || this.tick >= this.pods.get(id)!.caughtUpAt);
  }

  ready(id: number): boolean {
    return this.synced(id) && this.tick >= this.pods.get(id)!.unreadyUntil;
  }

  /** The latest configuration the leader works from: the committed one with a staged change on top. */
  private latest(): Map<number, MemberRole> {
    const m = new Map(this.members);
    const c = this.pending?.change;
    if (c?.op === 'remove') m.delete(c.serverId);
    else if (c) m.set(c.serverId, c.role);
    return m;
  }

  private view(id: number): MemberEntry[] {
    const inEnsemble = this.members.has(id) && this.leader !== undefined;
    const config = inEnsemble ? this.latest() : (this.pvcs.get(id)?.config ?? new Map());
    const isLeader = id === this.leader;
    const changing = isLeader ? this.pending?.change.serverId : undefined;
    const ids = [...new Set([...config.keys(), ...(inEnsemble ? this.members.keys() : [])])].sort((a, b) => a - b);
    return ids.map((m) => ({
      id: m,
      role: config.get(m) ?? this.members.get(m)!,
      isLeader: inEnsemble && m === this.leader,
      lag: isLeader ? (this.synced(m) || m === id ? 0 : 5) : null,
      connected: m === id || this.running(m),
      sync: isLeader && m !== id ? (this.synced(m) ? 'synced' : this.running(m) ? 'catchingUp' : 'silent') : null,
      change: m === changing ? (config.has(m) && !this.members.has(m) ? 'joining' : 'leaving') : null,
    }));
  }

  observe(): Observed {
    const probes: Probe[] = [];
    for (const [id, pod] of this.pods) {
      if (!this.running(id) || this.silent.has(id)) {
        probes.push({ serverId: id, answered: false, error: 'connection refused' });
        continue;
      }
      const inEnsemble = this.members.has(id) && this.leader !== undefined;
      const role = this.members.get(id);
      probes.push({
        serverId: id,
        answered: true,
        state: id === this.leader ? 'leader' : !inEnsemble ? 'looking' : role === 'observer' ? 'observer' : 'follower',
        zxid: `0x${this.pvcs.get(id)!.zxid.toString(16)}`,
        members: this.view(id),
        connectionLimits: pod.limits,
      });
    }
    const status = this.status === undefined ? {} : { status: structuredClone(this.status) };
    return {
      finalizer: this.finalizer,
      ...status,
      pods: [...this.pods.values()].map((p) => ({
        name: podName('zk', p.serverId),
        serverId: p.serverId,
        group: p.group,
        role: p.role,
        revision: p.revision,
        configRevision: p.configRevision,
        phase: p.failed ? 'Failed' : this.running(p.serverId) || (p.deleting && this.tick >= p.startsAt) ? 'Running' : 'Pending',
        ready: this.ready(p.serverId),
        deleting: p.deleting,
        restartCount: p.restartCount,
        nodeReady: this.tick >= p.unreadyUntil,
      })),
      pvcs: [...this.pvcs.values()].map((v) => ({
        name: pvcName('zk', v.serverId),
        serverId: v.serverId,
        group: v.group,
        phase: 'Bound',
        deleting: v.deleting,
        owned: v.owned,
      })),
      objects: { ...this.objects },
      configMaps: [...this.configMaps],
      probes: probes.sort((a, b) => a.serverId - b.serverId),
      quotas: [...this.quotas.values()],
    };
  }

  // ---- Carrying out the planner's actions ----

  /** Applies a plan's actions in order, stopping at the first that fails; returns how many were applied. */
  applyAll(actions: Action[], limit = actions.length): number {
    if (actions.filter(isDisruptive).length > 1) this.violate(`more than one disruptive action: ${actions.map((a) => a.kind).join(', ')}`);
    let n = 0;
    for (const a of actions.slice(0, limit)) {
      const error = this.apply(a);
      this.log.push(`t${this.tick} ${a.kind} ${actionSummary(a)}${error ? ` FAILED: ${error}` : ''}`);
      if (error) break;
      n++;
    }
    return n;
  }

  private violate(message: string): void {
    this.violations.push(`t${this.tick}: ${message}`);
  }

  private healthyVoters(except?: number): number {
    return [...this.members].filter(([id, r]) => isVoterRole(r) && id !== except && this.ready(id)).length;
  }

  apply(a: Action): string | undefined {
    switch (a.kind) {
      case 'addFinalizer':
        this.finalizer = true;
        return;
      case 'removeFinalizer':
        this.finalizer = false;
        return;
      case 'ensureObject':
        this.objects[a.object] = a.revision;
        return;
      case 'deleteObject':
        delete this.objects[a.object];
        return;
      case 'ensureConfigMap':
        this.configMaps.add(a.revision);
        return;
      case 'deleteConfigMap':
        if ([...this.pods.values()].some((p) => p.configRevision === a.revision)) this.violate(`config map ${a.revision} deleted while in use`);
        this.configMaps.delete(a.revision);
        return;
      case 'createPvc':
        if (!this.pvcs.has(a.serverId)) this.pvcs.set(a.serverId, { serverId: a.serverId, group: a.group, deleting: false, owned: true, zxid: 0 });
        return;
      case 'createPod': {
        if (this.pods.has(a.serverId)) return 'AlreadyExists';
        if (!this.configMaps.has(a.configRevision)) return `config map ${a.configRevision} missing`;
        const startsAt = this.tick + this.opts.startDelay();
        this.pods.set(a.serverId, {
          serverId: a.serverId,
          group: a.group,
          role: a.role === 'observer' ? 'observer' : 'participant',
          revision: a.revision,
          configRevision: a.configRevision,
          startsAt,
          caughtUpAt: startsAt + this.opts.catchUpDelay(),
          deleting: false,
          failed: false,
          goneAt: 0,
          restartCount: 0,
          unreadyUntil: 0,
          limits: { perClientAddress: 60, total: 0 },
          initial: new Map(a.initialMembers.map((m) => [m.serverId, m.role])),
        });
        return;
      }
      case 'deletePod': {
        const pod = this.pods.get(a.serverId);
        if (!pod || pod.deleting) return;
        const role = this.members.get(a.serverId);
        if (a.purpose === 'restart') {
          this.restarts.set(a.serverId, (this.restarts.get(a.serverId) ?? 0) + 1);
          const successor = [...this.members].some(([id, r]) => id !== a.serverId && r === 'participant');
          if (a.serverId === this.leader && successor) this.violate(`restarted leader ${a.serverId} without handing over`);
        } else if (a.purpose === 'replace') {
          if (!pod.failed) this.violate(`replaced pod ${a.serverId}, which had not failed`);
        } else if (this.members.has(a.serverId)) this.violate(`cleanup deleted the pod of member ${a.serverId}`);
        if (role !== undefined && isVoterRole(role) && this.ready(a.serverId)) {
          const voters = [...this.members.values()].filter(isVoterRole).length;
          const left = this.healthyVoters(a.serverId);
          const noTolerance = voters <= 2 && this.healthyVoters() === voters;
          if (left < quorumOf(voters) && !noTolerance) this.violate(`deleting pod ${a.serverId} leaves ${left} of ${voters} voters healthy`);
        }
        this.kill(a.serverId);
        return;
      }
      case 'deletePvc': {
        const pvc = this.pvcs.get(a.serverId);
        if (!pvc) return;
        if (this.latest().has(a.serverId) || this.members.has(a.serverId)) this.violate(`deleted the volume of member ${a.serverId}`);
        pvc.deleting = true;
        return;
      }
      case 'releasePvc': {
        const pvc = this.pvcs.get(a.serverId);
        if (pvc) pvc.owned = false;
        return;
      }
      case 'reconfig':
        return this.reconfig(a.change);
      case 'transferLeadership': {
        if (this.leader !== a.from) return 'not the leader';
        if (this.members.get(a.to) !== 'participant') this.violate(`leadership transferred to ${a.to}, a ${this.members.get(a.to) ?? 'non-member'}`);
        if (!this.synced(a.to)) return `${a.to} is not in step`;
        this.setLeader(a.to);
        return;
      }
      case 'setQuota':
        this.quotas.set(a.quota.path, a.quota);
        return;
      case 'removeQuota':
        this.quotas.delete(a.path);
        return;
      case 'setConnectionLimits': {
        const pod = this.pods.get(a.serverId);
        if (!pod || !this.running(a.serverId)) return 'not running';
        pod.limits = a.limits;
        return;
      }
      case 'recoverQuorum': {
        // As the operator carries it out: the lost members fenced first (pods and volumes deleted), then the
        // survivor asked, which refuses while it knows a leader and does nothing when it already is the sole voter.
        for (const id of a.lost) {
          const pod = this.pods.get(id);
          if (pod && !pod.deleting) this.kill(id);
          const pvc = this.pvcs.get(id);
          if (pvc) {
            pvc.deleting = true;
            pvc.fenced = true;
          }
        }
        const survivor = this.pvcs.get(a.survivor);
        if (!survivor || !this.running(a.survivor)) return 'survivor not running';
        if (this.recoveryCallsFailing > 0) {
          this.recoveryCallsFailing--;
          return 'survivor did not answer in time';
        }
        if (this.leader === a.survivor && this.members.size === 1) return;
        if (this.leader !== undefined) {
          this.violate('recovery while a leader serves');
          return 'a leader is reachable';
        }
        this.recoveries++;
        this.members = new Map([[a.survivor, 'participant']]);
        survivor.config = new Map(this.members);
        this.pending = undefined;
        this.committedZxid = survivor.zxid;
        this.setLeader(a.survivor);
        return;
      }
    }
  }

  private reconfig(change: Pending['change']): string | undefined {
    if (this.leader === undefined) return 'no leader';
    if (this.pending) return 'reconfig in progress';
    if (change.op === 'add' && this.members.has(change.serverId)) return 'already a member';
    if (change.op !== 'add' && !this.members.has(change.serverId)) return 'not a member';
    if (change.serverId === this.leader && (change.op === 'remove' || change.role !== 'participant')) {
      this.violate(`reconfig ${change.op} of the leader ${change.serverId} without handing over`);
    }
    if (change.op === 'add' && !this.running(change.serverId)) return 'joiner not running';
    const after = this.latest();
    if (change.op === 'remove') after.delete(change.serverId);
    else after.set(change.serverId, change.role);
    const voters = [...after].filter(([, r]) => isVoterRole(r));
    const up = voters.filter(([id]) => this.ready(id) || (change.op === 'add' && id === change.serverId)).length;
    if (up < quorumOf(voters.length)) return 'NEWCONFIGNOQUORUM';
    const eligible = voters.filter(([, r]) => r === 'participant').length;
    if (voters.length > 0 && eligible === 0) this.violate(`reconfig leaves no voter that may lead`);
    this.pending = { change, commitAt: this.tick + (change.op === 'add' ? this.opts.catchUpDelay() : 1) };
    return;
  }

  private kill(id: number): void {
    const pod = this.pods.get(id)!;
    pod.deleting = true;
    pod.goneAt = this.tick + this.opts.terminateDelay();
    if (id === this.leader) this.setLeader(undefined);
  }

  private setLeader(id: number | undefined): void {
    if (id !== undefined && this.members.get(id) !== 'participant') this.violate(`member ${id} (${this.members.get(id)}) became leader`);
    if (id !== undefined && this.pvcs.get(id)!.zxid < this.committedZxid) {
      this.violate(`member ${id} with zxid ${this.pvcs.get(id)!.zxid} < committed ${this.committedZxid} became leader: data lost`);
    }
    if (id !== undefined && id !== this.leaders[this.leaders.length - 1]) this.leaders.push(id);
    this.leader = id;
  }

  // ---- Time ----

  /** One tick of the world: terminations, formation, elections, commits, replication, writes. */
  advance(): void {
    this.tick++;
    this.silent.clear();
    for (const [id, pod] of this.pods) if (pod.deleting && this.tick >= pod.goneAt) this.pods.delete(id);
    for (const [id, pvc] of this.pvcs) if (pvc.deleting && !this.pods.has(id)) this.pvcs.delete(id);
    for (const [id, pod] of this.pods) {
      const pvc = this.pvcs.get(id);
      if (this.running(id) && pvc!.config === undefined) pvc!.config = new Map(pod.initial);
      if (this.running(id) && pvc!.fenced) this.violate(`member ${id} runs on the volume a quorum recovery fenced out`);
    }
    const voterIds = () => [...this.members].filter(([, r]) => isVoterRole(r)).map(([id]) => id);

    if (this.members.size === 0) this.form();
    if (this.leader !== undefined) {
      // Check-quorum: a leader that no longer reaches a quorum of voters steps down.
      const reach = voterIds().filter((id) => this.running(id)).length;
      if (!this.running(this.leader) || reach < quorumOf(voterIds().length)) {
        this.setLeader(undefined);
        this.pending = undefined;
      }
    }
    if (this.leader === undefined && this.members.size > 0) this.elect(voterIds());
    if (this.leader !== undefined && this.pending && this.tick >= this.pending.commitAt) {
      const c = this.pending.change;
      this.pending = undefined;
      if (c.op === 'remove') this.members.delete(c.serverId);
      else if (c.op === 'setRole') this.members.set(c.serverId, c.role);
      else if (this.running(c.serverId)) {
        // (A joiner that went away while being caught up is given up on: the change is never proposed.)
        this.members.set(c.serverId, c.role);
        this.pods.get(c.serverId)!.caughtUpAt = this.tick;
      }
    }
    // A write each tick, committed when a quorum of voters (the leader among them) is in step.
    const voters = voterIds();
    if (this.leader !== undefined && voters.filter((id) => this.synced(id)).length >= quorumOf(voters.length)) {
      this.committedZxid++;
      for (const id of this.members.keys()) {
        if (this.synced(id)) {
          const pvc = this.pvcs.get(id)!;
          pvc.zxid = this.committedZxid;
          pvc.config = new Map(this.members);
        }
      }
    }
  }

  /** Bootstrap: members that start from the same membership form the ensemble once a quorum of its voters runs. */
  private form(): void {
    const started = [...this.pods.keys()].filter((id) => this.running(id) && this.pvcs.get(id)!.config !== undefined);
    if (started.length === 0) return;
    const configs = started.map((id) => [...this.pvcs.get(id)!.config!].sort(([a], [b]) => a - b).join(';'));
    if (new Set(configs).size > 1) this.violate(`members started from different memberships: ${configs.join(' | ')}`);
    const config = this.pvcs.get(started[0]!)!.config!;
    const voters = [...config].filter(([, r]) => isVoterRole(r)).map(([id]) => id);
    if (voters.filter((id) => this.running(id)).length >= quorumOf(voters.length)) {
      this.members = new Map(config);
      this.elect(voters);
    }
  }

  /** Raft's rule: a candidate wins with votes from a quorum of running voters whose data is not newer than its own. */
  private elect(voters: number[]): void {
    const zxid = (id: number) => this.pvcs.get(id)!.zxid;
    const up = voters.filter((id) => this.running(id));
    const winners = up.filter(
      (c) => this.members.get(c) === 'participant' && up.filter((v) => zxid(v) <= zxid(c)).length >= quorumOf(voters.length),
    );
    if (winners.length === 0) return;
    const best = Math.max(...winners.map(zxid));
    const top = winners.filter((c) => zxid(c) === best);
    const winner = top[Math.floor(this.opts.random() * top.length)]!;
    this.setLeader(winner);
    this.committedZxid = zxid(winner); // lower only after a violation (data lost), reported by setLeader
  }

  // ---- Faults ----

  /** A pod deleted by someone else (kubectl, eviction, node loss). */
  killPod(id: number): void {
    const pod = this.pods.get(id);
    if (pod && !pod.deleting) {
      pod.restartCount++;
      this.kill(id);
    }
  }

  /** The pod and its volume are lost. */
  loseVolume(id: number): void {
    this.killPod(id);
    const pvc = this.pvcs.get(id);
    if (pvc) pvc.deleting = true;
  }

  /** The pod is evicted: phase Failed, and it stays until deleted. */
  evict(id: number): void {
    const pod = this.pods.get(id);
    if (!pod || pod.deleting) return;
    pod.failed = true;
    if (id === this.leader) this.setLeader(undefined);
  }

  /** The member's process crashes and keeps crashing (its pod stays, never running). */
  crash(id: number): void {
    const pod = this.pods.get(id);
    if (!pod) return;
    pod.restartCount++;
    pod.startsAt = Number.POSITIVE_INFINITY;
    if (id === this.leader) this.setLeader(undefined);
  }

  /** The member's node stops being ready for a while. */
  makeUnready(id: number, ticks: number): void {
    const pod = this.pods.get(id);
    if (pod) pod.unreadyUntil = this.tick + ticks;
  }

  /** Everything the spec asks for holds: membership, revisions, every member ready. */
  membershipSummary(): string {
    return [...this.members]
      .sort(([a], [b]) => a - b)
      .map(([id, r]) => `${id}:${r}@${this.pods.get(id)?.revision ?? '-'}${this.ready(id) ? '' : '!'}`)
      .join(' ');
  }
}

export function actionSummary(a: Action): string {
  switch (a.kind) {
    case 'reconfig':
      return `${a.change.op} ${a.change.serverId}${a.change.op === 'remove' ? '' : ` ${a.change.role}`}`;
    case 'transferLeadership':
      return `${a.from}->${a.to}`;
    case 'createPod':
    case 'createPvc':
    case 'deletePvc':
    case 'releasePvc':
    case 'setConnectionLimits':
      return `${a.serverId}`;
    case 'deletePod':
      return `${a.serverId} ${a.purpose}`;
    case 'recoverQuorum':
      return `from ${a.survivor}`;
    default:
      return '';
  }
}
