// The watched-value cache against ZooKeeper and Corral: coalesced reads, the latest value, deletion and
// re-creation, and changes made while the cache was disconnected.
import { describe, expect, it } from 'vitest';
import { WatchedValue, type Snapshot, type Stat, type ZooKeeperClient } from '../../src/index.js';
import { TARGET_KINDS, waitFor } from '../helpers/targets.js';
import { useTarget } from './harness.js';

describe.each(TARGET_KINDS)('watched value against %s', (kind) => {
  const h = useTarget(kind);

  it('many rapid sets of a 512 KB value: coalesced reads, one at a time, final value correct', async () => {
    const path = h.path('shard-map');
    const [writer, reader] = await Promise.all([h.connect(), h.connect()]);
    const parent = path.slice(0, path.lastIndexOf('/'));
    await writer.create(parent);
    // Half a MiB: the default jute.maxbuffer (1 MiB less a byte) bounds a znode on both servers; a 2 MB shard map
    // needs jute.maxbuffer raised on servers and clients alike.
    const big = (i: number) => Buffer.alloc(512 * 1024, i % 251);
    await writer.create(path, big(0));
    let reads = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let gate: Promise<void> | undefined;
    // Count concurrent getData calls of the reader, and let the test hold them back.
    const originalGetData = reader!.getData.bind(reader);
    reader!.getData = async (...args: Parameters<ZooKeeperClient['getData']>) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await gate;
        return await originalGetData(...args);
      } finally {
        inFlight--;
      }
    };
    const cache = new WatchedValue(reader!, path, { decode: (data) => data?.[0], onRead: () => reads++ });
    await cache.start();
    expect(cache.current?.value).toBe(0);
    const setAll = async (from: number, count: number) => {
      const writes: Promise<Stat>[] = [];
      for (let i = from; i < from + count; i++) writes.push(writer!.setData(path, big(i)));
      return (await Promise.all(writes)).at(-1)!;
    };

    // 60 changes while the first refresh is held back: they all fold into it and one more read at most.
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    reads = 0;
    let last = await setAll(1, 60);
    await waitFor(() => inFlight === 1, 'a refresh to start');
    await reader!.sync(path); // every notification for the 60 writes has reached the reader
    open();
    await waitFor(() => cache.current?.stat.version === last.version, 'the last version (held back)');
    expect(reads).toBeLessThanOrEqual(2);
    expect(cache.current?.value).toBe(60);

    // Free-running: reads interleave with writes, never two at once, and the last value always wins.
    reads = 0;
    last = await setAll(61, 60);
    await waitFor(() => cache.current?.stat.version === last.version, 'the last version', 20_000);
    expect(cache.current?.value).toBe(120);
    expect(reads).toBeLessThanOrEqual(60);
    expect(maxInFlight).toBe(1);
    await cache.close();
  }, 60_000);

  it('follows deletion and re-creation, and catches up after a disconnection', async () => {
    const path = h.path('value');
    const [writer, reader] = await Promise.all([h.connect(), h.connect()]);
    await writer.create(path.slice(0, path.lastIndexOf('/')));
    const cache = new WatchedValue(reader, path, { decode: (d) => d?.toString() ?? '' });
    const changes: (string | null)[] = [];
    cache.on('change', (snap: Snapshot<string>) => changes.push(snap === null ? null : snap.value));
    await cache.start();
    expect(cache.current).toBeNull();
    await writer.create(path, 'v1');
    await waitFor(() => cache.current?.value === 'v1', 'v1');
    await writer.delete(path);
    await waitFor(() => cache.current === null, 'deletion');
    await writer.create(path, 'v2');
    await waitFor(() => cache.current?.value === 'v2', 'v2');

    // A change made while the reader is disconnected is read once it is back.
    reader.dropConnection();
    await writer.setData(path, 'v3');
    await waitFor(() => cache.current?.value === 'v3', 'v3 after reconnecting');
    expect(changes).toEqual([null, 'v1', null, 'v2', 'v3']);
    await cache.close();
    await writer.setData(path, 'v4');
    await new Promise((r) => setTimeout(r, 200));
    expect(cache.current?.value).toBe('v3'); // closed: no more reads
  });
});
