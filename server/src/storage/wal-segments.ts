// Segment files of the write-ahead log: their names and how one segment's bytes are parsed.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hex16 } from './fs-util.js';
import { isZero, readFrame } from './frame.js';
import { decodeRecord, type WalRecord } from './wal-records.js';

const SEGMENT_NAME = /^log\.([0-9a-f]{16})$/;

export function segmentFileName(firstIndex: number): string {
  return `log.${hex16(firstIndex)}`;
}

export interface SegmentFile {
  /** Index of the first entry written to the segment; every entry in it has an index at least this. */
  firstIndex: number;
  path: string;
}

/** The segment files in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const segments: SegmentFile[] = [];
  for (const name of await readdir(dir)) {
    const m = SEGMENT_NAME.exec(name);
    if (m) segments.push({ firstIndex: parseInt(m[1]!, 16), path: join(dir, name) });
  }
  return segments.sort((a, b) => a.firstIndex - b.firstIndex);
}

export interface SegmentScan {
  records: WalRecord[];
  /** Offset just past the last good record. */
  end: number;
  /** Set when something other than a clean end (EOF or zero fill) follows the last good record. */
  damage?: { offset: number; reason: string };
}

export function scanSegment(buf: Buffer): SegmentScan {
  const records: WalRecord[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const frame = readFrame(buf, offset);
    switch (frame.kind) {
      case 'zeros':
        if (isZero(buf, offset, buf.length)) return { records, end: offset };
        return { records, end: offset, damage: { offset, reason: 'non-zero bytes after the zero-filled end' } };
      case 'short':
        return { records, end: offset, damage: { offset, reason: 'partial record' } };
      case 'bad':
        return { records, end: offset, damage: { offset, reason: frame.reason } };
      case 'frame':
        try {
          records.push(decodeRecord(frame.type, frame.payload));
        } catch (err) {
          return { records, end: offset, damage: { offset, reason: (err as Error).message } };
        }
        offset = frame.end;
    }
  }
  return { records, end: offset };
}

