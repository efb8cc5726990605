// Raft messages on the wire (FrameKind.Raft), except snapshot metadata, which travels with the snapshot stream.
// The payload is the message's entries, as the records the write-ahead log stores (storage/entry-record.ts),
// followed by a fixed-size tail with the other fields:
//   u8 type | u8 flags | u32 LE from | u32 LE to | f64 LE term, index, logTerm, commit, hint, ctx
// flags: bit 0 reject, bit 1 transfer, bits 2-7 which of index, logTerm, commit, hint, ctx, entries are present
// (an absent number is written as 0). The entries come first so that the same entries sent to several followers
// share their bytes and most of the frame checksum (SharedPrefixFrame): only the tail differs.
import { MsgType, type Message } from '../consensus/messages.js';
import type { Entry, NodeId } from '../consensus/types.js';
import { decodeEntryRecords, entryRecords, joinRecords } from '../storage/entry-record.js';
import { FRAME_HEADER_BYTES, SharedPrefixFrame, sealFrame } from '../storage/frame.js';
import { FrameKind, ProtocolError } from './wire.js';

const TAIL_BYTES = 58;
const REJECT = 1;
const TRANSFER = 2;
const OPTIONAL = ['index', 'logTerm', 'commit', 'hint', 'ctx'] as const;
const ENTRIES = 1 << 7;

/** Does not compile once Message gains a field this codec does not carry (snapshot goes with the snapshot stream). */
type Uncarried = Exclude<keyof Message, 'type' | 'from' | 'to' | 'term' | 'reject' | 'transfer' | 'entries' | 'snapshot' | (typeof OPTIONAL)[number]>;
export const EVERY_FIELD_CARRIED: [Uncarried] extends [never] ? true : never = true;

/** Encodes the messages of one send; followers that get the same entries share one copy of their records. */
export class RaftFrameEncoder {
  private readonly blocks = new Map<Entry, { count: number; frame: SharedPrefixFrame }>();

  /** The frame for `m` (its `snapshot`, if any, is not sent), as buffers to write in order. */
  encode(m: Message): Buffer[] {
    const entries = m.entries;
    if (entries === undefined || entries.length === 0) {
      const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + TAIL_BYTES);
      writeTail(buf, FRAME_HEADER_BYTES, m);
      sealFrame(buf, 0, FrameKind.Raft, TAIL_BYTES);
      return [buf];
    }
    const tail = Buffer.allocUnsafe(TAIL_BYTES);
    writeTail(tail, 0, m);
    return this.block(entries).withTail(tail);
  }

  private block(entries: Entry[]): SharedPrefixFrame {
    const first = entries[0]!;
    const known = this.blocks.get(first);
    if (known?.count === entries.length) return known.frame;
    const frame = new SharedPrefixFrame(FrameKind.Raft, joinRecords(entryRecords(entries)), TAIL_BYTES);
    this.blocks.set(first, { count: entries.length, frame });
    return frame;
  }
}

function writeTail(buf: Buffer, at: number, m: Message): void {
  let flags = (m.reject ? REJECT : 0) | (m.transfer ? TRANSFER : 0) | (m.entries ? ENTRIES : 0);
  buf[at] = m.type;
  buf.writeUInt32LE(m.from, at + 2);
  buf.writeUInt32LE(m.to, at + 6);
  buf.writeDoubleLE(m.term, at + 10);
  for (let i = 0; i < OPTIONAL.length; i++) {
    const v = m[OPTIONAL[i]!];
    if (v !== undefined) flags |= 4 << i;
    buf.writeDoubleLE(v ?? 0, at + 18 + 8 * i);
  }
  buf[at + 1] = flags;
}

/**
 * Decodes and checks a Raft frame's payload from the peer `from` to `self`. The entries are copied out of the receive
 * buffer (in one piece), so the log does not pin socket buffers.
 */
export function decodeRaftFrame(payload: Buffer, from: NodeId, self: NodeId): Message {
  if (payload.length < TAIL_BYTES) throw new ProtocolError('raft frame too short');
  const at = payload.length - TAIL_BYTES;
  const type = payload[at]!;
  const flags = payload[at + 1]!;
  const m: Message = { type, from: payload.readUInt32LE(at + 2), to: payload.readUInt32LE(at + 6), term: payload.readDoubleLE(at + 10) };
  const ok = type >= MsgType.Append && type <= MsgType.CatchUp && type !== MsgType.Snapshot && m.from === from && m.to === self && isCount(m.term);
  if (!ok) throw new ProtocolError(`malformed raft message from ${from}`);
  for (let i = 0; i < OPTIONAL.length; i++) {
    if ((flags & (4 << i)) === 0) continue;
    const v = payload.readDoubleLE(at + 18 + 8 * i);
    if (!isCount(v)) throw new ProtocolError(`malformed ${OPTIONAL[i]} in a raft message from ${from}`);
    m[OPTIONAL[i]!] = v;
  }
  if (flags & REJECT) m.reject = true;
  if (flags & TRANSFER) m.transfer = true;
  if (flags & ENTRIES) m.entries = decodeEntries(Buffer.from(payload.subarray(0, at)), m.index ?? 0);
  else if (at > 0) throw new ProtocolError(`raft message from ${from} has bytes but no entries`);
  return m;
}

function decodeEntries(block: Buffer, prevIndex: number): Entry[] {
  let entries: Entry[];
  try {
    entries = decodeEntryRecords(block);
  } catch (err) {
    throw new ProtocolError((err as Error).message);
  }
  entries.forEach((e, i) => {
    if (e.index !== prevIndex + 1 + i) throw new ProtocolError(`entries not contiguous after index ${prevIndex}`);
  });
  return entries;
}

function isCount(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}
