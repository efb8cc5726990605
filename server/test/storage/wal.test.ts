import { constants } from 'node:fs';
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { WalCorruptionError, WriteAheadLog, type WalOptions } from '../../src/storage/wal.js';
import { captureLog, entries, hs, plain, tempDir } from './helpers.js';

async function segmentNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.startsWith('log.')).sort();
}

describe.each([
  { label: 'preallocated', preallocate: true },
  { label: 'growing files', preallocate: false },
])('write-ahead log ($label)', ({ preallocate }) => {
  const small: WalOptions = { preallocate, segmentBytes: 2048 };

  it('returns what was appended after a reopen', async () => {
    const dir = await tempDir();
    const first = await WriteAheadLog.open(dir, small);
    expect(first.entries).toEqual([]);
    expect(first.hardState).toBeUndefined();
    expect(first.lastIndex).toBe(0);
    await first.wal.append(hs(1), entries(1, 3));
    await first.wal.append(hs(2, 3, 7), entries(4, 5, 2));
    await first.wal.close();

    const again = await WriteAheadLog.open(dir, small);
    expect(again.hardState).toEqual(hs(2, 3, 7));
    expect(plain(again.entries)).toEqual(plain([...entries(1, 3), ...entries(4, 5, 2)]));
    expect(again.lastIndex).toBe(5);
    expect(again.wal.lastIndex).toBe(5);
    await again.wal.close();
  });

  it('rolls segments named by their first index and reads across them', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, small);
    for (let i = 1; i <= 60; i++) await wal.append(hs(1, i - 1), entries(i, i, 1, 100));
    expect(wal.segmentCount).toBeGreaterThan(2);
    await wal.close();
    const names = await segmentNames(dir);
    expect(names[0]).toBe('log.0000000000000001');
    expect(names.length).toBe(wal.segmentCount);

    const again = await WriteAheadLog.open(dir, small);
    expect(plain(again.entries)).toEqual(plain(entries(1, 60, 1, 100)));
    expect(again.hardState).toEqual(hs(1, 59));
    // Each segment's name is the index of the first entry recovery finds in it.
    for (const name of names) {
      const firstIndex = parseInt(name.slice(4), 16);
      expect(again.entries.some((e) => e.index === firstIndex)).toBe(true);
    }
    await again.wal.close();
  });

  it('replaces the suffix on an overwrite within the tail segment', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, { preallocate });
    await wal.append(hs(1), entries(1, 10, 1));
    await wal.append(hs(2), entries(6, 7, 2));
    expect(wal.lastIndex).toBe(7);
    await wal.close();
    const again = await WriteAheadLog.open(dir, { preallocate });
    expect(plain(again.entries)).toEqual(plain([...entries(1, 5, 1), ...entries(6, 7, 2)]));
    await again.wal.close();
  });

  it('rewinds into an earlier segment, dropping later ones and keeping the hard state', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, small);
    for (let i = 1; i <= 40; i++) await wal.append(i === 1 ? hs(1, 0, 3) : undefined, entries(i, i, 1, 100));
    const before = wal.segmentCount;
    expect(before).toBeGreaterThan(2);
    // Index 5 is in the first segment; the hard state was last written in the first segment too.
    await wal.append(undefined, entries(5, 6, 2, 100));
    await wal.close();
    // The first segment was full, so the new entries start a segment of their own.
    expect(await segmentNames(dir)).toEqual(['log.0000000000000001', 'log.0000000000000005']);
    const again = await WriteAheadLog.open(dir, small);
    expect(plain(again.entries)).toEqual(plain([...entries(1, 4, 1, 100), ...entries(5, 6, 2, 100)]));
    expect(again.hardState).toEqual(hs(1, 0, 3));
    await again.wal.append(undefined, entries(7, 30, 2, 100));
    await again.wal.close();
    const third = await WriteAheadLog.open(dir, small);
    expect(plain(third.entries)).toEqual(plain([...entries(1, 4, 1, 100), ...entries(5, 30, 2, 100)]));
    await third.wal.close();
  });

  it('refuses an append that would leave a gap or is not contiguous', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, small);
    await wal.append(undefined, entries(1, 2));
    await expect(wal.append(undefined, entries(4, 4))).rejects.toThrow(/gap/);
    await expect(wal.append(undefined, [...entries(3, 3), ...entries(5, 5)])).rejects.toThrow(/contiguous/);
    await wal.append(undefined, entries(3, 3)); // the log is still usable
    await wal.close();
    await expect(wal.append(undefined, entries(4, 4))).rejects.toThrow(/closed/);
  });

  it('releases segments holding only entries below the index and keeps the hard state', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, small);
    await wal.append(hs(4, 0, 2), []);
    for (let i = 1; i <= 60; i++) await wal.append(undefined, entries(i, i, 1, 100));
    const sizeBefore = wal.sizeBytes();
    await wal.releaseBefore(41);
    expect(wal.sizeBytes()).toBeLessThan(sizeBefore);
    await wal.close();
    const names = await segmentNames(dir);
    const firsts = names.map((n) => parseInt(n.slice(4), 16));
    expect(firsts[0]).toBeLessThanOrEqual(41);
    expect(firsts[1]).toBeGreaterThan(41);

    const again = await WriteAheadLog.open(dir, { ...small, snapshotIndex: 40 });
    expect(plain(again.entries)).toEqual(plain(entries(41, 60, 1, 100)));
    expect(again.hardState).toEqual(hs(4, 0, 2));
    await again.wal.close();
  });

  it('starts over after a reset for an installed snapshot', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, small);
    await wal.append(hs(1), entries(1, 20, 1, 100));
    await wal.reset(500, hs(3, 500));
    expect(wal.lastIndex).toBe(500);
    await expect(wal.append(undefined, entries(502, 502))).rejects.toThrow(/gap/);
    await wal.append(undefined, entries(501, 503, 3));
    await wal.releaseBefore(501);
    expect(wal.segmentCount).toBe(1);
    await wal.close();
    const again = await WriteAheadLog.open(dir, { ...small, snapshotIndex: 500 });
    expect(plain(again.entries)).toEqual(plain(entries(501, 503, 3)));
    expect(again.hardState).toEqual(hs(3, 500));
    await again.wal.close();
  });

  it('resets by itself when the snapshot is ahead of the whole log', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, small);
    await wal.append(hs(1), entries(1, 5));
    await wal.close();
    const again = await WriteAheadLog.open(dir, { ...small, snapshotIndex: 100 });
    expect(again.entries).toEqual([]);
    expect(again.lastIndex).toBe(100);
    await again.wal.append(undefined, entries(101, 102));
    await again.wal.close();
    const third = await WriteAheadLog.open(dir, { ...small, snapshotIndex: 100 });
    expect(plain(third.entries)).toEqual(plain(entries(101, 102)));
    await third.wal.close();
  });

  it('refuses to start when entries between the snapshot and the log are missing', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, small);
    for (let i = 1; i <= 60; i++) await wal.append(undefined, entries(i, i, 1, 100));
    await wal.releaseBefore(50);
    await wal.close();
    await expect(WriteAheadLog.open(dir, { ...small, snapshotIndex: 3 })).rejects.toThrow(WalCorruptionError);
  });
});

describe('group commit', () => {
  it('shares fsyncs among appends in flight and completes them in order', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, { preallocate: false });
    const order: number[] = [];
    const pending = [];
    for (let i = 1; i <= 300; i++) {
      pending.push(wal.append(hs(1, i - 1), entries(i, i, 1, 1024)).then(() => order.push(i)));
    }
    await Promise.all(pending);
    expect(order).toEqual(Array.from({ length: 300 }, (_, k) => k + 1));
    expect(wal.stats.appends).toBe(300);
    expect(wal.stats.fsyncs).toBe(wal.stats.batches);
    // Appends that arrive while a write and fsync are under way share the next one.
    expect(wal.stats.batches).toBeLessThan(10);
    await wal.close();
    const again = await WriteAheadLog.open(dir, { preallocate: false });
    expect(again.entries.length).toBe(300);
    await again.wal.close();
  });

  it.runIf(process.platform === 'linux')('with forceSync writes its segments O_DSYNC (the write is the sync), without it plainly', async () => {
    // White box: the open flags of the tail segment, as the kernel reports them for the descriptor.
    const dsyncFlag = async (forceSync: boolean) => {
      const { wal } = await WriteAheadLog.open(await tempDir(), { forceSync, preallocate: false });
      await wal.append(hs(1), entries(1, 2));
      const fd = (wal as unknown as { tail: { fd: number } }).tail.fd;
      const flags = parseInt(/flags:\s*(\d+)/.exec(await readFile(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
      await wal.close();
      return (flags & constants.O_DSYNC) !== 0;
    };
    expect(await dsyncFlag(true)).toBe(true);
    expect(await dsyncFlag(false)).toBe(false);
  });

  it('does not fsync with forceSync off but keeps order and content', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, { forceSync: false, preallocate: false });
    const order: number[] = [];
    await Promise.all(entries(1, 50).map((e) => wal.append(undefined, [e]).then(() => order.push(e.index))));
    expect(order).toEqual(entries(1, 50).map((e) => e.index));
    expect(wal.stats.fsyncs).toBe(0);
    await wal.close();
    const again = await WriteAheadLog.open(dir, { preallocate: false });
    expect(plain(again.entries)).toEqual(plain(entries(1, 50)));
    await again.wal.close();
  });

  it('writes one batch per group, not one write per record', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, { preallocate: false, forceSync: false });
    await wal.append(undefined, entries(1, 1)); // creates the segment
    const before = wal.stats.batches;
    const appended = entries(2, 102).map((e) => wal.append(hs(1, e.index), [e]));
    await Promise.all(appended);
    // At most the first goes out alone; everything queued behind it is one write.
    expect(wal.stats.batches - before).toBeLessThanOrEqual(2);
    await wal.close();
  });
});

describe('recovery', () => {
  it('truncates garbage after the last record and reports it', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, { preallocate: false });
    await wal.append(hs(1), entries(1, 3));
    await wal.close();
    const [name] = await segmentNames(dir);
    const path = join(dir, name!);
    const good = (await readFile(path)).length;
    await appendFile(path, Buffer.from('not a record at all'));
    const { lines, logger } = captureLog();
    const again = await WriteAheadLog.open(dir, { preallocate: false, logger });
    expect(plain(again.entries)).toEqual(plain(entries(1, 3)));
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(lines[0]!.details).toMatchObject({ offset: good });
    expect((await readFile(path)).length).toBe(good);
    await again.wal.append(undefined, entries(4, 4));
    await again.wal.close();
    const third = await WriteAheadLog.open(dir, { preallocate: false });
    expect(plain(third.entries)).toEqual(plain(entries(1, 4)));
    await third.wal.close();
  });

  it('is a hard error when an earlier segment is corrupt', async () => {
    const dir = await tempDir();
    const opts = { preallocate: false, segmentBytes: 1024 };
    const { wal } = await WriteAheadLog.open(dir, opts);
    for (let i = 1; i <= 30; i++) await wal.append(undefined, entries(i, i, 1, 100));
    await wal.close();
    const names = await segmentNames(dir);
    expect(names.length).toBeGreaterThan(2);
    const path = join(dir, names[0]!);
    const bytes = await readFile(path);
    bytes[bytes.length - 20]! ^= 0x40;
    await writeFile(path, bytes);
    const err = await WriteAheadLog.open(dir, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptionError);
    expect((err as Error).message).toContain(names[0]);
    // Nothing was truncated.
    expect((await readFile(path)).length).toBe(bytes.length);
  });

  it('accepts a pino logger', async () => {
    const dir = await tempDir();
    const { wal } = await WriteAheadLog.open(dir, { logger: pino({ level: 'silent' }), preallocate: false });
    await wal.append(hs(1), entries(1, 1));
    await wal.close();
  });
});
