// The snapshot file format and its streaming, verifying reader.
//
// Layout: 8-byte magic, a header frame (msgpack {index, term, extra}), any number of data frames, then an
// end frame (msgpack [chunk count, data bytes]) and end of file. The end frame is what tells a complete
// file from one cut off at a frame boundary.
import { open, type FileHandle } from 'node:fs/promises';
import { Packr } from 'msgpackr';
import { FRAME_HEADER_BYTES, readFrame, type FrameRead } from './frame.js';

export const SNAPSHOT_MAGIC = Buffer.from('CORRSNP1');

export const FrameType = { Header: 1, Data: 2, End: 3 } as const;

export interface SnapshotMeta {
  index: number;
  term: number;
  /** Opaque to the store (membership and the like), msgpack-encoded in the header. */
  extra: unknown;
}

export class SnapshotCorruptError extends Error {
  override name = 'SnapshotCorruptError';
}

const packr = new Packr({ useRecords: false, copyBuffers: true });

export function encodeMeta(meta: SnapshotMeta): Buffer {
  return packr.pack({ index: meta.index, term: meta.term, extra: meta.extra });
}

export function encodeEnd(chunks: number, bytes: number): Buffer {
  return packr.pack([chunks, bytes]);
}

const READ_BLOCK = 1 << 20;

/**
 * Reads and checks the whole file as it goes: yields the metadata first, then each data chunk, and throws
 * SnapshotCorruptError on anything that is not a complete, intact snapshot (after yielding what came before).
 */
export async function* readSnapshotFile(path: string): AsyncGenerator<SnapshotMeta | Uint8Array, void, undefined> {
  const handle = await open(path, 'r');
  try {
    const fail = (offset: number, what: string) => new SnapshotCorruptError(`corrupt snapshot ${path} at offset ${offset}: ${what}`);
    const size = (await handle.stat()).size;
    const frames = framesOf(handle, size, fail);
    let chunks = 0;
    let bytes = 0;
    let sawHeader = false;
    for await (const { type, payload, offset } of frames) {
      if (!sawHeader) {
        if (type !== FrameType.Header) throw fail(offset, 'missing header');
        sawHeader = true;
        yield decodeMeta(payload, () => fail(offset, 'malformed header'));
      } else if (type === FrameType.Data) {
        chunks++;
        bytes += payload.length;
        yield payload;
      } else if (type === FrameType.End) {
        const [wantChunks, wantBytes] = packr.unpack(payload) as unknown[];
        if (wantChunks !== chunks || wantBytes !== bytes) throw fail(offset, 'chunk count or size mismatch');
        const more = await frames.next();
        if (!more.done) throw fail(more.value.offset, 'data after the end frame');
        return;
      } else {
        throw fail(offset, `unexpected frame type ${type}`);
      }
    }
    throw fail(size, 'truncated (no end frame)');
  } finally {
    await handle.close();
  }
}

function decodeMeta(payload: Buffer, malformed: () => Error): SnapshotMeta {
  const meta = packr.unpack(payload) as Partial<SnapshotMeta> | null;
  if (typeof meta !== 'object' || meta === null || !Number.isSafeInteger(meta.index) || !Number.isSafeInteger(meta.term)) {
    throw malformed();
  }
  return { index: meta.index!, term: meta.term!, extra: meta.extra };
}

async function* framesOf(
  handle: FileHandle,
  size: number,
  fail: (offset: number, what: string) => Error,
): AsyncGenerator<{ type: number; payload: Buffer; offset: number }> {
  const magic = Buffer.alloc(SNAPSHOT_MAGIC.length);
  await handle.read(magic, 0, magic.length, 0);
  if (!magic.equals(SNAPSHOT_MAGIC)) throw fail(0, 'not a snapshot file');
  let buf = Buffer.alloc(0); // unconsumed bytes, starting at file offset `base`
  let base = SNAPSHOT_MAGIC.length;
  let at = 0;
  while (base + at < size) {
    // readFrame takes a partial header of zeros for zero fill; here it only means "read on".
    const frame: FrameRead =
      buf.length - at < FRAME_HEADER_BYTES ? { kind: 'short', needed: FRAME_HEADER_BYTES } : readFrame(buf, at);
    if (frame.kind === 'frame') {
      yield { type: frame.type, payload: frame.payload, offset: base + at };
      at = frame.end;
      continue;
    }
    if (frame.kind !== 'short') throw fail(base + at, frame.kind === 'bad' ? frame.reason : 'zero bytes');
    if (base + at + frame.needed > size) throw fail(base + at, 'truncated frame');
    // Fresh buffer per read: yielded payloads are views and must stay valid.
    const want = Math.min(size - base - buf.length, Math.max(READ_BLOCK, frame.needed - (buf.length - at)));
    const next = Buffer.allocUnsafe(buf.length - at + want);
    buf.copy(next, 0, at);
    const { bytesRead } = await handle.read(next, buf.length - at, want, base + buf.length);
    if (bytesRead !== want) throw fail(base + buf.length + bytesRead, 'file shrank while reading');
    base += at;
    buf = next;
    at = 0;
  }
}
