// The binary record of one log entry: the same bytes go into the write-ahead log and, inside Append messages, to
// every follower, which writes them to its own log unchanged. So an entry is encoded (and checksummed) once on
// the member that appends it first, not once per log write and per follower.
//
// A record is a frame (frame.ts) of type ENTRY_RECORD_TYPE whose payload is
//   f64 LE index | f64 LE term | u8 kind | data
// (doubles hold every safe integer exactly and are read without a bigint).
import type { Entry } from '../consensus/types.js';
import { FRAME_HEADER_BYTES, readFrame, sealFrame } from './frame.js';

export const ENTRY_RECORD_TYPE = 4;
const FIELD_BYTES = 17;

/**
 * Records encoded or received but not yet written to this member's log. The log forgets them once written, so a
 * record does not double the memory of an entry kept in the consensus log; a record needed after that (for a
 * follower that fell behind) is encoded again.
 */
const pending = new WeakMap<Entry, Buffer>();

/**
 * The records of `entries`, reusing kept ones; the others are encoded back to back into one new buffer and kept
 * until forgetRecord, so that joinRecords can hand them on without copying.
 */
export function entryRecords(entries: readonly Entry[]): Buffer[] {
  const records = new Array<Buffer>(entries.length);
  let missing = 0;
  for (let i = 0; i < entries.length; i++) {
    const known = pending.get(entries[i]!);
    if (known) records[i] = known;
    else missing += FRAME_HEADER_BYTES + FIELD_BYTES + entries[i]!.data.length;
  }
  if (missing === 0) return records;
  const buf = Buffer.allocUnsafe(missing);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    if (records[i]) continue;
    const e = entries[i]!;
    const length = FIELD_BYTES + e.data.length;
    const fields = at + FRAME_HEADER_BYTES;
    buf.writeDoubleLE(e.index, fields);
    buf.writeDoubleLE(e.term, fields + 8);
    buf[fields + 16] = e.kind;
    buf.set(e.data, fields + FIELD_BYTES);
    sealFrame(buf, at, ENTRY_RECORD_TYPE, length);
    const record = buf.subarray(at, fields + length);
    pending.set(e, record);
    records[i] = record;
    at = fields + length;
  }
  return records;
}

export function forgetRecord(e: Entry): void {
  pending.delete(e);
}

/** Records laid end to end: a view spanning them when they already are adjacent in one buffer, else a copy. */
export function joinRecords(records: readonly Buffer[]): Buffer {
  const first = records[0];
  if (first === undefined) return Buffer.alloc(0);
  let end = first.byteOffset + first.length;
  for (let i = 1; i < records.length; i++) {
    const r = records[i]!;
    if (r.buffer !== first.buffer || r.byteOffset !== end) return Buffer.concat(records);
    end += r.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** Decodes a record's payload; `data` is a view into it. Throws if the fields are not counts. */
export function decodeEntryPayload(payload: Buffer): Entry {
  if (payload.length < FIELD_BYTES) throw new Error('entry record too short');
  const index = payload.readDoubleLE(0);
  const term = payload.readDoubleLE(8);
  const kind = payload[16]!;
  if (!isCount(index) || !isCount(term)) throw new Error('malformed entry record');
  return { index, term, kind, data: payload.subarray(FIELD_BYTES) };
}

/**
 * Decodes the records laid end to end in `block` (as an Append carries them), checksums included, and keeps each
 * record for the log write that follows. Entries are views into `block`. Throws on anything else in it.
 */
export function decodeEntryRecords(block: Buffer): Entry[] {
  const entries: Entry[] = [];
  for (let at = 0; at < block.length; ) {
    const r = readFrame(block, at);
    if (r.kind !== 'frame') throw new Error(r.kind === 'bad' ? `bad entry record: ${r.reason}` : 'truncated entry record');
    if (r.type !== ENTRY_RECORD_TYPE) throw new Error(`record type ${r.type} where an entry was expected`);
    const e = decodeEntryPayload(r.payload);
    pending.set(e, block.subarray(at, r.end));
    entries.push(e);
    at = r.end;
  }
  return entries;
}

function isCount(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}
