// A member that cannot serve clients because it has no quorum lets them go, so that a client moves on to a member
// that can serve it. ZooKeeper closes every client connection the moment a member stops following a leader (a
// follower whose leader went, a leader that lost its quorum) and closes new ones at once until an election is
// won; a client that waited instead would see no disconnect for as long as the outage lasts.
//
// Corral does the same when the member is cut off: the voters it has a live connection to, itself included, are
// not a quorum, so no election can succeed. That must hold for `confirmCutOffTicks` (a few Raft ticks), so that a
// peer link that drops and is redialled at once does not cost every client its connection.
//
// An election in progress (a quorum is reachable but no leader known yet) gets a bounded wait instead,
// `electionGraceTicks`, the longest election timeout: an election after a leader failure is decided within it,
// and clients that keep their connections through it see writes pause rather than reconnect, where ZooKeeper makes
// every client of every member reconnect on each election. A member still without a leader after the grace drops
// its clients all the same. The wait is counted in the Raft ticks that also time elections, so a member slowed
// down by load waits longer in wall time as its elections take longer. Read-only mode (readonlymode.enabled) is
// separate: its read-only clients stay.
import type { Logger } from 'pino';
import { allQuorumMembers, hasQuorum } from '../consensus/membership.js';
import type { Membership, NodeId } from '../consensus/types.js';

export interface QuorumLossHost {
  readonly log: Logger;
  /** Whether this member leads, or knows a leader it is connected to. */
  hasLeader(): boolean;
  /** Whether the voters this member has a live connection to, itself included, make a quorum. */
  quorumReachable(): boolean;
  /** Closes the connections of read-write clients. */
  dropClients(reason: string): void;
}

export interface QuorumLossLimits {
  confirmCutOffTicks: number;
  electionGraceTicks: number;
}

export class QuorumLoss {
  /** Ticks the member has been without a reachable leader or quorum. */
  private ticksWithout = 0;
  private dropped = false;

  constructor(
    private readonly host: QuorumLossHost,
    private readonly limits: QuorumLossLimits,
  ) {}

  /** True while the member has let its clients go: new read-write clients are refused until a leader is back. */
  get refusing(): boolean {
    return this.dropped;
  }

  /** Called every Raft tick. */
  tick(): void {
    const { host } = this;
    const leader = host.hasLeader();
    const reachable = host.quorumReachable();
    if (leader && reachable) {
      this.ticksWithout = 0;
      if (this.dropped) host.log.info({}, 'leader and quorum are back: accepting clients');
      this.dropped = false;
      return;
    }
    const waited = ++this.ticksWithout;
    if (this.dropped || waited < (reachable ? this.limits.electionGraceTicks : this.limits.confirmCutOffTicks)) return;
    this.dropped = true;
    const reason = reachable ? 'no leader elected in time' : 'no quorum reachable';
    host.log.warn({ leader, quorumReachable: reachable, waitedTicks: waited }, `${reason}: dropping client connections until a leader is back`);
    host.dropClients(reason);
  }
}

/** Whether `self` and the voters it is connected to make a quorum of `membership` (of both halves of a joint one). */
export function connectedQuorum(membership: Membership, self: NodeId, isConnected: (id: NodeId) => boolean): boolean {
  const up = new Set([self, ...allQuorumMembers(membership).filter(isConnected)]);
  return hasQuorum(membership, up);
}
