// Property tests: damage anywhere in the tail recovers exactly the records written whole before it.
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Entry, HardState } from '../../src/consensus/types.js';
import { encodeHardState } from '../../src/storage/wal-records.js';
import { entryRecords } from '../../src/storage/entry-record.js';
import { WriteAheadLog } from '../../src/storage/wal.js';
import { captureLog, entry, plain, tempDir } from './helpers.js';

const segmentBytes = 64 * 1024;

type Append = { hardState: HardState | undefined; entries: Entry[] };
type Rec = { end: number } & ({ entry: Entry } | { hardState: HardState });

/** Appends with occasional overwrites of a short suffix, as Raft produces them. */
const appendsArb = fc
  .array(
    fc.record({
      back: fc.nat(3),
      count: fc.integer({ min: 0, max: 3 }),
      size: fc.nat(40),
      withHs: fc.boolean(),
      term: fc.integer({ min: 1, max: 5 }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .map((steps) => {
    let last = 0;
    const appends: Append[] = [];
    for (const s of steps) {
      const from = Math.max(1, last + 1 - s.back);
      const list: Entry[] = [];
      for (let k = 0; k < s.count; k++) list.push(entry(from + k, s.term, s.size));
      if (list.length > 0) last = from + list.length - 1;
      const hardState = s.withHs || list.length === 0 ? { term: s.term, vote: 1, commit: last } : undefined;
      appends.push({ hardState, entries: list });
    }
    return appends;
  });

/** Writes the appends one by one and returns each record with the file offset where it ends. */
async function writeLog(dir: string, appends: Append[], preallocate: boolean): Promise<{ path: string; records: Rec[] }> {
  const { wal } = await WriteAheadLog.open(dir, { preallocate, segmentBytes });
  const records: Rec[] = [];
  let end = 0;
  for (const a of appends) {
    await wal.append(a.hardState, a.entries);
    for (const e of a.entries) records.push({ entry: e, end: (end += entryRecords([e])[0]!.length) });
    if (a.hardState) records.push({ hardState: a.hardState, end: (end += encodeHardState(a.hardState).length) });
  }
  await wal.close();
  const [name] = (await readdir(dir)).filter((n) => n.startsWith('log.'));
  return { path: join(dir, name!), records };
}

/** The state the records describe when replayed with "the later entry wins". */
function model(records: Rec[]): { hardState: HardState | undefined; entries: Entry[] } {
  let hardState: HardState | undefined;
  let list: Entry[] = [];
  for (const r of records) {
    if ('hardState' in r) hardState = r.hardState;
    else list = [...list.filter((e) => e.index < r.entry.index), r.entry];
  }
  return { hardState, entries: list };
}

async function expectRecovers(dir: string, preallocate: boolean, survivors: Rec[]): Promise<void> {
  const { lines, logger } = captureLog();
  const { wal, hardState, entries } = await WriteAheadLog.open(dir, { preallocate, segmentBytes, logger });
  const expected = model(survivors);
  expect(hardState).toEqual(expected.hardState);
  expect(plain(entries)).toEqual(plain(expected.entries));
  // The damaged bytes are gone: a new append lands after the survivors and reads back after a reopen.
  const next = entry((entries.at(-1)?.index ?? 0) + 1, 9, 5);
  await wal.append(undefined, [next]);
  await wal.close();
  const again = await WriteAheadLog.open(dir, { preallocate, segmentBytes });
  expect(plain(again.entries)).toEqual(plain([...expected.entries, next]));
  await again.wal.close();
  expect(lines.filter((l) => l.level === 'error')).toEqual([]);
}

describe.each([{ preallocate: false }, { preallocate: true }])('torn tail (preallocate: $preallocate)', ({ preallocate }) => {
  it('recovers the records wholly before a truncation point', async () => {
    await fc.assert(
      fc.asyncProperty(appendsArb, fc.double({ min: 0, max: 1, noNaN: true }), async (appends, where) => {
        const dir = await tempDir();
        const { path, records } = await writeLog(dir, appends, preallocate);
        const length = records.at(-1)?.end ?? 0;
        const cut = Math.floor(where * length);
        await truncate(path, cut);
        await expectRecovers(dir, preallocate, records.filter((r) => r.end <= cut));
      }),
      { numRuns: 40 },
    );
  });

  it('recovers the records before a flipped byte and never the damaged one', async () => {
    await fc.assert(
      fc.asyncProperty(
        appendsArb,
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: 1, max: 255 }),
        async (appends, where, mask) => {
          const dir = await tempDir();
          const { path, records } = await writeLog(dir, appends, preallocate);
          const length = records.at(-1)?.end ?? 0;
          fc.pre(length > 0);
          const at = Math.floor(where * length);
          const bytes = await readFile(path);
          bytes[at]! ^= mask;
          await writeFile(path, bytes);
          const { lines, logger } = captureLog();
          await (await WriteAheadLog.open(dir, { preallocate, segmentBytes, logger })).wal.close();
          expect(lines.some((l) => l.level === 'warn')).toBe(true);
          // The first open already repaired the file; reopening sees the same survivors.
          await expectRecovers(dir, preallocate, records.filter((r) => r.end <= at));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('drops garbage after the last record', async () => {
    await fc.assert(
      fc.asyncProperty(appendsArb, fc.uint8Array({ minLength: 1, maxLength: 64 }), async (appends, garbage) => {
        fc.pre(garbage.some((b) => b !== 0));
        const dir = await tempDir();
        const { path, records } = await writeLog(dir, appends, preallocate);
        const bytes = await readFile(path);
        const end = records.at(-1)?.end ?? 0;
        // Garbage right after the last record, inside the preallocated zeros or growing the file.
        const damaged = Buffer.concat([bytes.subarray(0, end), garbage, bytes.subarray(Math.min(bytes.length, end + garbage.length))]);
        await writeFile(path, damaged);
        await expectRecovers(dir, preallocate, records);
      }),
      { numRuns: 30 },
    );
  });
});
