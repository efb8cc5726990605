// Messages exchanged between consensus cores. Plain objects (the host encodes them with msgpackr);
// fields a message type does not use are absent.

import type { Entry, NodeId, SnapshotMeta } from './types.js';

export const enum MsgType {
  /** Leader → follower: entries after (index, logTerm), and the leader's commit index. */
  Append = 1,
  /** Follower → leader: log matches up to `index`; or `reject` with a `hint` (and its `logTerm`). */
  AppendResp = 2,
  /** Leader → member: `commit` (capped at the member's match) and the read sequence `ctx`. */
  Heartbeat = 3,
  /** Member → leader: echoes the heartbeat's `ctx`. */
  HeartbeatResp = 4,
  /** Would you vote for me in `term`? (`index`, `logTerm`) is my last entry, `commit` my commit index. Changes no state. */
  PreVote = 5,
  PreVoteResp = 6,
  /** Vote for me in `term`; `transfer` marks a campaign started by TimeoutNow. */
  Vote = 7,
  VoteResp = 8,
  /**
   * Leader → follower: install `snapshot`. Leaving the leader's core it is a request to the host to
   * stream the snapshot data out of band and call `reportSnapshot`; the receiving host steps it into
   * its core once the data has arrived.
   */
  Snapshot = 9,
  /** Leader → transfer target: campaign now, skipping pre-vote and leases. */
  TimeoutNow = 10,
  /** Member → leader: request a read index for `ctx`. */
  ReadIndex = 11,
  /** Leader → member: reads for `ctx` are linearizable once `index` is applied. */
  ReadIndexResp = 12,
  /**
   * A member that may not lead (never-leader, observer) → a candidate it refused because the
   * candidate's log is behind: its log after (index, logTerm) and its `commit`, so the candidate can
   * catch up and win. Without it a never-leader holding the freshest log could block every election.
   * If `snapshot` is set, the host handles it like a Snapshot message (stream the data first), but
   * no reportSnapshot is needed.
   */
  CatchUp = 13,
}

export interface Message {
  type: MsgType;
  from: NodeId;
  to: NodeId;
  term: number;
  index?: number;
  logTerm?: number;
  entries?: Entry[];
  commit?: number;
  reject?: boolean;
  hint?: number;
  ctx?: number;
  transfer?: boolean;
  snapshot?: SnapshotMeta;
}
