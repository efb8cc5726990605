import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SnapshotCorruptError, SnapshotStore, type SnapshotMeta, type SnapshotReader } from '../../src/storage/snapshots.js';
import { captureLog, tempDir } from './helpers.js';

function chunk(seed: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (seed * 13 + i * 7) & 0xff;
  return out;
}

async function writeSnapshot(store: SnapshotStore, index: number, chunks: Uint8Array[], extra: unknown = { members: [1, 2, 3] }) {
  const writer = await store.begin({ index, term: index % 7, extra });
  for (const c of chunks) await writer.write(c);
  return writer.finish();
}

/** Chunks as hex strings: cheap to compare even for megabytes. */
async function collect(reader: SnapshotReader): Promise<string[]> {
  const out: string[] = [];
  for await (const c of reader.chunks()) out.push(Buffer.from(c).toString('hex'));
  return out;
}

const asHex = (chunks: Uint8Array[]) => chunks.filter((c) => c.length > 0).map((c) => Buffer.from(c).toString('hex'));

describe('snapshot store', () => {
  it('round-trips metadata and chunks, including chunks bigger than the write buffer', async () => {
    const store = await SnapshotStore.open(await tempDir());
    const chunks = [chunk(1, 10), chunk(2, 0), chunk(3, 3 << 20), chunk(4, 1)];
    const file = await writeSnapshot(store, 42, chunks, { members: [{ id: 1, addr: '127.0.0.1:2888' }], epoch: 3 });
    expect(file.index).toBe(42);
    expect(file.path.endsWith('snapshot.000000000000002a')).toBe(true);
    const reader = (await store.latest())!;
    const meta: SnapshotMeta = { index: 42, term: 0, extra: { members: [{ id: 1, addr: '127.0.0.1:2888' }], epoch: 3 } };
    expect(reader.meta).toEqual(meta);
    expect(reader.bytes).toBe(file.bytes);
    expect(await collect(reader)).toEqual(asHex(chunks));
    expect(await store.sizeBytes()).toBe(file.bytes);
  });

  it('never lists a snapshot still being written, and cleans such files up on open', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    const writer = await store.begin({ index: 9, term: 1, extra: null });
    await writer.write(chunk(1, 100));
    expect(await store.list()).toEqual([]);
    expect(await store.latest()).toBeUndefined();
    const { lines, logger } = captureLog();
    await SnapshotStore.open(dir, { logger }); // as after a crash mid-write
    expect(await readdir(dir)).toEqual([]);
    expect(lines).toHaveLength(1);
    await writer.abort();
  });

  it('abort leaves nothing behind', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    const writer = await store.begin({ index: 9, term: 1, extra: null });
    await writer.write(chunk(1, 2 << 20));
    await writer.abort();
    expect(await readdir(dir)).toEqual([]);
    await expect(writer.write(chunk(1, 1))).rejects.toThrow();
  });

  it('streams a snapshot to another store that writes it with the same writer', async () => {
    const source = await SnapshotStore.open(await tempDir());
    const chunks = [chunk(5, 1000), chunk(6, 70000), chunk(7, 5)];
    await writeSnapshot(source, 77, chunks);
    const sending = await source.read(77);
    const target = await SnapshotStore.open(await tempDir());
    const writer = await target.begin(sending.meta);
    for await (const c of sending.chunks()) await writer.write(c);
    await writer.finish();
    const received = (await target.latest())!;
    expect(received.meta).toEqual(sending.meta);
    expect(await collect(received)).toEqual(asHex(chunks));
    expect(await readFile(received.path)).toEqual(await readFile(sending.path));
  });

  it('falls back to an older snapshot when the newest is corrupt or truncated', async () => {
    const dir = await tempDir();
    const { lines, logger } = captureLog();
    const store = await SnapshotStore.open(dir, { logger });
    await writeSnapshot(store, 5, [chunk(1, 500)]);
    const ten = await writeSnapshot(store, 10, [chunk(2, 500), chunk(3, 500)]);
    const bytes = await readFile(ten.path);
    bytes[600]! ^= 1;
    await writeFile(ten.path, bytes);
    expect((await store.latest())!.index).toBe(5);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    await expect(store.read(10)).rejects.toThrow(SnapshotCorruptError);

    // Cut at a frame boundary (the end frame lost): still detected.
    const fifteen = await writeSnapshot(store, 15, [chunk(4, 100)]);
    const endFrameBytes = 9 + 3; // header plus msgpack [1, 100]
    await truncate(fifteen.path, fifteen.bytes - endFrameBytes);
    expect((await store.latest())!.index).toBe(5);
  });

  it('detects any truncation or flipped byte in a snapshot file', async () => {
    const store = await SnapshotStore.open(await tempDir());
    const good = await writeSnapshot(store, 3, [chunk(1, 40)]);
    const file = await writeSnapshot(store, 8, [chunk(2, 30), chunk(3, 50), chunk(4, 20)], { members: [1, 2] });
    const original = await readFile(file.path);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ cut: fc.nat(original.length - 1) }),
          fc.record({ flip: fc.nat(original.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
        ),
        async (damage) => {
          const bytes = Buffer.from(original);
          const damaged = 'cut' in damage ? bytes.subarray(0, damage.cut) : bytes;
          if ('flip' in damage) damaged[damage.flip]! ^= damage.mask;
          await writeFile(file.path, damaged);
          await expect(store.read(8)).rejects.toThrow(SnapshotCorruptError);
          expect((await store.latest())!.index).toBe(good.index);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('purges all but the newest snapshots, never fewer than three', async () => {
    const dir = await tempDir();
    const store = await SnapshotStore.open(dir);
    for (const index of [1, 20, 300, 4000, 50000]) await writeSnapshot(store, index, [chunk(index, 10)]);
    expect(await store.purge(4)).toEqual({ removed: [1], oldestRetainedIndex: 20 });
    expect(await store.purge(1)).toEqual({ removed: [20], oldestRetainedIndex: 300 });
    expect((await store.list()).map((f) => f.index)).toEqual([50000, 4000, 300]);
    expect(await store.purge(3)).toEqual({ removed: [], oldestRetainedIndex: 300 });
    expect(join(dir, 'snapshot.000000000000c350')).toBe((await store.list())[0]!.path);
  });
});
