// Drives the consensus core for a member: persists what it asks (group-committed WAL writes), sends its
// messages to peers, streams snapshots, routes proposals to whoever leads, answers read barriers, and turns
// entry terms into ZooKeeper zxids. A standalone member runs the same code with a membership of one and no peers.
import { MsgType, type Message } from '../consensus/messages.js';
import type { ProposeError, RaftCore, ReadState, SoftState } from '../consensus/raft.js';
import type { MembershipChange } from '../consensus/membership.js';
import type { Entry, NodeId, SnapshotMeta } from '../consensus/types.js';
import type { WriteAheadLog } from '../storage/wal.js';
import { JoinerCatchUp, type CatchUpLimits } from './joiner-catch-up.js';

/** What the replicator needs from the network between members (server/src/peer implements it). */
export interface PeerTransport {
  send(messages: Message[]): void;
  sendAux(to: NodeId, payload: unknown): boolean;
  sendSnapshot(to: NodeId, meta: unknown, chunks: AsyncIterable<Uint8Array>): Promise<void>;
}

export interface ReplicatorHost {
  /** Committed entries with their zxids, in log order. */
  committed(entries: Array<{ entry: Entry; zxid: number }>): void;
  roleChanged(state: SoftState): void;
  /** The snapshot at `meta.index` (already stored locally) becomes the state; returns its zxid. */
  installSnapshot(meta: SnapshotMeta): Promise<number>;
  /** The chunks of the local snapshot at `index`, to stream to a peer that needs it. */
  snapshotChunks(index: number): Promise<AsyncIterable<Uint8Array>>;
  /** A durable write failed: the member cannot go on safely. */
  fatal(err: Error): void;
  /**
   * Leader: servers a membership change adds, which it replicates to before proposing the change (none: `[]`).
   * The network must exchange messages with them although they are not members yet.
   */
  joinersStaged(joiners: MembershipChange[]): void;
}

/**
 * Forwarding protocol between members (aux messages). Proposals forwarded in one turn travel together: `data[i]`
 * has ref `ref + i`. The answer covers them all: the first `accepted` were appended in `term`, the rest refused.
 */
type ForwardMessage =
  /** `retry`: the first forward after this leader refused one (see `refusing`). */
  | { t: 'fwd'; ref: number; data: Uint8Array[]; retry?: boolean }
  | { t: 'fwdAck'; ref: number; count: number; accepted: number; term?: number }
  | { t: 'cfg'; ref: number; changes: MembershipChange[] }
  | { t: 'cfgAck'; ref: number; error?: ProposeError | 'noLeader' };

/** The part of the write-ahead log the replicator writes through (a simulation supplies an in-memory one). */
export type ReplicatorLog = Pick<WriteAheadLog, 'append' | 'reset'>;

/** Time and deferred work, injectable so a simulation can run the replicator deterministically. */
export interface ReplicatorClock {
  now(): number;
  /** Runs `fn` soon, after the current turn. */
  defer(fn: () => void): void;
}

const REAL_CLOCK: ReplicatorClock = { now: () => Date.now(), defer: (fn) => setImmediate(fn) };

/** Why a membership change was not taken (undefined: the leader appended it). */
export type MembershipRefusal = ProposeError | 'noLeader' | undefined;

const COUNTER_SPAN = 2 ** 32;

/** zxid of the entry after `previous`: epoch = term; the counter restarts at 1 when the term grows. */
export function nextZxid(previous: number, term: number): number {
  const epoch = Math.floor(previous / COUNTER_SPAN);
  return term > epoch ? term * COUNTER_SPAN + 1 : previous + 1;
}

/** A proposal sent to a leader, waiting for its acknowledgement. */
interface Forward extends Proposal {
  to: NodeId;
  term: number;
  sentAt: number;
}

/**
 * Committed entries handed to the member per event-loop turn at most, and the time a turn may spend on them (in
 * runs of APPLY_RUN, the clock read between runs): a batch of thousands (a storm of session closes) is applied over
 * several turns, so clients and peers are served in between.
 */
const APPLY_PER_TURN = 256;
const APPLY_MS_PER_TURN = 5;
const APPLY_RUN = 32;
/** How long a leader waits for joining servers to catch up (a member passes ZooKeeper's syncLimit and initLimit). */
const CATCH_UP_LIMITS: CatchUpLimits = { answerWithinMs: 2000, syncWithinMs: 10_000 };

/** How long an unacknowledged forward to a member that no longer leads is given before it counts as lost. */
const FORWARD_PATIENCE_MS = 1000;
/** How long a read index request may go unanswered before it is sent again. */
const READ_PATIENCE_MS = 1000;

interface Proposal {
  /** Submission order, which the leader's log must keep. */
  seq: number;
  data: Uint8Array;
  /** Told the term of the leader that took the proposal, once one did. */
  handed(term: number): void;
}

export class Replicator {
  private scheduled = false;
  private stopped = false;
  /** A snapshot install in progress: nothing else is processed until it is done. */
  private installing: Promise<void> | undefined;
  /** Proposals waiting for a leader that accepts them (none known, or a transfer in progress). */
  private waiting: Proposal[] = [];
  /** Proposals sent to the leader, waiting for its acknowledgement. */
  private readonly forwarded = new Map<number, Forward>();
  /** Forwards routed this turn, sent together by flushForwards (their refs are consecutive). */
  private outbox: { to: NodeId; firstRef: number; items: Forward[] } | undefined;
  private nextForwardRef = 1;
  /** How many of `forwarded` went to each member (so route() need not scan them all). */
  private readonly forwardsTo = new Map<NodeId, number>();
  private nextSeq = 1;
  /** A leader refused a forward: later ones wait until every forward sent before is answered, then go again. */
  private holdAfterRefusal = false;
  /** Leaders that refused a forward of ours: the next forward to them carries `retry`. */
  private readonly refusedBy = new Set<NodeId>();
  /**
   * Leader side: members whose forward was refused. Their later forwards, already on the way, are refused too
   * until one marked `retry` arrives, so a refusal (say, during a transfer that then aborts) never lets a later
   * write of theirs into the log ahead of the refused one.
   */
  private readonly refusing = new Set<NodeId>();
  /** Members whose connection to us dropped and that have not been heard from since (see peerGone). */
  private readonly unreachable = new Set<NodeId>();
  /** Membership changes sent to the leader, waiting for its answer. */
  private readonly configAcks = new Map<number, (refusal: MembershipRefusal) => void>();
  private nextRef = 1;
  private nextReadCtx = 1;
  /** Read index requests sent to the leader, by context, with when they were sent. */
  private readonly reads = new Map<number, { done: () => void; askedAt: number }>();
  /** Barriers asked for while no leader was known: retried on the next role change. */
  private retryReads: Array<() => void> = [];
  private readonly readsPendingApply: Array<{ index: number; done: () => void }> = [];
  /** Committed entries not handed to the host yet (see APPLY_PER_TURN), oldest first from `applyHead`. */
  private applyQueue: Entry[] = [];
  private applyHead = 0;
  private applyScheduled = false;
  /** Index of the last entry handed to the host: what reads may rely on (the core's applied index may be ahead). */
  private applied: number;
  private readonly joiners: JoinerCatchUp;

  private readonly peers: PeerTransport | undefined;
  private readonly clock: ReplicatorClock;

  /** Without `peers`, a standalone member. */
  constructor(
    readonly core: RaftCore,
    private readonly wal: ReplicatorLog,
    private readonly host: ReplicatorHost,
    private lastZxid: number,
    opts: { peers?: PeerTransport; clock?: ReplicatorClock; catchUp?: CatchUpLimits } = {},
  ) {
    this.peers = opts.peers;
    const clock = (this.clock = opts.clock ?? REAL_CLOCK);
    this.applied = core.appliedIndex;
    this.joiners = new JoinerCatchUp(core, opts.catchUp ?? CATCH_UP_LIMITS, () => clock.now(), (joiners) => host.joinersStaged(joiners));
  }

  /**
   * What this replicator holds for the member: proposals waiting for a leader and forwarded ones not acknowledged
   * yet, and committed entries not applied yet. The member counts them against globalOutstandingLimit (see
   * RequestThrottle): while they exceed it, its clients with requests unanswered are not read, so its own writes stop
   * adding to these queues; what other members forward to a leader is held to their own limits the same way.
   */
  get backlog(): number {
    return this.waiting.length + this.forwarded.size + (this.applyQueue.length - this.applyHead);
  }

  get isLeader(): boolean {
    return this.core.role === 'leader';
  }

  /** Whether this member leads, or knows a leader whose connection to it has not dropped. */
  get hasReachableLeader(): boolean {
    const leader = this.core.leader;
    return this.isLeader || (leader !== 0 && this.peers !== undefined && !this.unreachable.has(leader));
  }

  /** Proposes `data`; `handed` is called with the leader's term once a leader has taken it into its log. */
  propose(data: Uint8Array, handed: (term: number) => void = () => {}): void {
    this.route({ seq: this.nextSeq++, data, handed });
    this.schedule();
  }

  /** Resolves once this member has applied everything committed before the call (ZooKeeper's sync). */
  barrier(): Promise<void> {
    return new Promise((resolve) => this.afterBarrier(resolve));
  }

  /**
   * Calls `done` once this member has applied everything committed before the call, synchronously, right after
   * the entry that satisfies the barrier is applied and before any later entry of the same batch: what `done`
   * reads is the state at that point (a promise callback would run only after the whole batch, and could see
   * writes the same client sent after its sync).
   */
  afterBarrier(done: () => void): void {
    this.askReadIndex(done);
    this.schedule();
  }

  private askReadIndex(done: () => void): void {
    const ctx = this.nextReadCtx++;
    this.reads.set(ctx, { done, askedAt: this.clock.now() });
    if (!this.core.readIndex(ctx).ok) {
      this.reads.delete(ctx);
      this.retryReads.push(done);
    }
  }

  /** A message from a peer (a Snapshot message only once its data is stored locally). */
  step(m: Message): void {
    this.unreachable.delete(m.from);
    this.core.step(m);
    this.joiners.check();
    this.schedule();
  }

  /** Proposes one request's membership changes through whoever leads; resolves once the leader took or refused them. */
  proposeMembership(changes: MembershipChange[]): Promise<MembershipRefusal> {
    const core = this.core;
    if (core.role === 'leader') return this.proposeAsLeader(changes);
    if (core.leader === 0 || !this.peers) return Promise.resolve('noLeader');
    const ref = this.nextRef++;
    return new Promise((resolve) => {
      this.configAcks.set(ref, resolve);
      if (!this.peers!.sendAux(core.leader, { t: 'cfg', ref, changes } satisfies ForwardMessage)) {
        this.configAcks.delete(ref);
        resolve('noLeader');
      }
    });
  }

  private proposeAsLeader(changes: MembershipChange[]): Promise<MembershipRefusal> {
    const refusal = this.joiners.propose(changes);
    // Staged joiners get their first appends, or the change its entry. A change that waited for its joiners is
    // proposed from step() or tick(), which schedule after.
    this.schedule();
    return refusal;
  }

  /** The message connection from `id` dropped (see RaftCore.peerUnreachable). */
  peerGone(id: NodeId): void {
    this.unreachable.add(id);
    if (this.outbox?.to === id) {
      this.requeue(this.outbox); // not sent yet: back in line for whoever leads next
      this.outbox = undefined;
    }
    for (const [ref, f] of this.forwarded) if (f.to === id) this.forwardLost(ref, f);
    this.core.peerUnreachable(id);
    this.schedule();
  }

  /** Aux messages of the forwarding protocol; returns false for payloads that are not its own. */
  handleAux(from: NodeId, payload: unknown): boolean {
    this.unreachable.delete(from);
    const msg = payload as ForwardMessage;
    if (msg?.t === 'fwd') {
      if (msg.retry) this.refusing.delete(from);
      let accepted = 0;
      let term: number | undefined;
      for (const data of msg.data) {
        const result = this.refusing.has(from) ? undefined : this.core.propose(data);
        if (!result?.ok) {
          this.refusing.add(from); // and so every later one of this batch
          continue;
        }
        accepted++;
        term = result.term;
      }
      const ack: ForwardMessage = { t: 'fwdAck', ref: msg.ref, count: msg.data.length, accepted, ...(term === undefined ? {} : { term }) };
      this.peers?.sendAux(from, ack);
      this.schedule();
      return true;
    }
    if (msg?.t === 'cfg') {
      const answer = (error: MembershipRefusal) =>
        this.peers?.sendAux(from, { t: 'cfgAck', ref: msg.ref, ...(error ? { error } : {}) } satisfies ForwardMessage);
      if (this.core.role === 'leader') void this.proposeAsLeader(msg.changes).then(answer);
      else answer('noLeader');
      return true;
    }
    if (msg?.t === 'cfgAck') {
      this.configAcks.get(msg.ref)?.(msg.error);
      this.configAcks.delete(msg.ref);
      return true;
    }
    if (msg?.t === 'fwdAck') {
      let refusedBy: NodeId | undefined;
      for (let i = 0; i < msg.count; i++) {
        const ref = msg.ref + i;
        const p = this.forwarded.get(ref);
        if (!p) continue;
        this.untrack(ref, p);
        if (i < msg.accepted) {
          p.handed(msg.term ?? p.term);
          continue;
        }
        // Refused proposals were not appended anywhere, so sending them again cannot duplicate them: they wait
        // for the next tick or leader change (a leader handing over refuses until the new one is elected).
        this.holdAfterRefusal = true;
        this.refusedBy.add(p.to);
        this.wait(p);
        refusedBy = p.to;
      }
      // After acceptances, or a refusal by a member that no longer leads, the next in line go now.
      if (refusedBy === undefined || (this.core.leader !== 0 && this.core.leader !== refusedBy)) this.routeWaiting();
      this.schedule();
      return true;
    }
    return false;
  }

  tick(): void {
    this.core.tick();
    this.joiners.check();
    const leader = this.core.leader;
    const now = this.clock.now();
    for (const [ref, f] of this.forwarded) {
      if (f.to !== leader && now - f.sentAt > FORWARD_PATIENCE_MS) this.forwardLost(ref, f);
    }
    if (leader !== 0) this.routeWaiting();
    // A read index request or its answer may be lost with a connection (nothing retries it in the core): ask again.
    const stale = [...this.reads].filter(([, r]) => now - r.askedAt > READ_PATIENCE_MS);
    for (const [ctx, r] of stale) {
      this.reads.delete(ctx);
      this.askReadIndex(r.done);
    }
    this.schedule();
  }

  private routeWaiting(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const p of waiting) this.route(p);
  }

  /**
   * A forward whose leader will not answer may or may not be in that leader's log: report it as handed to it,
   * so the member notices when it never commits.
   */
  private forwardLost(ref: number, f: Forward): void {
    this.untrack(ref, f);
    f.handed(f.term);
    this.routeWaiting();
  }

  /** Queues a proposal in submission order (a refused one goes back ahead of those submitted after it). */
  private wait(p: Proposal): void {
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1]!.seq > p.seq) i--;
    this.waiting.splice(i, 0, p);
  }

  /**
   * Whether a proposal must wait to keep submission order: forwards to a member other than `target` (an
   * earlier leader) are unanswered, or a refusal came back while other forwards were on their way.
   */
  private mustHold(target: NodeId): boolean {
    if (this.holdAfterRefusal && this.forwarded.size === 0) this.holdAfterRefusal = false;
    if (this.holdAfterRefusal) return true;
    return this.forwarded.size !== (this.forwardsTo.get(target) ?? 0);
  }

  private track(ref: number, f: Forward): void {
    this.forwarded.set(ref, f);
    this.forwardsTo.set(f.to, (this.forwardsTo.get(f.to) ?? 0) + 1);
  }

  private untrack(ref: number, f: Forward): void {
    this.forwarded.delete(ref);
    const n = (this.forwardsTo.get(f.to) ?? 1) - 1;
    if (n > 0) this.forwardsTo.set(f.to, n);
    else this.forwardsTo.delete(f.to);
  }

  campaign(): void {
    this.core.campaign();
    this.schedule();
  }

  /** Lets the core forget entries up to `index`, which a snapshot now covers. */
  compact(index: number): void {
    this.core.compact(index);
  }

  stop(): void {
    this.stopped = true;
  }

  private route(p: Proposal): void {
    // Keep submission order: nothing overtakes proposals already waiting or still on their way to another member.
    const core = this.core;
    if (this.waiting.length > 0 || this.mustHold(core.role === 'leader' ? core.id : core.leader)) {
      this.wait(p);
      return;
    }
    if (core.role === 'leader') {
      const result = core.propose(p.data);
      if (result.ok) p.handed(result.term);
      else this.wait(p);
      return;
    }
    // A leader whose connection dropped may be dead: wait for it to be heard from again or replaced.
    if (!this.hasReachableLeader) {
      this.wait(p);
      return;
    }
    const leader = core.leader;
    if (this.outbox && this.outbox.to !== leader) this.flushForwards();
    this.outbox ??= { to: leader, firstRef: this.nextForwardRef, items: [] };
    const ref = this.nextForwardRef++;
    // Spelled out rather than spread: `p` may be a Proposal or a requeued Forward, and a spread of either shape
    // was 3% of a follower's CPU under a write load.
    const forward: Forward = { seq: p.seq, data: p.data, handed: p.handed, to: leader, term: core.term, sentAt: this.clock.now() };
    this.track(ref, forward);
    this.outbox.items.push(forward);
  }

  /** Sends the forwards gathered this turn as one message. */
  private flushForwards(): void {
    const box = this.outbox;
    if (!box) return;
    this.outbox = undefined;
    const retry = this.refusedBy.delete(box.to);
    const msg: ForwardMessage = { t: 'fwd', ref: box.firstRef, data: box.items.map((f) => f.data), ...(retry ? { retry } : {}) };
    if (this.peers?.sendAux(box.to, msg)) return;
    if (retry) this.refusedBy.add(box.to);
    this.requeue(box);
  }

  /** Forwards of `box` that never left: back in line, in order. */
  private requeue(box: { firstRef: number; items: Forward[] }): void {
    box.items.forEach((f, i) => {
      this.untrack(box.firstRef + i, f);
      this.wait(f);
    });
  }

  private roleChanged(state: SoftState): void {
    // Unacknowledged forwards stay tracked: the old leader still answers them if it is alive (see tick() and
    // peerGone() for when it does not). Waiting ones were never appended and go to the new leader.
    // A membership change sent to the old leader may or may not be in its log: the caller cannot know.
    for (const resolve of this.configAcks.values()) resolve('noLeader');
    this.configAcks.clear();
    if (state.role !== 'leader') this.joiners.leadershipLost();
    // The core drops read requests pending across a leadership change: ask again.
    for (const { done } of this.reads.values()) this.retryReads.push(done);
    this.reads.clear();
    if (state.leader !== 0) {
      this.routeWaiting();
      const retry = this.retryReads;
      this.retryReads = [];
      for (const done of retry) this.askReadIndex(done);
    }
    this.host.roleChanged(state);
  }

  /** Processes the core's output soon, once for everything that accumulated meanwhile. */
  schedule(): void {
    if (this.scheduled || this.stopped || this.installing) return;
    this.scheduled = true;
    this.clock.defer(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    this.drainCore();
    this.flushForwards();
  }

  private drainCore(): void {
    while (!this.stopped && !this.installing && this.core.hasReady()) {
      const rd = this.core.ready();
      if (rd.persist?.snapshot) {
        // Restore the state from the snapshot, make the log start after it, then carry on with this Ready.
        const { id, snapshot, hardState, entries } = rd.persist;
        this.applyCommitted(Infinity); // what is still queued precedes the snapshot
        this.installing = (async () => {
          this.lastZxid = await this.host.installSnapshot(snapshot);
          this.applied = snapshot.index;
          await this.wal.reset(snapshot.index, hardState);
          if (entries.length > 0) await this.wal.append(undefined, entries);
          this.core.persisted(id);
        })().then(
          () => {
            this.installing = undefined;
            this.afterPersist(rd.messages, rd.committed, rd.reads, rd.softState);
            this.schedule();
          },
          (err: Error) => this.host.fatal(err),
        );
        return;
      }
      if (rd.persist) {
        const { id, hardState, entries } = rd.persist;
        this.wal.append(hardState, entries).then(
          () => {
            this.core.persisted(id);
            this.schedule();
          },
          (err: Error) => this.host.fatal(err),
        );
      }
      this.afterPersist(rd.messages, rd.committed, rd.reads, rd.softState);
    }
  }

  private afterPersist(messages: Message[], committed: Entry[], reads: ReadState[], softState: SoftState | undefined): void {
    if (messages.length > 0) this.sendMessages(messages);
    if (softState) this.roleChanged(softState);
    for (const r of reads) {
      const pending = this.reads.get(r.ctx);
      if (!pending) continue;
      this.reads.delete(r.ctx);
      this.readsPendingApply.push({ index: r.index, done: pending.done });
    }
    for (const e of committed) this.applyQueue.push(e);
    this.applyCommitted(APPLY_PER_TURN);
  }

  /**
   * Hands up to `limit` queued committed entries to the host, in runs that end where a pending read becomes
   * answerable (answered right there), and leaves the rest for a later turn.
   */
  private applyCommitted(limit: number): void {
    this.releaseReads(this.applied);
    let budget = limit;
    const start = this.clock.now();
    while (this.applyHead < this.applyQueue.length && budget > 0 && (limit === Infinity || this.clock.now() - start < APPLY_MS_PER_TURN)) {
      const applied = this.applied;
      const due = this.readsPendingApply.reduce((min, r) => (r.index > applied && r.index < min ? r.index : min), Infinity);
      const end = Math.min(this.applyQueue.length, this.applyHead + Math.min(budget, APPLY_RUN), this.applyHead + (due - applied));
      const out = this.applyQueue.slice(this.applyHead, end).map((entry) => {
        this.lastZxid = nextZxid(this.lastZxid, entry.term);
        return { entry, zxid: this.lastZxid };
      });
      budget -= end - this.applyHead;
      this.applyHead = end;
      this.applied = out[out.length - 1]!.entry.index;
      this.host.committed(out);
      this.releaseReads(this.applied);
    }
    if (this.applyHead === this.applyQueue.length) {
      this.applyQueue = [];
      this.applyHead = 0;
    } else if (!this.applyScheduled) {
      this.applyScheduled = true;
      this.clock.defer(() => {
        this.applyScheduled = false;
        if (!this.stopped && !this.installing) this.applyCommitted(APPLY_PER_TURN);
      });
    }
  }

  /** Answers, in the order they were asked, the reads whose index is applied. */
  private releaseReads(applied: number): void {
    const due = this.readsPendingApply.filter((r) => r.index <= applied);
    if (due.length === 0) return;
    this.readsPendingApply.splice(0, this.readsPendingApply.length, ...this.readsPendingApply.filter((r) => r.index > applied));
    for (const r of due) r.done();
  }

  private sendMessages(messages: Message[]): void {
    if (!this.peers) return;
    const plain: Message[] = [];
    for (const m of messages) {
      // Snapshot and CatchUp messages that carry a snapshot need its data streamed first.
      if (m.snapshot) void this.streamSnapshot(m);
      else plain.push(m);
    }
    if (plain.length > 0) this.peers.send(plain);
  }

  private async streamSnapshot(m: Message): Promise<void> {
    let ok = false;
    try {
      const chunks = await this.host.snapshotChunks(m.snapshot!.index);
      await this.peers!.sendSnapshot(m.to, m, chunks);
      ok = true;
    } catch {
      ok = false;
    }
    if (m.type === MsgType.Snapshot) this.core.reportSnapshot(m.to, ok);
    this.schedule();
  }
}
