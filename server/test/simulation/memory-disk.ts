// A member's "disk" in the simulation: the durable part of its write-ahead log and its stored snapshots, which
// survive crashes, and the in-memory write-ahead log of one incarnation, whose writes become durable only when
// the simulation flushes them (a crash keeps a prefix of the pending writes and loses the rest).
import type { Entry, HardState, SnapshotMeta } from '../../src/consensus/types.js';
import type { ReplicatorLog } from '../../src/member/replicator.js';

export interface StoredSnapshot {
  meta: SnapshotMeta;
  chunks: Buffer[];
}

export class MemberDisk {
  hardState: HardState | undefined;
  /** Durable log entries (those at or below the loaded snapshot's index are ignored on recovery). */
  entries: Entry[] = [];
  private readonly snapshots = new Map<number, StoredSnapshot>();

  storeSnapshot(s: StoredSnapshot): void {
    this.snapshots.set(s.meta.index, s);
    // Keep the two newest, as a member with snapRetainCount=2 would.
    const indexes = [...this.snapshots.keys()].sort((a, b) => b - a);
    for (const old of indexes.slice(2)) this.snapshots.delete(old);
  }

  snapshot(index: number): StoredSnapshot | undefined {
    return this.snapshots.get(index);
  }

  latestSnapshot(): StoredSnapshot | undefined {
    let best: StoredSnapshot | undefined;
    for (const s of this.snapshots.values()) if (!best || s.meta.index > best.meta.index) best = s;
    return best;
  }
}

interface PendingWrite {
  apply(disk: MemberDisk): void;
  resolve(): void;
}

/** The write-ahead log as the replicator sees it: appends and resets complete when flushed to the disk. */
export class MemoryWal implements ReplicatorLog {
  private pending: PendingWrite[] = [];
  private dead = false;

  constructor(
    private readonly disk: MemberDisk,
    private readonly onWrite: () => void,
  ) {}

  get pendingWrites(): number {
    return this.pending.length;
  }

  append(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
    const copy = entries.slice();
    return this.enqueue((disk) => {
      if (copy.length > 0) {
        const first = copy[0]!.index;
        disk.entries = disk.entries.filter((e) => e.index < first).concat(copy);
      }
      if (hardState) disk.hardState = hardState;
    });
  }

  reset(_snapshotIndex: number, hardState?: HardState): Promise<void> {
    return this.enqueue((disk) => {
      disk.entries = [];
      if (hardState) disk.hardState = hardState;
    });
  }

  /** Makes the oldest `n` pending writes durable and completes them, in order. */
  flush(n = this.pending.length): void {
    if (this.dead) return;
    for (const w of this.pending.splice(0, n)) {
      w.apply(this.disk);
      w.resolve();
    }
  }

  /** The process died: the first `survive` pending writes reached the disk, the rest are lost (never completed). */
  crash(survive: number): void {
    for (const w of this.pending.slice(0, survive)) w.apply(this.disk);
    this.pending = [];
    this.dead = true;
  }

  private enqueue(apply: (disk: MemberDisk) => void): Promise<void> {
    if (this.dead) return new Promise(() => {});
    return new Promise((resolve) => {
      this.pending.push({ apply, resolve });
      this.onWrite();
    });
  }
}
