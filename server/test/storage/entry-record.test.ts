// The binary entry record shared by the write-ahead log and Append messages, and logs from before it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/consensus/types.js';
import { decodeEntryRecords, entryRecords, forgetRecord, joinRecords } from '../../src/storage/entry-record.js';
import { encodeFrame } from '../../src/storage/frame.js';
import { WriteAheadLog } from '../../src/storage/wal.js';
import { RecordType, encodeHardState } from '../../src/storage/wal-records.js';
import { segmentFileName } from '../../src/storage/wal-segments.js';
import { entries, hs, plain, tempDir } from './helpers.js';

const entryArb = fc.record({ index: fc.maxSafeNat(), term: fc.maxSafeNat(), kind: fc.integer({ min: 0, max: 2 }), data: fc.uint8Array({ maxLength: 200 }) });

describe('entry records', () => {
  it('decode back to the entries they were made from', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 10 }), fc.array(fc.boolean(), { maxLength: 10 }), (list: Entry[], keptBefore) => {
        // Some entries may already have a record (encoded alone, as for an earlier message): the rest are encoded now.
        list.forEach((e, i) => keptBefore[i] && entryRecords([e]));
        const block = joinRecords(entryRecords(list));
        expect(plain(decodeEntryRecords(block))).toEqual(plain(list));
        list.forEach(forgetRecord);
      }),
    );
  });

  it('refuse a block with any byte damaged; one cut short yields at most the records wholly before the cut', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 4 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), (list: Entry[], at, flip, cut) => {
        const block = Buffer.from(joinRecords(entryRecords(list)));
        const i = at % block.length;
        if (cut) {
          let got: Entry[] | undefined;
          try {
            got = decodeEntryRecords(block.subarray(0, i));
          } catch {
            return;
          }
          expect(plain(got)).toEqual(plain(list.slice(0, got.length)));
          expect(got.length).toBeLessThan(list.length);
        } else {
          block[i]! ^= flip;
          expect(() => decodeEntryRecords(block)).toThrow();
        }
      }),
    );
  });

  it('are encoded back to back, so joining them for a log write or an Append copies nothing', () => {
    const list = entries(1, 5, 3, 100);
    const records = entryRecords(list);
    const joined = joinRecords(records);
    expect(joined.buffer).toBe(records[0]!.buffer);
    expect(joined.byteOffset).toBe(records[0]!.byteOffset);
    // A received block's records are views of it: handed on as they are.
    const block = Buffer.from(joined);
    const again = joinRecords(entryRecords(decodeEntryRecords(block)));
    expect(again.equals(joined)).toBe(true);
    expect(again.buffer).toBe(block.buffer);
    expect(again.byteOffset).toBe(block.byteOffset);
    // Records that are not adjacent are copied into one buffer.
    const apart = joinRecords([records[0]!, records[2]!]);
    expect(apart.equals(Buffer.concat([records[0]!, records[2]!]))).toBe(true);
  });

  it('a log written with msgpack entry records (before the binary record) is still recovered', async () => {
    const dir = await tempDir();
    const old = entries(1, 3, 2);
    const frames = old.map((e) => encodeFrame(RecordType.MsgpackEntry, pack([e.index, e.term, e.kind, e.data])));
    await writeFile(join(dir, segmentFileName(1)), Buffer.concat([...frames, encodeHardState(hs(2, 3, 1))]));
    const opened = await WriteAheadLog.open(dir, { preallocate: false });
    expect(plain(opened.entries)).toEqual(plain(old));
    expect(opened.hardState).toEqual(hs(2, 3, 1));
    // New records follow the old ones and both read back.
    await opened.wal.append(hs(2, 4, 1), entries(4, 4, 2));
    await opened.wal.close();
    const again = await WriteAheadLog.open(dir, { preallocate: false });
    expect(plain(again.entries)).toEqual(plain(entries(1, 4, 2)));
    await again.wal.close();
  });
});
