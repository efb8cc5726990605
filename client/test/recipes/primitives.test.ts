// Barrier, double barrier, queue, shared counter and group membership against ZooKeeper and Corral.
import { describe, expect, it } from 'vitest';
import { Barrier, DistributedQueue, DoubleBarrier, GroupMembership, NodeExistsError, SharedCounter } from '../../src/index.js';
import { TARGET_KINDS, waitFor } from '../helpers/targets.js';
import { useTarget } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TARGET_KINDS)('coordination primitives against %s', (kind) => {
  const h = useTarget(kind);

  it('barrier: waiters pass only once it is removed', async () => {
    const path = h.path('barrier');
    const [boss, w1, w2] = await Promise.all([h.connect(), h.connect(), h.connect()]);
    await new Barrier(boss!, path).set();
    await new Barrier(boss!, path).set(); // idempotent
    let passed = 0;
    const waits = [w1, w2].map((c) => new Barrier(c!, path).waitOnBarrier({ timeout: 10_000 }).then(() => passed++));
    await sleep(200);
    expect(passed).toBe(0);
    const timedOut = await new Barrier(w1!, path).waitOnBarrier({ timeout: 100 }).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe('TimeoutError');
    await new Barrier(boss!, path).remove();
    await Promise.all(waits);
    expect(passed).toBe(2);
    await new Barrier(w1!, path).waitOnBarrier(); // down: returns at once
  });

  it('double barrier: nobody starts before all have entered, nobody finishes before all have left', async () => {
    const path = h.path('double');
    const n = 4;
    const clients = await Promise.all(Array.from({ length: n }, () => h.connect()));
    const log: string[] = [];
    const member = async (i: number) => {
      const barrier = new DoubleBarrier(clients[i]!, path, n, { id: `w${i}` });
      await sleep(i * 60); // staggered arrivals
      log.push('arrive');
      await barrier.enter({ timeout: 10_000 });
      log.push('enter');
      await sleep((n - i) * 40); // staggered work
      log.push('leave');
      await barrier.leave({ timeout: 10_000 });
      log.push('left');
    };
    await Promise.all(Array.from({ length: n }, (_, i) => member(i)));
    // All arrivals precede every entry; all leave-starts precede every completion.
    expect(log.lastIndexOf('arrive')).toBeLessThan(log.indexOf('enter'));
    expect(log.lastIndexOf('leave')).toBeLessThan(log.indexOf('left'));
    expect(log.filter((e) => e === 'left')).toHaveLength(n);
    expect((await clients[0]!.getChildren(path)).sort()).toEqual([]);
  });

  it('double barrier: enter gives up its place on timeout', async () => {
    const path = h.path('double');
    const zk = await h.connect();
    const err = await new DoubleBarrier(zk, path, 2, { id: 'alone' }).enter({ timeout: 150 }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(await zk.getChildren(path)).toEqual([]);
  });

  it('queue: FIFO across producers, each item taken once by competing consumers', async () => {
    const path = h.path('queue');
    const [producer, c1, c2, c3] = await Promise.all([h.connect(), h.connect(), h.connect(), h.connect()]);
    const q = new DistributedQueue(producer!, path);
    expect(await q.poll()).toBeNull();
    for (let i = 0; i < 5; i++) await q.offer(`item-${i}`);
    expect(await q.size()).toBe(5);
    expect((await q.peek())?.toString()).toBe('item-0');
    const order: string[] = [];
    for (let i = 0; i < 5; i++) order.push((await new DistributedQueue(c1!, path).poll())!.toString());
    expect(order).toEqual(['item-0', 'item-1', 'item-2', 'item-3', 'item-4']);

    // Blocking consumers: 30 items offered after they start waiting; each is delivered exactly once.
    const taken: string[] = [];
    const consumers = [c1, c2, c3].map(async (c) => {
      const queue = new DistributedQueue(c!, path);
      for (;;) {
        const item = (await queue.take({ timeout: 10_000 })).toString();
        if (item === 'stop') return;
        taken.push(item);
      }
    });
    await sleep(100);
    for (let i = 0; i < 30; i++) await q.offer(`job-${i}`);
    for (let i = 0; i < 3; i++) await q.offer('stop');
    await Promise.all(consumers);
    expect([...taken].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `job-${i}`).sort());
    const timedOut = await new DistributedQueue(c1!, path).take({ timeout: 100 }).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe('TimeoutError');
  });

  it('counter: no increment is lost under contention', async () => {
    const path = h.path('counter');
    const clients = await Promise.all(Array.from({ length: 6 }, () => h.connect()));
    expect(await new SharedCounter(clients[0]!, path).get()).toBe(0);
    const results = await Promise.all(
      clients.flatMap((c) => Array.from({ length: 10 }, (_, i) => new SharedCounter(c, path).add(i % 2 === 0 ? 3 : -1))),
    );
    // 60 adds: 30 × 3 and 30 × -1.
    expect(await new SharedCounter(clients[0]!, path).get()).toBe(60);
    // Each add returned a distinct intermediate value ending at the total.
    expect(Math.max(...results)).toBeLessThanOrEqual(90);
    expect(results).toContain(60);
    expect((await clients[0]!.exists(path))?.version).toBe(59); // created once, then 59 compare-and-sets
  });

  it('membership: ephemeral members, a live list, duplicate ids refused', async () => {
    const path = h.path('group');
    const [watcher, a, b, c] = await Promise.all([h.connect(), h.connect({ expirable: true }), h.connect(), h.connect()]);
    const group = new GroupMembership(watcher!, path);
    const seen: string[][] = [];
    const controller = new AbortController();
    const following = (async () => {
      for await (const ids of group.watch({ signal: controller.signal })) seen.push(ids);
    })().catch((e: unknown) => e);
    await waitFor(() => seen.length === 1, 'the initial (empty) list');
    await new GroupMembership(a!, path).join('a', 'host-a');
    await waitFor(() => seen.at(-1)?.join() === 'a', 'a joined');
    const memberB = await new GroupMembership(b!, path).join('b');
    await new GroupMembership(c!, path).join('c');
    await waitFor(() => seen.at(-1)?.join() === 'a,b,c', 'three members');
    await expect(new GroupMembership(c!, path).join('a')).rejects.toBeInstanceOf(NodeExistsError);
    await new GroupMembership(a!, path).join('a'); // same session: fine
    expect((await group.memberData('a'))?.toString()).toBe('host-a');

    await h.expire(a!);
    await waitFor(() => seen.at(-1)?.join() === 'b,c', 'a gone with its session');
    await memberB.leave();
    await waitFor(() => seen.at(-1)?.join() === 'c', 'b left');
    expect(await group.members()).toEqual(['c']);
    expect(await group.memberData('b')).toBeUndefined();
    // Every list the watcher saw was a real state, without repeats.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1]);
    controller.abort();
    expect(await following).toBeInstanceOf(Error);
  });
});
