// Mutex and read/write lock against ZooKeeper and Corral: exclusion, no herd effect, expiry of a waiter.
import { describe, expect, it } from 'vitest';
import { EventType, Mutex, ReadWriteLock, SessionExpiredError, type LockHandle, type WatchEvent } from '../../src/index.js';
import { TARGET_KINDS, waitFor } from '../helpers/targets.js';
import { useTarget } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TARGET_KINDS)('locks against %s', (kind) => {
  const h = useTarget(kind);

  it('50 contenders: one holder at a time, each release wakes one waiter, an expired waiter is skipped', async () => {
    const path = h.path('lock');
    const events: { event: WatchEvent; node: string }[] = [];
    const waitingOn = new Map<string, string>(); // contender node -> the node it currently waits for
    const owner = new Map<string, number>(); // contender node -> index of its client
    const clients = await Promise.all(Array.from({ length: 50 }, () => h.connect({ expirable: true })));
    const locks = clients.map(
      (c, i) =>
        new Mutex(c, path, {
          onWatch: (event, node) => events.push({ event, node }),
          onWaiting: (node, blocker) => {
            waitingOn.set(node, blocker);
            owner.set(node, i);
          },
        }),
    );

    // The first contender holds the lock while everybody else queues behind it.
    const first = await locks[0]!.acquire();
    let holders = 0;
    let maxHolders = 0;
    let completed = 0;
    const contend = async (lock: Mutex) => {
      const held = await lock.acquire({ timeout: 60_000 });
      holders++;
      maxHolders = Math.max(maxHolders, holders);
      await sleep(1);
      holders--;
      completed++;
      await held.release();
    };
    const runs = locks.slice(1).map((lock) => contend(lock).then(() => undefined, (err: unknown) => err));
    await waitFor(() => waitingOn.size === 49, '49 registered waiters', 20_000);
    const queue = await locks[0]!.contenders();
    expect(queue).toHaveLength(50);
    // Each waiter watches exactly its predecessor.
    const names = queue.map((p) => p.slice(p.lastIndexOf('/') + 1));
    for (let i = 1; i < names.length; i++) expect(waitingOn.get(names[i]!)).toBe(names[i - 1]);

    // A waiter's session expires mid-wait: its node vanishes and its successor re-targets, still without a herd.
    const position = 25;
    const victimNode = names[position]!;
    const victim = owner.get(victimNode)!;
    const successor = names[position + 1]!;
    await h.expire(clients[victim]!);
    await waitFor(() => waitingOn.get(successor) === names[position - 1], 'the successor to wait for the victim\'s predecessor');
    expect(await runs[victim - 1]).toBeInstanceOf(SessionExpiredError);

    await first.release();
    const results = await Promise.all(runs);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(completed).toBe(48);
    expect(maxHolders).toBe(1);

    const deletions = events.filter((e) => e.event.type === EventType.NodeDeleted);
    // 48 releases with someone behind them (the last holder has no waiter) plus the victim's node: 49 wake-ups,
    // each for a different deleted node, each delivered to the one contender right behind it.
    expect(deletions).toHaveLength(49);
    expect(new Set(deletions.map((e) => e.event.path)).size).toBe(49);
    expect(deletions.find((e) => e.event.path.endsWith(victimNode))?.node).toBe(successor);
    // Nothing else woke anybody, except the victim learning of its own expiry.
    expect(events.filter((e) => e.event.type !== EventType.NodeDeleted).map((e) => e.node)).toEqual([victimNode]);
    expect(await locks[0]!.contenders()).toEqual([]);
  }, 60_000);

  it('gives up on timeout and abort without blocking the queue', async () => {
    const path = h.path('lock');
    const [a, b, c] = await Promise.all([h.connect(), h.connect(), h.connect()]);
    const held = await new Mutex(a!, path).acquire();
    const timedOut = await new Mutex(b!, path).acquire({ timeout: 200 }).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe('TimeoutError');
    const controller = new AbortController();
    const aborted = new Mutex(c!, path).acquire({ signal: controller.signal }).catch((e: unknown) => e);
    await sleep(100);
    controller.abort(new Error('caller gave up'));
    expect(((await aborted) as Error).message).toBe('caller gave up');
    // Both abandoned contenders removed their nodes: only the holder remains.
    expect(await new Mutex(a!, path).contenders()).toEqual([held.path]);
    await held.release();
    await held.release(); // idempotent
    const next = await new Mutex(b!, path).acquire({ timeout: 5000 });
    await next.release();
  });

  it('read/write lock: readers share, writers exclude, a writer waits for earlier readers', async () => {
    const path = h.path('rw');
    const clients = await Promise.all(Array.from({ length: 8 }, () => h.connect()));
    const rw = clients.map((c) => new ReadWriteLock(c, path));
    let readers = 0;
    let writers = 0;
    let maxReaders = 0;
    const violations: string[] = [];
    const check = () => {
      if (writers > 1) violations.push('two writers');
      if (writers > 0 && readers > 0) violations.push('reader with writer');
      maxReaders = Math.max(maxReaders, readers);
    };
    const hold = async (acquire: () => Promise<LockHandle>, kind: 'r' | 'w', ms: number) => {
      const handle = await acquire();
      if (kind === 'r') readers++;
      else writers++;
      check();
      await sleep(ms);
      if (kind === 'r') readers--;
      else writers--;
      await handle.release();
    };
    // Three readers first (they overlap), then a writer, then more readers and another writer.
    const plan: ('r' | 'w')[] = ['r', 'r', 'r', 'w', 'r', 'r', 'w', 'r'];
    const runs: Promise<void>[] = [];
    for (const [i, kind] of plan.entries()) {
      const lock = kind === 'r' ? rw[i]!.readLock : rw[i]!.writeLock;
      runs.push(hold(() => lock.acquire({ timeout: 20_000 }), kind, 150));
      // Queue in plan order: each contender's node exists before the next one starts.
        const deadline = Date.now() + 5000;
      while ((await rw[0]!.readLock.contenders()).length < i + 1 && Date.now() < deadline) await sleep(5);
    }
    await Promise.all(runs);
    expect(violations).toEqual([]);
    expect(maxReaders).toBe(3);
  });
});
