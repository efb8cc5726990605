// The readiness check over a scripted host: what it refuses at once, and the read barrier it waits on (shared by
// checks that overlap, bounded by its wait).
import { describe, expect, it } from 'vitest';
import { ReadinessCheck, type ReadinessHost } from '../../src/member/readiness.js';

function host(overrides: Partial<ReadinessHost> = {}) {
  const barriers: Array<() => void> = [];
  const h: ReadinessHost & { barriers: Array<() => void> } = {
    standalone: false,
    notServing: () => undefined,
    isLeader: () => false,
    hasReachableLeader: () => true,
    quorumReachable: () => true,
    barrier: () => new Promise<void>((resolve) => barriers.push(resolve)),
    barriers,
    ...overrides,
  };
  return h;
}

describe('ReadinessCheck', () => {
  it('a member that does not serve is not ready, with the reason it gives', async () => {
    const h = host({ notServing: () => 'not serving clients yet' });
    expect(await new ReadinessCheck(h, 50).check()).toEqual({ ready: false, reason: 'not serving clients yet' });
    expect(h.barriers).toHaveLength(0);
  });

  it('a standalone member is ready once it serves, without a barrier', async () => {
    const h = host({ standalone: true });
    expect(await new ReadinessCheck(h, 50).check()).toEqual({ ready: true });
    expect(h.barriers).toHaveLength(0);
  });

  it('a leader without a quorum connected, or a follower without a leader, is not ready at once', async () => {
    const leader = host({ isLeader: () => true, quorumReachable: () => false });
    expect(await new ReadinessCheck(leader, 10_000).check()).toEqual({ ready: false, reason: 'leader without a quorum of voters connected' });
    const follower = host({ hasReachableLeader: () => false });
    expect(await new ReadinessCheck(follower, 10_000).check()).toEqual({ ready: false, reason: 'no leader reachable' });
    expect([leader.barriers, follower.barriers]).toEqual([[], []]);
  });

  it('a follower is ready once the barrier completes, not before; overlapping checks share one barrier', async () => {
    const h = host();
    const check = new ReadinessCheck(h, 30);
    expect(await check.check()).toEqual({ ready: false, reason: 'catching up with the leader' });
    const pending = check.check();
    expect(h.barriers).toHaveLength(1); // the second check waits on the first one's barrier
    h.barriers[0]!();
    expect(await pending).toEqual({ ready: true });
    // Once done, the next check asks the leader again: readiness is never answered from an old barrier.
    const next = check.check();
    expect(h.barriers).toHaveLength(2);
    h.barriers[1]!();
    expect(await next).toEqual({ ready: true });
  });

  it('a leader whose barrier does not complete (its quorum does not answer) is not ready', async () => {
    const h = host({ isLeader: () => true });
    expect(await new ReadinessCheck(h, 20).check()).toEqual({ ready: false, reason: 'leader whose quorum has not confirmed it' });
  });
});
