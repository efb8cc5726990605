// The kinds of record a write-ahead log segment holds: entries in their binary record (entry-record.ts), the
// others as msgpack bodies.
import { Packr } from 'msgpackr';
import type { Entry, HardState } from '../consensus/types.js';
import { ENTRY_RECORD_TYPE, decodeEntryPayload } from './entry-record.js';
import { encodeFrame } from './frame.js';

/** Frame types used by the log (0 is reserved by the framing). */
export const RecordType = {
  /** An entry as msgpack [index, term, kind, data], as logs written before the binary record hold them. */
  MsgpackEntry: 1,
  HardState: 2,
  /** The log was replaced by a snapshot: every entry before it is void and the next index is `index + 1`. */
  Reset: 3,
  Entry: ENTRY_RECORD_TYPE,
} as const;

export type WalRecord =
  | { type: 'entry'; entry: Entry }
  | { type: 'hardState'; hardState: HardState }
  | { type: 'reset'; index: number };

// copyBuffers: recovered entry data must not pin the whole segment buffer it was read from.
const packr = new Packr({ useRecords: false, copyBuffers: true });

export function encodeHardState(hs: HardState): Buffer {
  return encodeFrame(RecordType.HardState, packr.pack([hs.term, hs.vote, hs.commit]));
}

export function encodeReset(index: number): Buffer {
  return encodeFrame(RecordType.Reset, packr.pack([index]));
}

/** Decodes a checksummed body; throws if it does not have the shape its type promises. */
export function decodeRecord(type: number, payload: Buffer): WalRecord {
  // The segment buffer is released after recovery: the entry must not stay a view into it.
  if (type === RecordType.Entry) return { type: 'entry', entry: decodeEntryPayload(Buffer.from(payload)) };
  const body: unknown = packr.unpack(payload);
  if (!Array.isArray(body)) throw new Error('record body is not an array');
  switch (type) {
    case RecordType.MsgpackEntry: {
      const [index, term, kind, data] = body as unknown[];
      if (!isCount(index) || !isCount(term) || !isCount(kind) || !(data instanceof Uint8Array)) {
        throw new Error('malformed entry record');
      }
      return { type: 'entry', entry: { index, term, kind, data } };
    }
    case RecordType.HardState: {
      const [term, vote, commit] = body as unknown[];
      if (!isCount(term) || !isCount(vote) || !isCount(commit)) throw new Error('malformed hard state record');
      return { type: 'hardState', hardState: { term, vote, commit } };
    }
    case RecordType.Reset: {
      const [index] = body as unknown[];
      if (!isCount(index)) throw new Error('malformed reset record');
      return { type: 'reset', index };
    }
    default:
      throw new Error(`unknown record type ${type}`);
  }
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}
