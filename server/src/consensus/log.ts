// The in-memory Raft log since the last compaction, with the bookkeeping the core needs for
// asynchronous persistence: which suffix has not yet been handed to the host (`unstableFrom`),
// how far the log is known durable (`persisted`), and how far committed entries were handed out
// for applying (`applied`).

import type { Entry, SnapshotMeta } from './types.js';

export class RaftLog {
  snapshot: SnapshotMeta;
  /** entries[i].index === snapshot.index + 1 + i */
  private entries: Entry[];
  committed: number;
  /** Highest index known durable and still part of this log. */
  persisted: number;
  /** Entries at or after this index have not been handed to the host for persistence yet. */
  unstableFrom: number;
  /** Last committed index handed out for applying. */
  applied: number;

  /** Builds a log from recovered (hence durable) state. */
  constructor(snapshot: SnapshotMeta, entries: Entry[], committed: number, applied: number) {
    this.snapshot = snapshot;
    this.entries = entries.filter((e) => e.index > snapshot.index);
    this.entries.forEach((e, i) => {
      if (e.index !== snapshot.index + 1 + i) throw new Error(`recovered log is not contiguous at index ${e.index}`);
    });
    this.persisted = this.lastIndex();
    this.unstableFrom = this.lastIndex() + 1;
    this.applied = Math.max(snapshot.index, Math.min(applied, this.lastIndex()));
    this.committed = Math.max(this.applied, Math.min(committed, this.lastIndex()));
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.index + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** Term of the entry at `index`; undefined if compacted away or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term;
    if (index < this.snapshot.index || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshot.index - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    return index > this.snapshot.index ? this.entries[index - this.snapshot.index - 1] : undefined;
  }

  /** Entries in [lo, hi), all of which must be present. */
  slice(lo: number, hi: number): Entry[] {
    return this.entries.slice(lo - this.snapshot.index - 1, hi - this.snapshot.index - 1);
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft's election restriction: is a log ending at (index, term) at least as up to date as ours? */
  isUpToDate(index: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /** Is our log at least as up to date as one ending at (index, term)? */
  isUpToDateWith(index: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return lastTerm > term || (lastTerm === term && this.lastIndex() >= index);
  }

  /** Appends entries continuing the log at lastIndex + 1 (the leader's own proposals). */
  append(entries: Entry[]): void {
    for (const e of entries) {
      if (e.index !== this.lastIndex() + 1) throw new Error(`append at ${e.index} after ${this.lastIndex()}`);
      this.entries.push(e);
    }
  }

  /**
   * Follower side of AppendEntries: if our log matches (prevIndex, prevTerm), drop any conflicting
   * suffix and append what is new. Returns the index of the last entry the message covers, or
   * undefined on mismatch.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    for (const e of entries) {
      if (e.index <= this.snapshot.index) continue; // already compacted, hence committed and equal
      const have = this.term(e.index);
      if (have === e.term) continue;
      if (have !== undefined) {
        if (e.index <= this.committed) throw new Error(`conflict at committed index ${e.index}`);
        this.truncateFrom(e.index);
      }
      this.entries.push(e);
    }
    return prevIndex + entries.length;
  }

  private truncateFrom(index: number): void {
    this.entries.length = index - this.snapshot.index - 1;
    this.unstableFrom = Math.min(this.unstableFrom, index);
    this.persisted = Math.min(this.persisted, index - 1);
  }

  /**
   * The largest index <= `index` whose term is <= `term` (or the snapshot index). Used on both sides
   * of a rejected append to skip a whole conflicting term per round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    let i = Math.min(index, this.lastIndex());
    while (i > this.snapshot.index && this.term(i)! > term) i--;
    return Math.max(i, this.snapshot.index);
  }

  /** Raises the commit index; returns the previous one. */
  commitTo(index: number): number {
    const prev = this.committed;
    if (index > prev) this.committed = Math.min(index, this.lastIndex());
    return prev;
  }

  /** Entries not yet handed to the host for persistence; marks them handed. */
  takeUnstable(): Entry[] {
    const out = this.slice(this.unstableFrom, this.lastIndex() + 1);
    this.unstableFrom = this.lastIndex() + 1;
    return out;
  }

  hasUnstable(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  /** Committed, locally durable entries not yet handed out for applying; marks them handed. */
  takeCommitted(): Entry[] {
    const hi = Math.min(this.committed, this.persisted);
    if (hi <= this.applied) return [];
    const out = this.slice(this.applied + 1, hi + 1);
    this.applied = hi;
    return out;
  }

  /** Replaces the whole log with a snapshot received from the leader. */
  restore(snapshot: SnapshotMeta): void {
    this.snapshot = snapshot;
    this.entries = [];
    this.committed = snapshot.index;
    this.applied = snapshot.index;
    this.unstableFrom = snapshot.index + 1;
    this.persisted = Math.min(this.persisted, snapshot.index - 1);
  }

  /** Drops entries up to and including `index` after the host snapshotted its state there. */
  compact(index: number, snapshot: SnapshotMeta): void {
    this.entries = this.entries.slice(index - this.snapshot.index);
    this.snapshot = snapshot;
  }
}
