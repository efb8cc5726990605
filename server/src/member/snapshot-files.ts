// A member's snapshot files: written from the live state in chunks (the member keeps serving meanwhile), loaded at
// start, received from the leader and streamed to members that fell behind.
import type { Logger } from 'pino';
import type { Membership, SnapshotMeta } from '../consensus/types.js';
import type { ReplicatedState } from '../state/apply.js';
import { restoreSnapshot, StateSnapshot } from '../state/snapshot.js';
import { SnapshotStore } from '../storage/snapshots.js';

/** What a member records in its snapshot files beside the state. */
interface SnapshotExtra {
  zxid: number;
  membership: Membership;
}

export class SnapshotFiles {
  /** A snapshot is being written. */
  busy = false;
  /** Bytes on disk, refreshed after each change (dirs reports it). */
  bytes = 0;

  private constructor(
    private readonly store: SnapshotStore,
    private readonly log: Logger,
  ) {}

  static async open(dir: string, log: Logger): Promise<SnapshotFiles> {
    const files = new SnapshotFiles(await SnapshotStore.open(dir, { logger: log }), log);
    files.bytes = await files.store.sizeBytes();
    return files;
  }

  /** Restores the newest valid snapshot into `state`; returns its position and membership, if there was one. */
  async loadLatest(state: ReplicatedState): Promise<{ index: number; term: number; membership?: Membership } | undefined> {
    const latest = await this.store.latest();
    if (!latest) return undefined;
    await restoreSnapshot(state, latest.chunks());
    const membership = (latest.meta.extra as SnapshotExtra | undefined)?.membership;
    return { index: latest.meta.index, term: latest.meta.term, ...(membership ? { membership } : {}) };
  }

  /** A fresh state restored from the stored snapshot at `index`. */
  async restore(index: number, state: ReplicatedState): Promise<ReplicatedState> {
    await restoreSnapshot(state, (await this.store.read(index)).chunks());
    return state;
  }

  async chunks(index: number): Promise<AsyncIterable<Uint8Array>> {
    return (await this.store.read(index)).chunks();
  }

  /**
   * Writes `state` as of entry (index, term) while the member keeps applying writes, then purges old snapshots.
   * Returns the oldest retained snapshot index (the log before it may go), or undefined if it failed.
   */
  async write(state: ReplicatedState, index: number, term: number, membership: Membership, retain: number): Promise<number | undefined> {
    this.busy = true;
    const image = new StateSnapshot(state);
    const extra: SnapshotExtra = { zxid: state.lastZxid, membership };
    let file;
    try {
      file = await this.store.begin({ index, term, extra });
      for (let chunk = image.next(); chunk; chunk = image.next()) {
        await file.write(chunk);
        await new Promise((r) => setImmediate(r)); // let client traffic in between chunks
      }
      await file.finish();
      const { oldestRetainedIndex } = await this.store.purge(retain);
      this.bytes = await this.store.sizeBytes();
      return oldestRetainedIndex ?? index;
    } catch (err) {
      image.abandon();
      await file?.abort().catch(() => undefined);
      this.log.error({ err }, 'snapshot failed; will retry after more writes');
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** Stores a snapshot streamed by the leader (its consensus metadata in `meta`). */
  async receive(meta: SnapshotMeta, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const extra: SnapshotExtra = { zxid: 0, membership: meta.membership };
    const file = await this.store.begin({ index: meta.index, term: meta.term, extra });
    try {
      for await (const chunk of chunks) await file.write(chunk);
      await file.finish();
      this.bytes = await this.store.sizeBytes();
    } catch (err) {
      await file.abort().catch(() => undefined);
      throw err;
    }
  }
}
