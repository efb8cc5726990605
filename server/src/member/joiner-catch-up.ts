// A leader catches up the servers a membership change adds before it proposes the change, as ZooKeeper has a
// joining server sync as a non-voting follower first. Proposed at once, a change needing them for its quorum
// would stall every write (through the joint configuration, or the new quorum) while they fetched a snapshot
// and the log; NEWCONFIGNOQUORUM would also have nothing better than a guess at which of them are up.
import type { RaftCore } from '../consensus/raft.js';
import type { MembershipChange } from '../consensus/membership.js';
import type { NodeId } from '../consensus/types.js';
import type { MembershipRefusal } from './replicator.js';

export interface CatchUpLimits {
  /** A joiner not heard from this long after staging counts as down: stop waiting (ZooKeeper: syncLimit ticks). */
  answerWithinMs: number;
  /** The longest wait for joiners to catch up (ZooKeeper gives a learner's first sync initLimit ticks). */
  syncWithinMs: number;
}

interface Pending {
  changes: MembershipChange[];
  joiners: NodeId[];
  since: number;
  done: (refusal: MembershipRefusal) => void;
}

export class JoinerCatchUp {
  private pending: Pending | undefined;
  /** Servers handed to `staged` and not withdrawn here (applying the change that adds them also ends that). */
  private reaching = false;

  constructor(
    private readonly core: RaftCore,
    private readonly limits: CatchUpLimits,
    private readonly now: () => number,
    /** The servers being caught up changed (none: `[]`): the network must reach them. */
    private readonly staged: (joiners: MembershipChange[]) => void,
  ) {}

  /** Leader: proposes `changes` once the servers they add are synced, or waiting for them is hopeless. */
  propose(changes: MembershipChange[]): Promise<MembershipRefusal> {
    if (this.pending) return Promise.resolve('reconfigInProgress');
    const { core } = this;
    const joining = changes.filter((c) => c.role !== 'removed' && c.id !== core.id && core.catchUpOf(c.id) === undefined);
    if (joining.length === 0) return Promise.resolve(this.proposeNow(changes));
    core.stageJoiners(joining.map((c) => c.id));
    this.reach(joining);
    return new Promise((done) => {
      this.pending = { changes, joiners: joining.map((c) => c.id), since: this.now(), done };
    });
  }

  /** Call on every tick and message: proposes the waiting change when its joiners are ready. */
  check(): void {
    const p = this.pending;
    if (!p) return;
    const states = p.joiners.map((id) => this.core.catchUpOf(id));
    const waited = this.now() - p.since;
    const hopeless = waited >= this.limits.syncWithinMs || (waited >= this.limits.answerWithinMs && states.includes('silent'));
    // Proposing decides: joiners that are not synced by now do not count toward the new quorum.
    if (hopeless || states.every((s) => s === 'synced')) this.finish(this.proposeNow(p.changes));
  }

  /** This member no longer leads: nothing waiting was proposed, so the request may go to the new leader. */
  leadershipLost(): void {
    if (this.pending) this.finish('transferring');
    else if (this.reaching) this.reach([]);
  }

  private proposeNow(changes: MembershipChange[]): MembershipRefusal {
    const r = this.core.proposeMembership(changes);
    return r.ok ? undefined : r.error;
  }

  private reach(joiners: MembershipChange[]): void {
    this.reaching = joiners.length > 0;
    this.staged(joiners);
  }

  private finish(refusal: MembershipRefusal): void {
    const p = this.pending!;
    this.pending = undefined;
    if (refusal !== undefined) {
      this.core.stageJoiners([]);
      this.reach([]);
    }
    p.done(refusal);
  }
}
