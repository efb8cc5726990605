// RaftCore: Corral's deterministic consensus state machine.
//
// Design. Raft (Ongaro's thesis) in the style of etcd-io/raft: a pure state machine with no I/O,
// timers, clocks or randomness of its own (election jitter comes from the injected `random`).
// Variant: pre-vote and check-quorum always on (followers that heard from a leader within an election
// timeout ignore vote requests, a leader that lost touch with a quorum steps down); a new leader
// appends a Noop; membership changes that take effect when their entry commits, with etcd's rule that a
// leader proposes a change only once everything before it (including its own Noop) has been applied:
// single-server changes in one entry, larger ones through a joint configuration that the leader leaves
// automatically as soon as the joint entry commits (see membership.ts); servers about to join replicated
// to before the change that adds them (stageJoiners); observers (learners) and never-leader voters;
// leadership transfer via TimeoutNow; ReadIndex; pipelined replication with flow control; snapshot
// catch-up. A leader asked to remove or demote itself hands over first; it never commits an inherited
// entry that demotes it to never-leader/observer (it hands over instead), and hands over once a committed
// change removes it.
//
// Host contract.
// - Inputs: tick() at a fixed interval; step(msg) for every message received; propose(),
//   proposeMembership() (after stageJoiners() for the servers it adds), transferLeadership(), readIndex(),
//   campaign(); persisted(id) and reportSnapshot(peer, ok) as described below; compact(index) after
//   snapshotting; forceSoleVoter() only to recover from a lost quorum on an operator's request.
// - Then call ready() (it drains the output; `hasReady()` tells whether there is any) and:
//   1. `persist`: write `snapshot` (if present; the data already arrived out of band), then
//      `entries` (the first entry's index replaces that index and everything after it in the host's
//      log), then `hardState`. Each persist must become durable atomically (a crash keeps or loses a
//      whole persist) and in order (a crash loses only a suffix of persists). Writes may happen in the
//      background and be grouped; when persist `id` is durable, call persisted(id), which also
//      acknowledges every earlier persist. Messages that rely on durable state (vote answers, append
//      acknowledgements, the candidate's own vote, the leader's own log in the commit count) are held
//      back until then and come out of a later ready().
//   2. `messages`: send them, in any order, possibly dropping some. A message carrying `snapshot`
//      (MsgType.Snapshot, or a CatchUp) asks the host to stream the snapshot data at
//      `snapshot.index` to `to` out of band; for MsgType.Snapshot the sender then calls
//      reportSnapshot(to, ok); the receiving host steps the message into its core only once the
//      data has arrived.
//   3. `persist.snapshot`: reset the state machine to that snapshot (its data arrived with the
//      message) before applying anything in `committed` of this or later Readies.
//   4. `committed`: apply in order (they are committed and locally durable). Config entries are
//      included (decode with decodeConfig); the core has already switched to the new membership. A
//      joint change shows as two config entries: the joint one (membership.outgoing set, carrying the
//      changes) and the leave entry (no outgoing, no changes).
//   5. `reads`: the read for `ctx` may be served once the applied index reaches `index`. Reads
//      pending when leadership changes (see `softState`) are dropped: the host fails or retries them.
//
// Never-leaders and observers that hold a fresher log than an eligible candidate push it to the
// candidate (MsgType.CatchUp), so a tie-breaker holding the only copy of recent entries cannot block
// elections. Known limitation: if the latest membership's eligible voters have not yet learned that
// they are voters (the leader that added them died before telling them) and every member that knows
// may not lead, nobody campaigns until an operator restores a member that can.
//
// ZooKeeper zxids. Each committed entry exposes its term and index. The member (not this core)
// derives zxids as epoch<<32|counter with epoch = the entry's term, the counter restarting at 1
// whenever the term of applied entries increases, so zxids stay monotonic across leader changes.

import { Progress } from './progress.js';
import { RaftLog } from './log.js';
import { ReadIndexQueue, type PendingRead } from './read-index.js';
import { MsgType, type Message } from './messages.js';
import {
  allQuorumMembers,
  changeMembership,
  decodeConfig,
  encodeConfig,
  hasQuorum,
  isDemoted,
  isJoint,
  leaveJoint,
  mayLead,
  quorumIndex,
  replicaPeers,
  roleOf,
  voteOutcome,
  type MembershipChange,
} from './membership.js';
import { EntryKind, type Entry, type HardState, type Membership, type NodeId, type SnapshotMeta } from './types.js';

export interface RaftOptions {
  id: NodeId;
  /** Latest snapshot metadata; to bootstrap a new cluster: { index: 0, term: 0, membership }. */
  snapshot: SnapshotMeta;
  /** Recovered durable state (all of it is treated as persisted). */
  hardState?: HardState;
  /** Recovered log entries following snapshot.index. */
  entries?: Entry[];
  /** Index the host's state machine already reflects (default snapshot.index). */
  applied?: number;
  /** Source of election-timeout jitter, uniform in [0, 1). */
  random: () => number;
  /** Election timeout in ticks; the randomised timeout lies in [electionTicks, 2*electionTicks). Default 10. */
  electionTicks?: number;
  /** Heartbeat interval in ticks. Default 1. */
  heartbeatTicks?: number;
  /** Unacknowledged appends per follower in replicate state. Default 64. */
  maxInflightMsgs?: number;
  /** Soft limit on the payload bytes of one append. Default 1 MiB. */
  maxMsgBytes?: number;
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

export interface SoftState {
  role: Role;
  leader: NodeId;
  term: number;
}

export interface ReadState {
  ctx: number;
  index: number;
}

export interface Persist {
  id: number;
  snapshot?: SnapshotMeta;
  entries: Entry[];
  hardState?: HardState;
}

export interface Ready {
  persist?: Persist;
  messages: Message[];
  committed: Entry[];
  reads: ReadState[];
  /** Present when role, leader or term changed since the previous Ready. */
  softState?: SoftState;
  /** Present when the committed membership changed since the previous Ready. */
  membership?: Membership;
}

export type ProposeError = 'notLeader' | 'transferring' | 'reconfigInProgress' | 'invalidChange' | 'newConfigNoQuorum';
export type ProposeResult =
  | { ok: true; index: number; term: number }
  | { ok: false; error: ProposeError; leader: NodeId };
export type TransferResult = { ok: true; target: NodeId } | { ok: false; error: 'notLeader' | 'noEligibleTarget'; leader: NodeId };
export type ReadIndexResult = { ok: true } | { ok: false; error: 'notLeader'; leader: NodeId };

type Outgoing = Omit<Message, 'from' | 'term'> & { term?: number };

const EMPTY = new Uint8Array(0);
const sameHardState = (a: HardState, b: HardState) => a.term === b.term && a.vote === b.vote && a.commit === b.commit;

export class RaftCore {
  readonly id: NodeId;
  private termValue = 0;
  private voteValue: NodeId = 0;
  private roleValue: Role = 'follower';
  private leaderValue: NodeId = 0;
  private membershipValue: Membership;
  private readonly log: RaftLog;
  private readonly random: () => number;
  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly maxInflight: number;
  private readonly maxMsgBytes: number;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedTimeout = 0;
  private votes = new Map<NodeId, boolean>();
  private progress = new Map<NodeId, Progress>();
  /** Servers about to join that the leader replicates to before the change (see stageJoiners). */
  private staged = new Set<NodeId>();
  private transferee: NodeId = 0;
  private transferElapsed = 0;
  /** Leader only: the first uncommitted config entry in our log that demotes us (see becomeLeader), if any. */
  private demotion: { index: number; membership: Membership } | undefined;
  /** Index of the latest config entry the leader appended (or its term's first index). */
  private pendingConfigIndex = 0;
  /** Committed config changes after the snapshot, to know the membership at a compaction point. */
  private configHistory: { index: number; membership: Membership }[] = [];
  private reads = new ReadIndexQueue();
  /** ReadIndex requests waiting for the leader's first commit in its term. */
  private readsAwaitingCommit: { from: NodeId; ctx: number }[] = [];
  private readHeartbeatDue = false;

  private outbox: Message[] = [];
  private held: { seq: number; msg: Message }[] = [];
  private readStates: ReadState[] = [];
  private writeSeq = 0;
  private ackedSeq = 0;
  private writes: { id: number; lastIndex: number; lastTerm: number }[] = [];
  private handedHardState: HardState;
  private snapshotToPersist: SnapshotMeta | undefined;
  private reportedSoft: SoftState | undefined;
  private membershipChanged = true;

  constructor(opts: RaftOptions) {
    this.id = opts.id;
    this.random = opts.random;
    this.electionTicks = opts.electionTicks ?? 10;
    this.heartbeatTicks = opts.heartbeatTicks ?? 1;
    this.maxInflight = opts.maxInflightMsgs ?? 64;
    this.maxMsgBytes = opts.maxMsgBytes ?? 1 << 20;
    const hs = opts.hardState ?? { term: 0, vote: 0, commit: 0 };
    this.log = new RaftLog(opts.snapshot, opts.entries ?? [], hs.commit, opts.applied ?? opts.snapshot.index);
    this.termValue = hs.term;
    this.voteValue = hs.vote;
    this.handedHardState = { ...hs };
    this.membershipValue = opts.snapshot.membership;
    this.applyConfigs(opts.snapshot.index, this.log.committed);
    this.resetTimers();
  }

  get term(): number {
    return this.termValue;
  }
  get role(): Role {
    return this.roleValue;
  }
  /** Current leader as far as this member knows, 0 if none. */
  get leader(): NodeId {
    return this.leaderValue;
  }
  /** The committed membership. */
  get membership(): Membership {
    return this.membershipValue;
  }
  get commitIndex(): number {
    return this.log.committed;
  }
  get appliedIndex(): number {
    return this.log.applied;
  }
  get lastIndex(): number {
    return this.log.lastIndex();
  }
  get firstIndex(): number {
    return this.log.firstIndex();
  }
  get snapshotMeta(): SnapshotMeta {
    return this.log.snapshot;
  }
  /** The entry at `index` if it is in the in-memory log. */
  entry(index: number): Entry | undefined {
    return this.log.entry(index);
  }
  termAt(index: number): number | undefined {
    return this.log.term(index);
  }
  /** On the leader: how far each other member's log is known to match (for operators deciding restart order). */
  replicationStatus(): Array<{ id: NodeId; match: number; state: string; active: boolean }> {
    if (this.roleValue !== 'leader') return [];
    return [...this.progress].filter(([id]) => id !== this.id).map(([id, pr]) => ({ id, match: pr.match, state: pr.state, active: pr.recentActive }));
  }

  get hardState(): HardState {
    return { term: this.termValue, vote: this.voteValue, commit: this.log.committed };
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    if (this.roleValue === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Start an election now (e.g. a standalone member at startup). Returns false if not eligible. */
  campaign(): boolean {
    if (this.roleValue === 'leader' || !this.promotable()) return false;
    this.startPreVote();
    return true;
  }

  /**
   * The host saw its connection from `id` drop (its process died or its host is unreachable). If `id` leads,
   * stop honouring its lease and campaign after only the random part of the election timeout (0 to
   * electionTicks), not the whole of it; the random part keeps followers that all noticed from splitting the
   * vote. Pre-vote keeps a false alarm harmless: members that still hear from a live leader refuse.
   */
  peerUnreachable(id: NodeId): void {
    if (this.roleValue === 'leader' || id !== this.leaderValue) return;
    this.electionElapsed = Math.max(this.electionElapsed, this.electionTicks);
    if (this.electionElapsed >= this.randomizedTimeout && this.promotable()) this.startPreVote();
  }

  propose(data: Uint8Array): ProposeResult {
    return this.refuseProposal() ?? this.appendOwn(EntryKind.Normal, data);
  }

  /**
   * Proposes one member change, or several at once (joint consensus when the voting set changes by more than
   * one member). Refused while another change is in flight, and if invalid (see changeMembership). A change
   * that removes or demotes this leader is refused with 'transferring' while it hands leadership to an eligible
   * voter first (ZooKeeper users expect that): the host proposes it again at the new leader. With nobody to
   * hand over to, a leader carries its own removal through and hands over once it commits; a demotion is invalid.
   * Joining servers count toward the new configuration's quorum only once staged and caught up (see stageJoiners).
   */
  proposeMembership(request: MembershipChange | readonly MembershipChange[]): ProposeResult {
    const refusal = this.refuseProposal();
    if (refusal) return refusal;
    if (this.pendingConfigIndex > this.log.applied || isJoint(this.membershipValue)) {
      return { ok: false, error: 'reconfigInProgress', leader: this.id };
    }
    const changes = 'id' in request ? [request] : [...request];
    const next = changeMembership(this.membershipValue, changes);
    if (!next) return { ok: false, error: 'invalidChange', leader: this.id };
    if (!this.newConfigReachable(next)) return { ok: false, error: 'newConfigNoQuorum', leader: this.id };
    const ownRole = roleOf(next, this.id);
    if (ownRole !== 'voter') {
      const target = this.bestTransferTarget((id) => roleOf(next, id) === 'voter' && mayLead(next, id));
      if (target !== undefined && this.transferLeadership(target).ok) return { ok: false, error: 'transferring', leader: this.id };
      if (ownRole !== 'removed') return { ok: false, error: 'invalidChange', leader: this.id };
    }
    const result = this.appendOwn(EntryKind.Config, encodeConfig({ changes, membership: next }));
    this.pendingConfigIndex = result.index;
    return result;
  }

  /**
   * Leader: replicate to servers about to join, before the change that adds them is proposed (Raft's catch-up
   * of new servers; ZooKeeper has a joiner sync as a non-voting follower first). A change needing them for its
   * quorum then commits at once, instead of stalling every write while they fetch a snapshot. Staged servers
   * count toward nothing. Replaces the staged set; ids already replicated to are left as they are. The set is
   * dropped when leadership is lost; a staged server stays staged until a committed change makes it a member.
   */
  stageJoiners(ids: readonly NodeId[]): void {
    if (this.roleValue !== 'leader') return;
    for (const id of this.staged) if (!ids.includes(id)) this.progress.delete(id);
    this.staged = new Set(ids.filter((id) => id !== this.id && (this.staged.has(id) || !this.progress.has(id))));
    for (const id of this.staged) {
      if (this.progress.has(id)) continue;
      const pr = new Progress(this.log.lastIndex() + 1);
      pr.recentActive = false; // not heard from yet
      this.progress.set(id, pr);
    }
  }

  /**
   * Leader: how far a server it replicates to (member or staged) is. `synced`: it acknowledged entries lately
   * and takes appends as they come (what ZooKeeper calls a synced learner); `catchingUp`: heard from lately,
   * still being probed or sent a snapshot; `silent`: not heard from lately. Undefined for anyone else.
   */
  catchUpOf(id: NodeId): 'synced' | 'catchingUp' | 'silent' | undefined {
    const pr = this.roleValue === 'leader' ? this.progress.get(id) : undefined;
    if (!pr) return undefined;
    if (!pr.recentActive && !pr.wasActive) return 'silent';
    return pr.state === 'replicate' ? 'synced' : 'catchingUp';
  }

  /**
   * Rebuilds the ensemble around this member after its quorum was lost for good, on an operator's explicit request
   * (etcd's --force-new-cluster; a ZooKeeper dynamic config cut down to one server by hand). Everything in this
   * member's log counts as committed (its uncommitted tail is kept, not dropped); then, in a new term, a config
   * entry making this member the sole voter and removing every other member is appended and committed at once,
   * and the member campaigns (alone, it wins once the entry is durable). `info` is the host data of the changes
   * (for this member, and for each removed one), as in proposeMembership. Unsafe by nature: writes only the lost
   * members held are gone, and a quorum of the old configuration must never come back with its data. The host
   * decides when this is allowed (never while a quorum serves) and whether it already happened. Returns the index
   * and term of the forced entry.
   */
  forceSoleVoter(info: { self: unknown; removed: unknown }): { index: number; term: number } {
    this.becomeFollower(this.termValue + 1, 0);
    this.commitTo(this.log.lastIndex()); // and so the latest membership in the log is in force
    const changes: MembershipChange[] = [
      ...replicaPeers(this.membershipValue, this.id).map((id) => ({ id, role: 'removed' as const, info: info.removed })),
      { id: this.id, role: 'voter', info: info.self },
    ];
    const membership: Membership = { voters: [this.id], neverLeaders: [], observers: [] };
    const forced = this.appendOwn(EntryKind.Config, encodeConfig({ changes, membership }));
    this.commitTo(forced.index);
    this.campaign();
    return { index: forced.index, term: forced.term };
  }

  /** Hand leadership to `target`, or to the most up-to-date eligible voter. */
  transferLeadership(target: NodeId | 'any'): TransferResult {
    if (this.roleValue !== 'leader') return { ok: false, error: 'notLeader', leader: this.leaderValue };
    const t = target === 'any' ? this.bestTransferTarget() : target;
    if (t === this.id && this.fitToLead()) return { ok: true, target: t };
    const pr = t === undefined ? undefined : this.progress.get(t);
    if (t === undefined || !pr || !this.isEligible(t)) return { ok: false, error: 'noEligibleTarget', leader: this.id };
    this.transferee = t;
    this.transferElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.send({ type: MsgType.TimeoutNow, to: t });
    else if (!pr.isPaused(this.maxInflight)) this.sendAppend(t, pr); // start catching it up now
    return { ok: true, target: t };
  }

  /** Ask for a linearizable read index; the answer arrives in Ready.reads with the same ctx. */
  readIndex(ctx: number): ReadIndexResult {
    if (this.roleValue === 'leader') {
      this.handleReadIndex(this.id, ctx);
      return { ok: true };
    }
    if (this.leaderValue === 0) return { ok: false, error: 'notLeader', leader: 0 };
    this.send({ type: MsgType.ReadIndex, to: this.leaderValue, ctx });
    return { ok: true };
  }

  /** Persist `id` (and every earlier one) is durable. */
  persisted(id: number): void {
    if (id <= this.ackedSeq) return;
    this.ackedSeq = Math.min(id, this.writeSeq);
    while (this.writes.length > 0 && this.writes[0]!.id <= this.ackedSeq) {
      const w = this.writes.shift()!;
      if (this.log.term(w.lastIndex) === w.lastTerm) this.log.persisted = Math.max(this.log.persisted, w.lastIndex);
    }
    const released = this.held.filter((h) => h.seq <= this.ackedSeq);
    this.held = this.held.filter((h) => h.seq > this.ackedSeq);
    for (const h of released) this.deliver(h.msg); // stale-term ones are ignored by their receiver
    if (this.roleValue === 'leader') this.maybeCommit();
  }

  /** Outcome of streaming a snapshot to `peer` (requested by a MsgType.Snapshot message). */
  reportSnapshot(peer: NodeId, ok: boolean): void {
    const pr = this.progress.get(peer);
    if (this.roleValue !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    if (ok) pr.probeSent = true; // wait for the follower's acknowledgement of the snapshot
  }

  /** The host snapshotted its state machine at `index` (<= appliedIndex): drop the log up to there. */
  compact(index: number): void {
    if (index <= this.log.snapshot.index) return;
    if (index > this.log.applied) throw new Error(`compact(${index}) beyond applied index ${this.log.applied}`);
    let membership = this.log.snapshot.membership;
    for (const c of this.configHistory) if (c.index <= index) membership = c.membership;
    this.configHistory = this.configHistory.filter((c) => c.index > index);
    this.log.compact(index, { index, term: this.log.term(index)!, membership });
  }

  step(m: Message): void {
    if (m.type === MsgType.CatchUp) return this.handleCatchUp(m); // carries no claim about terms
    // Only members elect: a candidate our membership does not count (removed, not knowing it yet) gets no answer and
    // moves no term of ours. A joiner that holds no membership yet cannot tell, and its vote may be the one the
    // incoming half of a joint configuration needs: it answers. A leader's messages, by contrast, are taken whatever
    // our membership says: we may lag behind the change that made it a member (removed and added back meanwhile).
    const voteRequest = m.type === MsgType.Vote || m.type === MsgType.PreVote;
    const members = allQuorumMembers(this.membershipValue);
    if (voteRequest && members.length > 0 && !members.includes(m.from)) return;
    if (m.term > this.termValue) {
      const inLease = this.leaderValue !== 0 && this.electionElapsed < this.electionTicks;
      if (voteRequest && !m.transfer && inLease) return; // check-quorum: keep the leader we have
      const changesNoState = m.type === MsgType.PreVote || (m.type === MsgType.PreVoteResp && !m.reject);
      if (!changesNoState) {
        const fromLeader = m.type === MsgType.Append || m.type === MsgType.Heartbeat || m.type === MsgType.Snapshot;
        this.becomeFollower(m.term, fromLeader ? m.from : 0);
      }
    } else if (m.term < this.termValue) {
      // Tell a deposed leader (or a lagging pre-candidate) about the newer term; ignore the rest.
      if (m.type === MsgType.Append || m.type === MsgType.Heartbeat) this.send({ type: MsgType.AppendResp, to: m.from, index: 0 });
      else if (m.type === MsgType.PreVote) this.send({ type: MsgType.PreVoteResp, to: m.from, reject: true });
      return;
    }

    switch (m.type) {
      case MsgType.PreVote:
      case MsgType.Vote:
        return this.handleVoteRequest(m);
      case MsgType.ReadIndex:
        return this.handleReadIndex(m.from, m.ctx ?? 0);
      case MsgType.ReadIndexResp:
        this.readStates.push({ ctx: m.ctx ?? 0, index: m.index ?? 0 });
        return;
    }
    if (this.roleValue === 'leader') this.stepLeader(m);
    else if (this.roleValue === 'follower') this.stepFollower(m);
    else this.stepCandidate(m);
  }

  // ---------------------------------------------------------------- output

  hasReady(): boolean {
    if (this.roleValue === 'leader') this.flush();
    return (
      this.outbox.length > 0 ||
      this.readStates.length > 0 ||
      this.isDirty() ||
      Math.min(this.log.committed, this.log.persisted) > this.log.applied ||
      this.membershipChanged ||
      !this.sameSoft()
    );
  }

  /** Drains everything the host must act on (see the contract at the top of this file). */
  ready(): Ready {
    if (this.roleValue === 'leader') this.flush();
    const rd: Ready = { messages: this.outbox, committed: [], reads: this.readStates };
    this.outbox = [];
    this.readStates = [];
    if (this.isDirty()) {
      const persist: Persist = { id: ++this.writeSeq, entries: this.log.takeUnstable() };
      if (this.snapshotToPersist) persist.snapshot = this.snapshotToPersist;
      this.snapshotToPersist = undefined;
      const hs = this.hardState;
      if (!sameHardState(hs, this.handedHardState)) persist.hardState = hs;
      this.handedHardState = hs;
      this.writes.push({ id: persist.id, lastIndex: this.log.lastIndex(), lastTerm: this.log.lastTerm() });
      rd.persist = persist;
    }
    rd.committed = this.log.takeCommitted();
    if (!this.sameSoft()) {
      this.reportedSoft = { role: this.roleValue, leader: this.leaderValue, term: this.termValue };
      rd.softState = this.reportedSoft;
    }
    if (this.membershipChanged) rd.membership = this.membershipValue;
    this.membershipChanged = false;
    return rd;
  }

  // ---------------------------------------------------------------- roles

  private reset(term: number): void {
    if (term !== this.termValue) {
      this.termValue = term;
      this.voteValue = 0;
    }
    this.leaderValue = 0;
    this.votes.clear();
    this.progress.clear();
    this.staged.clear();
    this.transferee = 0;
    this.reads.clear();
    this.readsAwaitingCommit = [];
    this.readHeartbeatDue = false;
    this.resetTimers();
  }

  private resetTimers(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedTimeout = this.electionTicks + Math.floor(this.random() * this.electionTicks);
  }

  private becomeFollower(term: number, leader: NodeId): void {
    this.reset(term);
    this.roleValue = 'follower';
    this.leaderValue = leader;
  }

  private startPreVote(): void {
    this.reset(this.termValue);
    this.roleValue = 'preCandidate';
    this.votes.set(this.id, true); // a pre-vote changes no state, so our own counts at once
    if (this.poll() === 'won') return this.startElection(false);
    for (const peer of this.otherVoters()) {
      this.send({
        type: MsgType.PreVote,
        to: peer,
        term: this.termValue + 1,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        commit: this.log.committed,
      });
    }
  }

  private startElection(transfer: boolean): void {
    this.reset(this.termValue + 1);
    this.roleValue = 'candidate';
    this.voteValue = this.id;
    for (const peer of this.otherVoters()) {
      const m: Outgoing = { type: MsgType.Vote, to: peer, index: this.log.lastIndex(), logTerm: this.log.lastTerm() };
      if (transfer) m.transfer = true;
      this.send(m);
    }
    // Our own vote counts only once it is durable, like anyone else's.
    this.sendDurable({ type: MsgType.VoteResp, to: this.id, reject: false });
  }

  private becomeLeader(): void {
    this.reset(this.termValue);
    this.roleValue = 'leader';
    this.leaderValue = this.id;
    this.syncProgress();
    // An earlier leader may have left an uncommitted entry demoting us to never-leader or observer. We must
    // not lead once it commits, so we never commit it ourselves and hand leadership over.
    this.demotion = undefined;
    for (let i = this.log.committed + 1; i <= this.log.lastIndex() && !this.demotion; i++) {
      const e = this.log.entry(i)!;
      if (e.kind !== EntryKind.Config) continue;
      const { membership } = decodeConfig(e.data);
      if (isDemoted(membership, this.id)) this.demotion = { index: i, membership };
    }
    this.appendOwn(EntryKind.Noop, EMPTY);
    // No membership change (nor leaving an inherited joint config) until our Noop commits: a change proposed
    // under a membership a previous leader may have changed concurrently could skip a step (Ongaro's fix).
    this.pendingConfigIndex = this.log.lastIndex();
    if (!this.fitToLead()) this.handOver();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.randomizedTimeout && this.promotable()) this.startPreVote();
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.transferee !== 0 && ++this.transferElapsed >= this.electionTicks) this.transferee = 0;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (!this.quorumRecentlyActive()) return this.becomeFollower(this.termValue, 0);
    }
    if (this.transferee === 0 && !this.fitToLead()) this.handOver();
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  // ---------------------------------------------------------------- message handling

  private handleVoteRequest(m: Message): void {
    const pre = m.type === MsgType.PreVote;
    const free = this.voteValue === m.from || (this.voteValue === 0 && this.leaderValue === 0) || (pre && m.term > this.termValue);
    const grant = free && this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0);
    if (pre) {
      this.send({ type: MsgType.PreVoteResp, to: m.from, term: grant ? m.term : this.termValue, reject: !grant });
      if (!grant && !this.promotable() && this.log.lastIndex() > (m.commit ?? 0)) this.sendCatchUp(m);
      return;
    }
    if (grant) {
      this.voteValue = m.from;
      this.electionElapsed = 0;
    }
    this.sendDurable({ type: MsgType.VoteResp, to: m.from, reject: !grant });
  }

  /**
   * We may not lead but hold a log fresher than an eligible candidate's: send it everything after
   * its commit index (committed prefixes agree everywhere, so that is a match point), or our
   * snapshot and everything after it if we compacted past that point.
   */
  private sendCatchUp(m: Message): void {
    if (this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)) return;
    const from = Math.max(m.commit ?? 0, this.log.snapshot.index);
    const msg: Outgoing = {
      type: MsgType.CatchUp,
      to: m.from,
      index: from,
      logTerm: this.log.term(from)!,
      entries: this.log.slice(from + 1, this.log.lastIndex() + 1),
      commit: this.log.committed,
    };
    if (from > (m.commit ?? 0)) msg.snapshot = this.log.snapshot;
    this.send(msg);
  }

  /**
   * Adopts a strictly fresher log pushed by a member that may not lead. Safe for the same reason a
   * new leader may overwrite followers: every entry we acknowledged that got committed is contained
   * in any log more up to date than ours, and the push carries that log's whole suffix. The
   * sender's commit index comes along, so we also learn which config entries are in force.
   */
  private handleCatchUp(m: Message): void {
    this.adoptPushedLog(m);
    // A change we just learned of may bar us from leading: a campaign under way must not go on to win.
    if (this.roleValue !== 'follower' && !this.promotable()) this.becomeFollower(this.termValue, 0);
  }

  private adoptPushedLog(m: Message): void {
    const prevIndex = m.index ?? 0;
    const prevTerm = m.logTerm ?? 0;
    const entries = m.entries ?? [];
    const last = entries[entries.length - 1] ?? { index: prevIndex, term: prevTerm };
    if (this.roleValue === 'leader' || this.leaderValue !== 0) return;
    if (!this.log.isUpToDate(last.index, last.term) || this.log.isUpToDateWith(last.index, last.term)) return;
    if (!this.log.matchTerm(prevIndex, prevTerm)) {
      if (!m.snapshot || m.snapshot.index <= this.log.committed) return;
      this.installSnapshot(m.snapshot);
    }
    if (prevIndex < this.log.committed) return;
    this.log.maybeAppend(prevIndex, prevTerm, entries);
    this.commitTo(Math.min(m.commit ?? 0, last.index));
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case MsgType.Append:
      case MsgType.Heartbeat:
      case MsgType.Snapshot:
        this.becomeFollower(this.termValue, m.from);
        return this.stepFollower(m);
      case MsgType.PreVoteResp:
      case MsgType.VoteResp: {
        if ((m.type === MsgType.PreVoteResp) !== (this.roleValue === 'preCandidate')) return;
        if (!this.votes.has(m.from)) this.votes.set(m.from, !m.reject);
        const outcome = this.poll();
        if (outcome === 'lost') this.becomeFollower(this.termValue, 0);
        else if (outcome === 'won') this.roleValue === 'preCandidate' ? this.startElection(false) : this.becomeLeader();
        return;
      }
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MsgType.Append:
        this.heardFromLeader(m.from);
        return this.handleAppend(m);
      case MsgType.Heartbeat: {
        this.heardFromLeader(m.from);
        this.commitTo(Math.min(m.commit ?? 0, this.log.lastIndex()));
        const resp: Outgoing = { type: MsgType.HeartbeatResp, to: m.from };
        if (m.ctx) resp.ctx = m.ctx;
        return this.send(resp);
      }
      case MsgType.Snapshot:
        this.heardFromLeader(m.from);
        return this.handleSnapshot(m);
      case MsgType.TimeoutNow:
        if (this.promotable()) this.startElection(true);
        return;
    }
  }

  private heardFromLeader(leader: NodeId): void {
    this.electionElapsed = 0;
    this.leaderValue = leader;
  }

  private handleAppend(m: Message): void {
    const prevIndex = m.index ?? 0;
    if (prevIndex < this.log.committed) {
      this.sendDurable({ type: MsgType.AppendResp, to: m.from, index: this.log.committed });
      return;
    }
    const last = this.log.maybeAppend(prevIndex, m.logTerm ?? 0, m.entries ?? []);
    if (last !== undefined) {
      this.commitTo(Math.min(m.commit ?? 0, last));
      this.sendDurable({ type: MsgType.AppendResp, to: m.from, index: last });
      return;
    }
    const hint = this.log.findConflictByTerm(prevIndex, m.logTerm ?? 0);
    this.sendDurable({ type: MsgType.AppendResp, to: m.from, index: prevIndex, reject: true, hint, logTerm: this.log.term(hint) ?? 0 });
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot!;
    if (s.index <= this.log.committed) {
      this.sendDurable({ type: MsgType.AppendResp, to: m.from, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(s.index, s.term)) {
      this.commitTo(s.index); // we already hold that prefix: no need to install anything
    } else {
      this.installSnapshot(s);
    }
    this.sendDurable({ type: MsgType.AppendResp, to: m.from, index: s.index });
  }

  private installSnapshot(s: SnapshotMeta): void {
    this.log.restore(s);
    this.membershipValue = s.membership;
    this.configHistory = [];
    this.membershipChanged = true;
    this.snapshotToPersist = s;
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    if (m.type === MsgType.AppendResp) {
      pr.recentActive = true;
      if (m.reject) {
        pr.reject(m.index ?? 0, this.log.findConflictByTerm(m.hint ?? 0, m.logTerm ?? 0));
        return;
      }
      if (!pr.ack(m.index ?? 0)) return;
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
      this.maybeCommit();
      if (m.from === this.transferee && pr.match === this.log.lastIndex()) this.send({ type: MsgType.TimeoutNow, to: m.from });
    } else if (m.type === MsgType.HeartbeatResp) {
      pr.recentActive = true;
      pr.onHeartbeatResponse();
      // Re-probe so lost appends are noticed even when no new entries arrive.
      if (pr.match < this.log.lastIndex() && !pr.isPaused(this.maxInflight)) this.sendAppend(m.from, pr);
      if (m.ctx) this.reads.ack(m.from, m.ctx, (acks) => this.hasQuorum(acks)).forEach((r) => this.answerRead(r));
    }
  }

  private handleReadIndex(from: NodeId, ctx: number): void {
    if (this.roleValue !== 'leader') return; // a stale forward: the requester times out and retries
    if (this.log.term(this.log.committed) !== this.termValue) {
      this.readsAwaitingCommit.push({ from, ctx }); // our commit index is not yet known to be current
      return;
    }
    const read = { from, ctx, index: this.log.committed };
    if (this.hasQuorum(new Set([this.id]))) return this.answerRead(read);
    this.reads.add(read, this.id);
    this.readHeartbeatDue = true;
  }

  private answerRead(r: PendingRead): void {
    if (r.from === this.id) this.readStates.push({ ctx: r.ctx, index: r.index });
    else this.send({ type: MsgType.ReadIndexResp, to: r.from, ctx: r.ctx, index: r.index });
  }

  // ---------------------------------------------------------------- replication (leader)

  private refuseProposal(): ProposeResult | undefined {
    if (this.roleValue !== 'leader') return { ok: false, error: 'notLeader', leader: this.leaderValue };
    if (this.transferee !== 0) return { ok: false, error: 'transferring', leader: this.id };
    return undefined;
  }

  private appendOwn(kind: EntryKind, data: Uint8Array): { ok: true; index: number; term: number } {
    const index = this.log.lastIndex() + 1;
    this.log.append([{ index, term: this.termValue, kind, data }]);
    return { ok: true, index, term: this.termValue };
  }

  /** Sends whatever each follower can take now; batching happens because this runs at ready(). */
  private flush(): void {
    if (this.readHeartbeatDue) this.broadcastHeartbeat();
    for (const [id, pr] of this.progress) {
      while (!pr.isPaused(this.maxInflight) && (pr.next <= this.log.lastIndex() || pr.sentCommit < this.log.committed)) {
        const next = pr.next;
        this.sendAppend(id, pr);
        if (pr.state !== 'replicate' || pr.next === next) break;
      }
    }
  }

  private sendAppend(to: NodeId, pr: Progress): void {
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      pr.becomeSnapshot(this.log.snapshot.index);
      this.send({ type: MsgType.Snapshot, to, snapshot: this.log.snapshot });
      return;
    }
    const entries = this.entriesFrom(pr.next);
    this.send({ type: MsgType.Append, to, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentCommit = this.log.committed;
    pr.sent(prevIndex + entries.length, entries.length > 0);
  }

  private entriesFrom(lo: number): Entry[] {
    let hi = lo;
    let bytes = 0;
    while (hi <= this.log.lastIndex() && (hi === lo || bytes + this.log.entry(hi)!.data.length <= this.maxMsgBytes)) {
      bytes += this.log.entry(hi)!.data.length;
      hi++;
    }
    return this.log.slice(lo, hi);
  }

  private broadcastHeartbeat(): void {
    this.readHeartbeatDue = false;
    const ctx = this.reads.latestSeq();
    for (const [id, pr] of this.progress) {
      const m: Outgoing = { type: MsgType.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed) };
      if (ctx) m.ctx = ctx;
      this.send(m);
    }
  }

  private maybeCommit(): void {
    let index = quorumIndex(this.membershipValue, (id) => (id === this.id ? this.log.persisted : (this.progress.get(id)?.match ?? 0)));
    if (this.demotion) index = Math.min(index, this.demotion.index - 1);
    // Only entries of the current term are committed by counting (Raft §5.4.2).
    if (index <= this.log.committed || this.log.term(index) !== this.termValue) return;
    this.commitTo(index);
    const waiting = this.readsAwaitingCommit;
    this.readsAwaitingCommit = [];
    for (const r of waiting) this.handleReadIndex(r.from, r.ctx);
  }

  private quorumRecentlyActive(): boolean {
    const active = new Set<NodeId>([this.id]);
    for (const [id, pr] of this.progress) {
      if (pr.recentActive) active.add(id);
      pr.wasActive = pr.recentActive;
      pr.recentActive = false;
    }
    return this.hasQuorum(active);
  }

  /**
   * ZooKeeper's NEWCONFIGNOQUORUM check: the new configuration's voting members that are synced (this leader,
   * and followers or staged joiners heard from lately that replicate in step) must be a quorum of it. Otherwise
   * the change could not commit soon, and a joint configuration would stop every later write meanwhile.
   */
  private newConfigReachable(next: Membership): boolean {
    const up = new Set<NodeId>([this.id]);
    for (const id of allQuorumMembers(leaveJoint(next))) if (this.catchUpOf(id) === 'synced') up.add(id);
    return hasQuorum(leaveJoint(next), up);
  }

  private hasQuorum(ids: Set<NodeId>): boolean {
    return hasQuorum(this.membershipValue, ids);
  }

  /** The most up-to-date eligible voter (among those `also` accepts). */
  private bestTransferTarget(also: (id: NodeId) => boolean = () => true): NodeId | undefined {
    let best: NodeId | undefined;
    for (const [id, pr] of this.progress) {
      if (!this.isEligible(id) || !also(id)) continue;
      if (best === undefined || pr.match > this.progress.get(best)!.match) best = id;
    }
    return best;
  }

  /** Keeps one Progress per replica in the committed membership, and per staged joiner. */
  private syncProgress(): void {
    const peers = new Set(replicaPeers(this.membershipValue, this.id));
    for (const id of this.staged) if (peers.has(id)) this.staged.delete(id);
    for (const [id, pr] of this.progress) {
      if (peers.has(id) || this.staged.has(id)) continue;
      // A last append tells a member removed by the change that it committed: it would otherwise stay in the
      // configuration it knew (a joint one lets it campaign) and never answer a reconfig request it forwarded.
      if (pr.state !== 'snapshot') this.sendAppend(id, pr);
      this.progress.delete(id);
    }
    for (const id of peers) if (!this.progress.has(id)) this.progress.set(id, new Progress(this.log.lastIndex() + 1));
  }

  // ---------------------------------------------------------------- commit & membership

  private commitTo(index: number): void {
    const prev = this.log.commitTo(index);
    if (this.log.committed <= prev) return;
    this.applyConfigs(prev, this.log.committed);
    if (this.roleValue === 'leader') this.maybeLeaveJoint();
  }

  /** Leader: once a joint config is in force and no config entry is pending, append the entry leaving it. */
  private maybeLeaveJoint(): void {
    if (!isJoint(this.membershipValue) || this.pendingConfigIndex > this.log.committed) return;
    const leave = this.appendOwn(EntryKind.Config, encodeConfig({ changes: [], membership: leaveJoint(this.membershipValue) }));
    this.pendingConfigIndex = leave.index;
  }

  /** Switches to the membership of any config entry in (from, to]. */
  private applyConfigs(from: number, to: number): void {
    for (let i = Math.max(from, this.log.snapshot.index) + 1; i <= to; i++) {
      const e = this.log.entry(i)!;
      if (e.kind !== EntryKind.Config) continue;
      this.membershipValue = decodeConfig(e.data).membership;
      this.configHistory.push({ index: i, membership: this.membershipValue });
      this.membershipChanged = true;
      if (this.roleValue !== 'leader') continue;
      this.syncProgress();
      if (this.transferee !== 0 && !this.isEligible(this.transferee)) this.transferee = 0;
      if (!this.fitToLead()) this.handOver(); // we were removed: hand over
    }
  }

  /** A transfer target: may lead, and stays a voter once any joint config is left. */
  private isEligible(id: NodeId): boolean {
    return roleOf(this.membershipValue, id) === 'voter' && mayLead(this.membershipValue, id);
  }

  /** May campaign: may lead under the committed membership. */
  private promotable(): boolean {
    return mayLead(this.membershipValue, this.id);
  }

  /** May keep leading: may lead under the committed membership, and no config entry in our log demotes us (see becomeLeader). */
  private fitToLead(): boolean {
    return mayLead(this.membershipValue, this.id) && !this.demotion;
  }

  /**
   * Hands leadership to the most up-to-date eligible voter, preferring one that the entry demoting us (if any)
   * leaves eligible: handing over to a member it demotes too would only pass the problem on.
   */
  private handOver(): void {
    const demotion = this.demotion;
    const target = (demotion && this.bestTransferTarget((id) => mayLead(demotion.membership, id))) ?? this.bestTransferTarget();
    if (target !== undefined) this.transferLeadership(target);
  }

  private otherVoters(): NodeId[] {
    return allQuorumMembers(this.membershipValue).filter((id) => id !== this.id);
  }

  private poll(): 'won' | 'lost' | 'pending' {
    return voteOutcome(this.membershipValue, this.votes);
  }

  // ---------------------------------------------------------------- sending & persistence bookkeeping

  private send(m: Outgoing): void {
    this.outbox.push({ ...m, from: this.id, term: m.term ?? this.termValue });
  }

  /** Sends `m` once everything this member has recorded so far is durable. */
  private sendDurable(m: Outgoing): void {
    const msg: Message = { ...m, from: this.id, term: m.term ?? this.termValue };
    const seq = this.isDirty() ? this.writeSeq + 1 : this.writeSeq;
    if (seq <= this.ackedSeq) this.deliver(msg);
    else this.held.push({ seq, msg });
  }

  private deliver(m: Message): void {
    if (m.to === this.id) this.step(m);
    else this.outbox.push(m);
  }

  private isDirty(): boolean {
    return this.log.hasUnstable() || this.snapshotToPersist !== undefined || !sameHardState(this.hardState, this.handedHardState);
  }

  private sameSoft(): boolean {
    const s = this.reportedSoft;
    return s !== undefined && s.role === this.roleValue && s.leader === this.leaderValue && s.term === this.termValue;
  }
}
