// Rebuilds the log's state from its segment files at startup, repairing a torn tail.
import { open, readFile } from 'node:fs/promises';
import type { Entry, HardState } from '../consensus/types.js';
import type { Log } from './logger.js';
import { scanSegment, type SegmentFile } from './wal-segments.js';
import type { WalRecord } from './wal-records.js';

export class WalCorruptionError extends Error {
  override name = 'WalCorruptionError';
}

/** What the writer needs to know about each segment on disk. */
export interface SegmentState extends SegmentFile {
  /** Offset just past the last record. */
  end: number;
  /** Bytes on disk (more than `end` when the file was preallocated). */
  size: number;
  /** Whether the segment holds a hard-state record (so older segments can go without losing it). */
  hasHardState: boolean;
}

export interface RecoveredLog {
  hardState: HardState | undefined;
  /** Entries with index > snapshotIndex, contiguous. */
  entries: Entry[];
  /** First and last index the log holds; undefined when it holds no entries. */
  firstIndex: number | undefined;
  lastIndex: number | undefined;
  segments: SegmentState[];
}

/** Applies records in log order: a later entry replaces the suffix from its index on. */
class LogReplay {
  hardState: HardState | undefined;
  first: number | undefined;
  last: number | undefined;
  entries: Entry[] = [];

  constructor(private readonly keepAfter: number) {}

  apply(record: WalRecord, where: string): void {
    switch (record.type) {
      case 'hardState':
        this.hardState = record.hardState;
        return;
      case 'reset':
        this.first = record.index + 1;
        this.last = record.index;
        this.entries = [];
        return;
      case 'entry':
        this.applyEntry(record.entry, where);
    }
  }

  private applyEntry(e: Entry, where: string): void {
    if (this.last !== undefined) {
      if (e.index <= this.last) this.cutFrom(e.index);
      else if (e.index !== this.last + 1) {
        throw new WalCorruptionError(`log gap in ${where}: expected index ${this.last + 1}, found ${e.index}`);
      }
    }
    if (this.first === undefined || e.index < this.first) this.first = e.index;
    this.last = e.index;
    if (e.index > this.keepAfter) this.entries.push(e);
  }

  private cutFrom(index: number): void {
    this.last = index - 1;
    const head = this.entries[0];
    if (head !== undefined) this.entries.length = Math.max(0, Math.min(this.entries.length, index - head.index));
  }
}

/**
 * Reads every segment in order. Damage in the last segment is a torn write: it is logged and the file is cut
 * back to the last good record. Damage in any earlier segment means records that were acknowledged are
 * unreadable, so it is a WalCorruptionError rather than a silent loss.
 */
export async function recoverSegments(files: SegmentFile[], snapshotIndex: number, log: Log): Promise<RecoveredLog> {
  const replay = new LogReplay(snapshotIndex);
  const segments: SegmentState[] = [];
  for (const [i, file] of files.entries()) {
    const buf = await readFile(file.path);
    const scan = scanSegment(buf);
    const isLast = i === files.length - 1;
    if (scan.damage && !isLast) {
      throw new WalCorruptionError(
        `corrupt write-ahead log: ${scan.damage.reason} in ${file.path} at offset ${scan.damage.offset}, ` +
          `followed by ${files.length - 1 - i} more segment(s); refusing to drop acknowledged records`,
      );
    }
    let hasHardState = false;
    for (const record of scan.records) {
      if (record.type === 'entry' && record.entry.index < file.firstIndex) {
        throw new WalCorruptionError(
          `corrupt write-ahead log: ${file.path} holds index ${record.entry.index}, below its first index`,
        );
      }
      replay.apply(record, file.path);
      hasHardState ||= record.type === 'hardState';
    }
    let size = buf.length;
    if (scan.damage) {
      log('warn', 'write-ahead log has a torn or corrupt tail; truncating it', {
        segment: file.path,
        offset: scan.damage.offset,
        reason: scan.damage.reason,
        fileBytes: buf.length,
      });
      await truncateDurably(file.path, scan.end);
      size = scan.end;
    }
    segments.push({ ...file, end: scan.end, size, hasHardState });
  }
  if (replay.last !== undefined && replay.last >= snapshotIndex && replay.first! > snapshotIndex + 1) {
    throw new WalCorruptionError(
      `write-ahead log starts at index ${replay.first} but the snapshot is at ${snapshotIndex}: ` +
        `entries ${snapshotIndex + 1}..${replay.first! - 1} are missing`,
    );
  }
  return {
    hardState: replay.hardState,
    entries: replay.entries,
    firstIndex: replay.first,
    lastIndex: replay.last,
    segments,
  };
}

async function truncateDurably(path: string, length: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
