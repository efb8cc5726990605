// Snapshot streams between real networks: a large stream to a slow consumer with back-pressure, and every way a
// transfer can fail, each of which must fail both ends cleanly without disturbing Raft traffic.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeId } from '../../src/consensus/types.js';
import type { PeerNetwork } from '../../src/peer/peer-network.js';
import { heartbeat, sleep, startNetworks, waitFor, type Extra } from './helpers.js';

const open: PeerNetwork[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

async function pair(extra: Extra = {}) {
  const started = await startNetworks([1, 2], extra);
  started.nets.forEach((n) => open.push(n));
  return { one: started.nets.get(1)!, two: started.nets.get(2)! };
}

const CHUNK = 64 * 1024;

/** Deterministic chunks of varying sizes; `produced` tracks how far the sender has pulled. */
function source(count: number, opts: { failAt?: number } = {}) {
  const state = { produced: 0, digest: createHash('sha256'), sizes: [] as number[] };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < count; i++) {
      if (i === opts.failAt) throw new Error('disk read failed');
      const size = CHUNK - (i % 7) * 1000;
      const chunk = new Uint8Array(size).map((_, j) => (i * 31 + j) & 255);
      state.digest.update(chunk);
      state.sizes.push(size);
      state.produced += size;
      yield chunk;
    }
  }
  return { state, chunks: chunks() };
}

describe('PeerNetwork snapshots', () => {
  it('streams ~10 MiB to a slow consumer, chunk boundaries intact, the sender held back by the consumer', async () => {
    const { one, two } = await pair({ snapshotHighWaterBytes: 256 * 1024 });
    const { state, chunks } = source(172);
    const got = { meta: undefined as unknown, from: 0 as NodeId, digest: createHash('sha256'), sizes: [] as number[], stalled: [0, 0] };
    two.onSnapshot(async (from, meta, stream) => {
      got.from = from;
      got.meta = meta;
      for await (const chunk of stream) {
        got.digest.update(chunk);
        got.sizes.push(chunk.length);
        if (got.sizes.length === 1) {
          // Stall: once the buffers in between are full the producer must stop, short of the end.
          await sleep(200);
          got.stalled[0] = state.produced;
          await sleep(150);
          got.stalled[1] = state.produced;
        } else if (got.sizes.length % 20 === 0) await sleep(10);
      }
    });
    // Raft heartbeats keep flowing on their own connection while the transfer is stalled.
    const beats: number[] = [];
    two.onMessage((m) => beats.push(m.ctx!));
    const transfer = one.sendSnapshot(2, { index: 42, term: 3, membership: { voters: [1, 2], neverLeaders: [], observers: [] } }, chunks);
    await sleep(50);
    one.send([heartbeat(1, 2, 1)]);
    await waitFor('heartbeat during transfer', () => beats.includes(1));
    await transfer;

    expect(got.from).toBe(1);
    expect(got.meta).toEqual({ index: 42, term: 3, membership: { voters: [1, 2], neverLeaders: [], observers: [] } });
    expect(got.sizes).toEqual(state.sizes);
    expect(got.digest.digest('hex')).toBe(state.digest.digest('hex'));
    expect(state.produced).toBeGreaterThan(10 << 20);
    // Loopback socket buffers alone hold several MiB, so "short of the end" is all that can be asserted portably.
    expect(got.stalled[1]).toBe(got.stalled[0]);
    expect(got.stalled[1]).toBeLessThan(state.produced);
  });

  it('metadata too large for a hello (a catch-up push with the log after its snapshot) follows it in a frame of its own', async () => {
    const { one, two } = await pair();
    const entries = Array.from({ length: 40 }, (_, i) => ({ index: 43 + i, term: 3, data: new Uint8Array(64 * 1024).fill(i) }));
    const meta = { index: 42, entries };
    let got: { meta: unknown; bytes: number } | undefined;
    two.onSnapshot(async (_from, m, stream) => {
      let bytes = 0;
      for await (const chunk of stream) bytes += chunk.length;
      got = { meta: m, bytes };
    });
    const { chunks } = source(3);
    await one.sendSnapshot(2, meta, chunks);
    expect(got?.bytes).toBeGreaterThan(0);
    const arrived = got?.meta as typeof meta;
    expect(arrived.index).toBe(42);
    expect(arrived.entries.map((e) => [e.index, e.term, e.data[0], e.data.length])).toEqual(entries.map((e) => [e.index, e.term, e.data[0], e.data.length]));
  });

  it('a failing chunk source rejects the send and fails the receiver’s stream', async () => {
    const { one, two } = await pair();
    const received: { error?: string; chunks: number } = { chunks: 0 };
    let handlerDone!: () => void;
    const settled = new Promise<void>((resolve) => (handlerDone = resolve));
    two.onSnapshot(async (_from, _meta, stream) => {
      try {
        for await (const _ of stream) received.chunks++;
      } catch (err) {
        received.error = (err as Error).message;
        throw err;
      } finally {
        handlerDone();
      }
    });
    await expect(one.sendSnapshot(2, {}, source(50, { failAt: 20 }).chunks)).rejects.toThrow('disk read failed');
    await settled;
    expect(received.error).toMatch(/aborted the snapshot: disk read failed/);
    expect(received.chunks).toBeLessThanOrEqual(20);
  });

  it('a failing receiver rejects the send with its reason and stops the producer', async () => {
    const { one, two } = await pair();
    two.onSnapshot(async (_from, _meta, stream) => {
      let n = 0;
      for await (const _ of stream) if (++n === 10) throw new Error('no space left on device');
    });
    const { state, chunks } = source(1000);
    await expect(one.sendSnapshot(2, {}, chunks)).rejects.toThrow(/refused the snapshot: no space left on device/);
    expect(state.produced).toBeLessThan(1000 * CHUNK);
  });

  it('a receiver that returns before the end of the stream fails the transfer', async () => {
    const { one, two } = await pair();
    two.onSnapshot(async (_from, _meta, stream) => {
      for await (const _ of stream) break;
    });
    await expect(one.sendSnapshot(2, {}, source(30).chunks)).rejects.toThrow(/before the end of the stream/);
  });

  it('refuses snapshots when no handler is registered, and rejects for unknown members', async () => {
    const { one } = await pair();
    await expect(one.sendSnapshot(2, {}, source(3).chunks)).rejects.toThrow(/takes no snapshots/);
    await expect(one.sendSnapshot(5, {}, source(3).chunks)).rejects.toThrow(/not a peer/);
  });

  it('closing either network mid-transfer fails both ends', async () => {
    for (const closer of ['sender', 'receiver'] as const) {
      const { one, two } = await pair();
      let receiverError = '';
      let started!: () => void;
      const streaming = new Promise<void>((resolve) => (started = resolve));
      two.onSnapshot(async (_from, _meta, stream) => {
        try {
          for await (const _ of stream) {
            started();
            await sleep(5);
          }
        } catch (err) {
          receiverError = (err as Error).message;
          throw err;
        }
      });
      const transfer = one.sendSnapshot(2, {}, source(1000).chunks);
      transfer.catch(() => {});
      await streaming;
      await (closer === 'sender' ? one : two).close();
      await expect(transfer).rejects.toThrow();
      if (closer === 'sender') await waitFor('receiver fails', () => receiverError !== '');
      expect(receiverError === '' || /closed before the end/.test(receiverError)).toBe(true);
    }
  });

  it('an idle transfer times out', async () => {
    const { one, two } = await pair({ snapshotIdleTimeoutMs: 200 });
    two.onSnapshot(async (_from, _meta, stream) => {
      for await (const _ of stream);
    });
    async function* stuck(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      await new Promise(() => {}); // the producer never delivers the next chunk
    }
    // Whichever end notices first: the sender times out, or the receiver does and hangs up.
    await expect(one.sendSnapshot(2, {}, stuck())).rejects.toThrow(/idle for 200 ms|closed before the peer answered/);
  });
});
