import { describe, expect, it } from 'vitest';
import { LeaderElector, type LeaseRecord, type LeaseStore } from '../../src/kube/leader-election.js';

/** One lease in memory, with the API server's optimistic concurrency; `down` makes one caller's writes fail. */
function memoryStore() {
  let record: LeaseRecord | undefined;
  let version = 0;
  const down = new Set<string>();
  const storeFor = (who: string): LeaseStore => ({
    async get() {
      if (down.has(who)) throw new Error('unreachable');
      return record && { ...record };
    },
    async create(r) {
      if (down.has(who)) throw new Error('unreachable');
      if (record) throw Object.assign(new Error('exists'), { code: 409 });
      record = { ...r, version: String(++version) };
      return record.version;
    },
    async update(r) {
      if (down.has(who)) throw new Error('unreachable');
      if (r.version !== record?.version) throw Object.assign(new Error('conflict'), { code: 409 });
      record = { ...r, version: String(++version) };
      return record.version;
    },
  });
  return { storeFor, down, current: () => record };
}

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function electors(n: number) {
  let now = 0;
  const clock = { now: () => now, setTimeout: () => undefined };
  const store = memoryStore();
  const events: string[] = [];
  const list = Array.from({ length: n }, (_, i) => {
    const id = `op-${i}`;
    return new LeaderElector(store.storeFor(id), id, { onStartedLeading: () => events.push(`${id}+`), onStoppedLeading: () => events.push(`${id}-`) }, timing, clock);
  });
  return { list, store, events, advance: (ms: number) => (now += ms) };
}

describe('LeaderElector', () => {
  it('lets exactly one candidate hold the lease, and the holder renews it', async () => {
    const { list, store } = electors(2);
    expect(await list[0]!.tryAcquireOrRenew()).toBe(true);
    expect(await list[1]!.tryAcquireOrRenew()).toBe(false);
    expect(await list[0]!.tryAcquireOrRenew()).toBe(true);
    expect(store.current()?.holder).toBe('op-0');
  });

  it('takes over only after the lease went unrenewed for its duration, as this candidate observed it', async () => {
    const { list, store, advance } = electors(2);
    await list[0]!.tryAcquireOrRenew();
    expect(await list[1]!.tryAcquireOrRenew()).toBe(false);
    store.down.add('op-0');
    advance(14_000);
    expect(await list[1]!.tryAcquireOrRenew()).toBe(false);
    advance(1_000);
    expect(await list[1]!.tryAcquireOrRenew()).toBe(true);
    expect(store.current()).toMatchObject({ holder: 'op-1', transitions: 1 });
    // The old holder's next write carries a stale version and is refused.
    store.down.delete('op-0');
    expect(await list[0]!.tryAcquireOrRenew()).toBe(false);
  });

  it('a renewal seen by another candidate restarts its wait', async () => {
    const { list, advance } = electors(2);
    await list[0]!.tryAcquireOrRenew();
    await list[1]!.tryAcquireOrRenew();
    advance(10_000);
    await list[0]!.tryAcquireOrRenew();
    expect(await list[1]!.tryAcquireOrRenew()).toBe(false);
    advance(10_000);
    expect(await list[1]!.tryAcquireOrRenew()).toBe(false);
  });

  it('a leader that stops hands the lease back, so the next candidate need not wait out the duration', async () => {
    const { list, store, advance } = electors(2);
    list[0]!.start();
    await new Promise((r) => setImmediate(r));
    expect(list[0]!.isLeader).toBe(true);
    await list[1]!.tryAcquireOrRenew();
    await list[0]!.stop();
    expect(store.current()?.holder).toBe('');
    advance(1_000);
    expect(await list[1]!.tryAcquireOrRenew()).toBe(true);
  });
});
