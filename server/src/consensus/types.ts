// Types shared by the consensus core, the write-ahead log and the member that drives them.

export type NodeId = number;

/** What an entry carries; the consensus core only interprets `config` entries. */
export const enum EntryKind {
  /** A client transaction (opaque to consensus: the member's apply function decodes it). */
  Normal = 0,
  /** A membership change, encoded by the consensus core. */
  Config = 1,
  /** Appended by a new leader to commit entries of earlier terms. */
  Noop = 2,
}

export interface Entry {
  index: number;
  term: number;
  kind: EntryKind;
  data: Uint8Array;
}

/** The consensus state that must be durable before any message depending on it is sent. */
export interface HardState {
  term: number;
  vote: NodeId; // 0 = none
  commit: number;
}

/**
 * How a member takes part in consensus.
 * - voter: votes, counts toward quorum, may lead.
 * - neverLeader: votes and counts toward quorum but never campaigns or leads (remote tie-breaker).
 * - observer: replicates only (a Raft learner).
 */
export type MemberRole = 'voter' | 'neverLeader' | 'observer';

/** One configuration's members by role. The three lists are disjoint and sorted ascending. */
export interface MemberSets {
  voters: NodeId[];
  neverLeaders: NodeId[];
  observers: NodeId[];
}

/**
 * A cluster membership: the configuration in force, or during a joint-consensus change (C_old,new) the incoming
 * configuration C_new plus `outgoing` = C_old. While joint, every decision needs a majority of both.
 */
export interface Membership extends MemberSets {
  outgoing?: MemberSets;
}

/** Metadata of a state-machine snapshot: the log is compacted up to and including `index`. */
export interface SnapshotMeta {
  index: number;
  term: number;
  /** The membership in force at `index` (joint if `index` lies between a joint entry and its leave entry). */
  membership: Membership;
}
