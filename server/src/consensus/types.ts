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
