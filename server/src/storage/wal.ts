// The write-ahead log: durable, group-committed storage of Raft entries and hard state.
//
// Records go to segment files named by the index of their first entry. An append whose first index is at or
// below the last one overwrites the suffix: the new records are simply written after the old ones and
// recovery lets the later record win. Invariant: every entry in a segment has an index >= the segment's
// name, and the newest hard state is always in the newest segment, so whole older segments can be deleted.
import { constants } from 'node:fs';
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry, HardState } from '../consensus/types.js';
import { fsyncDir } from './fs-util.js';
import { toLog, type Log, type StorageLogger } from './logger.js';
import { recoverSegments, WalCorruptionError, type SegmentState } from './wal-recovery.js';
import { entryRecords, forgetRecord, joinRecords } from './entry-record.js';
import { encodeHardState, encodeReset } from './wal-records.js';
import { listSegments, segmentFileName } from './wal-segments.js';

export { WalCorruptionError };

export interface WalOptions {
  /** A segment is closed and a new one started once the next batch would not fit. Default 64 MiB. */
  segmentBytes?: number;
  /** Extend each new segment file to `segmentBytes` up front (see startSegment). Default true. */
  preallocate?: boolean;
  /** fdatasync each batch before resolving its appends (zoo.cfg forceSync). Default true. */
  forceSync?: boolean;
  /** Index of the snapshot the member restores from; only entries after it are returned. Default 0. */
  snapshotIndex?: number;
  /** Upper bound on the bytes written by one group commit. Default 4 MiB. */
  maxBatchBytes?: number;
  logger?: StorageLogger;
}

export interface WalStats {
  appends: number;
  /** Write calls, one per group commit. */
  batches: number;
  fsyncs: number;
  bytesWritten: number;
}

export interface OpenedWal {
  wal: WriteAheadLog;
  hardState: HardState | undefined;
  /** Entries after `snapshotIndex`, in order. */
  entries: Entry[];
  /** Last index in the log, or `snapshotIndex` when the log holds nothing after it. */
  lastIndex: number;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

interface WriteOp {
  kind: 'write';
  records: Buffer[];
  /** Entries whose records are in `records`: their kept records are dropped once written. */
  entries: readonly Entry[];
  bytes: number;
  /** Lowest index the records carry (a reset counts as the index after it). */
  minIndex: number | undefined;
  /** Last index once the op is applied. */
  endIndex: number | undefined;
  hardState: HardState | undefined;
  /** A reset starts a new segment so everything before it can be released. */
  startsSegment: boolean;
  done: Deferred;
}

interface ReleaseOp {
  kind: 'release';
  index: number;
  done: Deferred;
}

type Op = WriteOp | ReleaseOp;

const MiB = 1024 * 1024;

/**
 * With forceSync, segments are opened O_DSYNC where the platform has it: each batch is then one write call that
 * returns once durable, instead of a write and an fdatasync, each of which needs a turn of the (busy) event loop
 * to hand over to the next. Under load that halved the time from append to durable (6.6-9.2 ms per batch on the
 * leader of a 3-member ensemble in the mixed benchmark, where the write + fdatasync themselves take ~0.5 ms).
 */
const O_DSYNC: number | undefined = constants.O_DSYNC;

export class WriteAheadLog {
  readonly stats: WalStats = { appends: 0, batches: 0, fsyncs: 0, bytesWritten: 0 };

  private readonly segmentBytes: number;
  private readonly forceSync: boolean;
  /** forceSync by O_DSYNC writes (no fdatasync per batch). */
  private readonly syncedWrites: boolean;
  private readonly maxBatchBytes: number;
  private readonly preallocate: boolean;
  private readonly queue: Op[] = [];
  private pumping = false;
  private lastOp: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  /** Handle on the newest segment (segments.at(-1)). */
  private tail: FileHandle | undefined;
  /** Hard state and last index as of the records already written. */
  private writtenHardState: HardState | undefined;
  private writtenLast: number;
  /** Last index as of the appends accepted so far (some may still be queued). */
  private acceptedLast: number;

  private constructor(
    private readonly dir: string,
    private readonly segments: SegmentState[],
    private readonly log: Log,
    opts: WalOptions,
    hardState: HardState | undefined,
    lastIndex: number,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 64 * MiB;
    this.forceSync = opts.forceSync ?? true;
    this.syncedWrites = this.forceSync && O_DSYNC !== undefined;
    this.maxBatchBytes = opts.maxBatchBytes ?? 4 * MiB;
    this.preallocate = opts.preallocate ?? true;
    this.writtenHardState = hardState;
    this.writtenLast = lastIndex;
    this.acceptedLast = lastIndex;
  }

  /** Opens (creating if needed) the log in `dir`, recovering and repairing what is on disk. */
  static async open(dir: string, opts: WalOptions = {}): Promise<OpenedWal> {
    const log = toLog(opts.logger);
    const snapshotIndex = opts.snapshotIndex ?? 0;
    await mkdir(dir, { recursive: true });
    const recovered = await recoverSegments(await listSegments(dir), snapshotIndex, log);
    const logLast = recovered.lastIndex;
    const lastIndex = Math.max(logLast ?? 0, snapshotIndex);
    const wal = new WriteAheadLog(dir, recovered.segments, log, opts, recovered.hardState, lastIndex);
    const newest = recovered.segments.at(-1);
    if (newest) wal.tail = await wal.openSegment(newest.path, false);
    if (logLast !== undefined && logLast < snapshotIndex) {
      // The snapshot is ahead of everything logged (e.g. one received from the leader just before a crash).
      log('info', 'write-ahead log ends before the snapshot; resetting it to start after the snapshot', {
        logLastIndex: logLast,
        snapshotIndex,
      });
      await wal.reset(snapshotIndex);
    }
    return { wal, hardState: recovered.hardState, entries: recovered.entries, lastIndex };
  }

  /** Last index of everything appended so far, durable or not. */
  get lastIndex(): number {
    return this.acceptedLast;
  }

  /** Bytes the segment files take on disk (for the `dirs` admin command). */
  sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Appends `entries` (contiguous, the first at most lastIndex + 1) and then `hardState`. If the first index
   * is at or below lastIndex, the log from that index on is replaced. Resolves, in call order, once the
   * records are durable (written, when forceSync is off).
   */
  append(hardState: HardState | undefined, entries: readonly Entry[]): Promise<void> {
    const refusal = this.refusal() ?? checkEntries(entries, this.acceptedLast);
    if (refusal) return Promise.reject(refusal);
    const records = entries.length > 0 ? [joinRecords(entryRecords(entries))] : [];
    if (hardState) records.push(encodeHardState(hardState));
    const endIndex = entries.at(-1)?.index;
    if (endIndex !== undefined) this.acceptedLast = endIndex;
    this.stats.appends++;
    return this.enqueueWrite(records, entries, entries[0]?.index, endIndex, hardState, false);
  }

  /**
   * Discards the whole log because a snapshot at `snapshotIndex` replaces it (after installing one from the
   * leader); the next append starts at snapshotIndex + 1. Earlier segments become releasable.
   */
  reset(snapshotIndex: number, hardState?: HardState): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    const records = [encodeReset(snapshotIndex)];
    if (hardState) records.push(encodeHardState(hardState));
    this.acceptedLast = snapshotIndex;
    return this.enqueueWrite(records, [], snapshotIndex + 1, snapshotIndex, hardState, true);
  }

  /**
   * Deletes the oldest segments as long as they hold only entries below `index` (call after a snapshot at
   * index - 1 is durable). The newest segment is always kept.
   */
  releaseBefore(index: number): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return Promise.reject(refusal);
    return this.enqueue({ kind: 'release', index, done: deferred() });
  }

  /** Waits for queued work, then closes the files. Later calls are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lastOp.catch(() => {});
    await this.tail?.close();
    this.tail = undefined;
  }

  private refusal(): Error | undefined {
    if (this.failure) return this.failure;
    if (this.closed) return new Error('write-ahead log is closed');
    return undefined;
  }

  private enqueueWrite(
    records: Buffer[],
    entries: readonly Entry[],
    minIndex: number | undefined,
    endIndex: number | undefined,
    hardState: HardState | undefined,
    startsSegment: boolean,
  ): Promise<void> {
    let bytes = 0;
    for (const r of records) bytes += r.length;
    return this.enqueue({ kind: 'write', records, entries, bytes, minIndex, endIndex, hardState, startsSegment, done: deferred() });
  }

  private enqueue(op: Op): Promise<void> {
    this.queue.push(op);
    this.lastOp = op.done.promise;
    void this.pump();
    return op.done.promise;
  }

  /** Runs queued operations one at a time; writes that queue up meanwhile form the next group commit. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const op = this.queue[0]!;
        if (op.kind === 'release') {
          this.queue.shift();
          await this.release(op.index);
          op.done.resolve();
        } else if (op.records.length === 0) {
          this.queue.shift(); // a bare flush: everything before it is already done
          op.done.resolve();
        } else {
          await this.writeBatch(await this.takeBatch(op));
        }
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.pumping = false;
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    this.log('error', 'write-ahead log failed; refusing further writes', { err: err.message });
    for (const op of this.queue.splice(0)) op.done.reject(err);
  }

  /** Positions the tail for `first` (rewinding or rolling if needed) and dequeues the ops that join it. */
  private async takeBatch(first: WriteOp): Promise<WriteOp[]> {
    let tail = this.segments.at(-1);
    if (tail && first.minIndex !== undefined && first.minIndex < tail.firstIndex) {
      await this.rewindTo(first.minIndex);
      tail = this.segments.at(-1)!;
    }
    if (!tail) {
      tail = await this.startSegment(first.minIndex ?? this.writtenLast + 1);
    } else if (first.minIndex !== undefined && first.minIndex > tail.firstIndex) {
      const full = tail.end > 0 && tail.end + first.bytes > this.segmentBytes;
      if (full || first.startsSegment) tail = await this.startSegment(first.minIndex);
    }
    const batch = [this.queue.shift() as WriteOp];
    let bytes = first.bytes;
    for (let op = this.queue[0]; op?.kind === 'write'; op = this.queue[0]) {
      const below = op.minIndex !== undefined && op.minIndex < tail.firstIndex;
      const wantsOwnSegment = op.startsSegment && op.minIndex! > tail.firstIndex;
      const tooBig = bytes + op.bytes > this.maxBatchBytes || tail.end + bytes + op.bytes > this.segmentBytes;
      if (below || wantsOwnSegment || tooBig) break;
      batch.push(this.queue.shift() as WriteOp);
      bytes += op.bytes;
    }
    return batch;
  }

  /**
   * One (vectored) write call for the whole batch, durable on return with forceSync (O_DSYNC, or an fdatasync after
   * it); then resolves the batch in order.
   */
  private async writeBatch(batch: WriteOp[]): Promise<void> {
    const tail = this.segments.at(-1)!;
    const buffers: Buffer[] = [];
    if (!tail.hasHardState && this.writtenHardState) buffers.push(encodeHardState(this.writtenHardState));
    for (const op of batch) buffers.push(...op.records);
    await this.writeAt(tail, buffers);
    for (const op of batch) for (const e of op.entries) forgetRecord(e);
    if (this.forceSync) await this.syncTail();
    for (const op of batch) {
      if (op.hardState) this.writtenHardState = op.hardState;
      if (op.endIndex !== undefined) this.writtenLast = op.endIndex;
    }
    tail.hasHardState ||= this.writtenHardState !== undefined;
    this.stats.batches++;
    for (const op of batch) op.done.resolve();
  }

  /** Writes the buffers one after another at the segment's end (the records stay where they were encoded). */
  private async writeAt(segment: SegmentState, data: Buffer | Buffer[]): Promise<void> {
    let pieces = Buffer.isBuffer(data) ? [data] : data;
    let total = 0;
    for (const piece of pieces) total += piece.length;
    for (let done = 0; done < total; ) {
      const { bytesWritten } = await this.tail!.writev(pieces, segment.end + done);
      done += bytesWritten;
      pieces = unwritten(pieces, bytesWritten);
    }
    segment.end += total;
    segment.size = Math.max(segment.size, segment.end);
    this.stats.bytesWritten += total;
  }

  /** Opens a segment for reading and appending (creating it, which must not exist yet, if `create`). */
  private openSegment(path: string, create: boolean): Promise<FileHandle> {
    const flags = constants.O_RDWR | (create ? constants.O_CREAT | constants.O_EXCL : 0) | (this.syncedWrites ? O_DSYNC! : 0);
    return open(path, flags, 0o644);
  }

  /** Makes what was written to the tail durable: with O_DSYNC segments the writes already are. */
  private async syncTail(): Promise<void> {
    if (this.syncedWrites) this.stats.fsyncs++; // the write was the sync
    else await this.datasync(this.tail!);
  }

  private async datasync(handle: FileHandle): Promise<void> {
    await handle.datasync();
    this.stats.fsyncs++;
  }

  /** Closes the tail (complete on disk, so recovery may treat damage in it as corruption) and starts another. */
  private async startSegment(firstIndex: number): Promise<SegmentState> {
    if (this.tail) {
      if (!this.forceSync) await this.datasync(this.tail);
      await this.tail.close();
      this.tail = undefined;
    }
    const path = join(this.dir, segmentFileName(firstIndex));
    this.tail = await this.openSegment(path, true);
    if (this.preallocate) {
      // Like ZooKeeper's log padding: with the size set up front, fdatasync after an append need not
      // commit a size change. Measured on this machine's ext4: write + fdatasync ~370-480 us vs ~420-780 us
      // on a growing file. Zero-filling (allocating the blocks too) measured ~250-320 us in isolation, but
      // end to end it writes every segment twice and did not raise throughput, so it is not done.
      await this.tail.truncate(this.segmentBytes);
    }
    await fsyncDir(this.dir);
    const size = this.preallocate ? this.segmentBytes : 0;
    const segment: SegmentState = { firstIndex, path, end: 0, size, hasHardState: false };
    this.segments.push(segment);
    return segment;
  }

  /**
   * Makes the segment that may hold `index` the tail, for an overwrite reaching below the current tail.
   * The newest hard state is first copied into that segment, then the newer segments are deleted (newest
   * first, made durable) before anything new is written, so a crash at any point leaves either the old log
   * or a prefix of it with the current hard state; never stale segments after new records.
   */
  private async rewindTo(index: number): Promise<void> {
    const keep = this.segments.findLastIndex((s) => s.firstIndex <= index);
    if (keep < 0) {
      throw new Error(`cannot rewrite the log from index ${index}: its oldest segment starts at ${this.segments[0]?.firstIndex}`);
    }
    const target = this.segments[keep]!;
    await this.tail?.close();
    this.tail = await this.openSegment(target.path, false);
    if (this.writtenHardState) {
      await this.writeAt(target, encodeHardState(this.writtenHardState));
      await this.syncTail();
      target.hasHardState = true;
    }
    const dropped = this.segments.splice(keep + 1);
    for (const segment of dropped.reverse()) await unlink(segment.path);
    await fsyncDir(this.dir);
    this.log('info', 'write-ahead log rewound for an overwrite', { index, droppedSegments: dropped.length });
  }

  private async release(index: number): Promise<void> {
    const tail = this.segments.at(-1);
    if (tail && !tail.hasHardState && this.writtenHardState) {
      // Older segments may hold the only copy of the hard state (after a restart into a fresh segment).
      await this.writeAt(tail, encodeHardState(this.writtenHardState));
      await this.syncTail();
      tail.hasHardState = true;
    }
    while (this.segments.length > 1 && this.segments[1]!.firstIndex <= index) {
      await unlink(this.segments[0]!.path);
      this.segments.shift();
    }
  }
}

/** What remains of `pieces` after the first `written` bytes. */
function unwritten(pieces: Buffer[], written: number): Buffer[] {
  let i = 0;
  while (i < pieces.length && written >= pieces[i]!.length) written -= pieces[i++]!.length;
  if (i === pieces.length) return [];
  return [pieces[i]!.subarray(written), ...pieces.slice(i + 1)];
}

function checkEntries(entries: readonly Entry[], lastIndex: number): Error | undefined {
  const first = entries[0];
  if (first === undefined) return undefined;
  if (first.index < 1 || first.index > lastIndex + 1) {
    return new RangeError(`append at index ${first.index} would leave a gap after last index ${lastIndex}`);
  }
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]!.index !== first.index + i) return new RangeError('appended entries are not contiguous');
  }
  return undefined;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // callers that drop the promise must not crash the process; they see the failure later
  return { promise, resolve, reject };
}
