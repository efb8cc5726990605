// When a member lets its clients go for want of a leader or quorum, tick by tick: at once (after a short
// confirmation) when no quorum is reachable, after a bounded wait while an election may still succeed, and not at
// all for a link that drops and comes back, or an election decided in time.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { connectedQuorum, QuorumLoss } from '../../src/member/quorum-loss.js';

const LIMITS = { confirmCutOffTicks: 3, electionGraceTicks: 20 };

function harness() {
  const world = { leader: true, reachable: true, drops: [] as string[] };
  const loss = new QuorumLoss(
    {
      log: pino({ level: 'silent' }),
      hasLeader: () => world.leader,
      quorumReachable: () => world.reachable,
      dropClients: (reason) => world.drops.push(reason),
    },
    LIMITS,
  );
  /** Ticks `n` times; returns the tick (1-based) on which clients were dropped, if they were. */
  const ticks = (n: number): number | undefined => {
    const before = world.drops.length;
    for (let i = 1; i <= n; i++) {
      loss.tick();
      if (world.drops.length > before) return i;
    }
    return undefined;
  };
  return { world, loss, ticks };
}

describe('QuorumLoss', () => {
  it('keeps clients while a reachable leader and a quorum are there', () => {
    const { loss, ticks } = harness();
    expect(ticks(100)).toBeUndefined();
    expect(loss.refusing).toBe(false);
  });

  it('drops clients once no quorum has been reachable for the confirmation ticks, leader or not, and refuses until both are back', () => {
    for (const leader of [true, false]) {
      const { world, loss, ticks } = harness();
      world.leader = leader; // a leader whose followers went still thinks it leads for a while
      world.reachable = false;
      expect(ticks(10)).toBe(LIMITS.confirmCutOffTicks);
      expect(world.drops).toEqual(['no quorum reachable']);
      expect(loss.refusing).toBe(true);
      expect(ticks(50)).toBeUndefined(); // once
      world.reachable = true;
      world.leader = false; // quorum reachable again, election under way: still refusing
      expect(ticks(1)).toBeUndefined();
      expect(loss.refusing).toBe(true);
      world.leader = true;
      ticks(1);
      expect(loss.refusing).toBe(false);
    }
  });

  it('ignores a peer link that drops and is back within the confirmation ticks', () => {
    const { world, loss, ticks } = harness();
    world.reachable = false;
    expect(ticks(LIMITS.confirmCutOffTicks - 1)).toBeUndefined();
    world.reachable = true;
    expect(ticks(1)).toBeUndefined();
    world.reachable = false;
    expect(ticks(LIMITS.confirmCutOffTicks - 1)).toBeUndefined(); // counted afresh
    expect(loss.refusing).toBe(false);
  });

  it('waits up to the election grace for a leader while a quorum is reachable', () => {
    const { world, loss, ticks } = harness();
    world.leader = false;
    expect(ticks(LIMITS.electionGraceTicks - 1)).toBeUndefined();
    world.leader = true; // elected in time
    expect(ticks(1)).toBeUndefined();
    expect(loss.refusing).toBe(false);
    world.leader = false;
    expect(ticks(100)).toBe(LIMITS.electionGraceTicks);
    expect(world.drops).toEqual(['no leader elected in time']);
  });

  it('a cut-off during an election counts the ticks already spent without a leader', () => {
    const { world, ticks } = harness();
    world.leader = false;
    expect(ticks(10)).toBeUndefined();
    world.reachable = false;
    expect(ticks(1)).toBe(1);
  });
});

describe('connectedQuorum', () => {
  const three = { voters: [1, 2, 3], neverLeaders: [], observers: [4] };
  it('counts this member and the voters it is connected to', () => {
    expect(connectedQuorum(three, 1, (id) => id === 2)).toBe(true);
    expect(connectedQuorum(three, 1, () => false)).toBe(false);
    // Observers do not count, not even an observer itself.
    expect(connectedQuorum(three, 4, (id) => id === 1)).toBe(false);
    expect(connectedQuorum(three, 4, (id) => id === 1 || id === 2)).toBe(true);
    // Never-leaders vote.
    expect(connectedQuorum({ voters: [1, 2], neverLeaders: [3], observers: [] }, 1, (id) => id === 3)).toBe(true);
  });

  it('needs a quorum of both halves of a joint membership', () => {
    const joint = { voters: [3, 4, 5], neverLeaders: [], observers: [], outgoing: { voters: [1, 2, 3], neverLeaders: [], observers: [] } };
    expect(connectedQuorum(joint, 3, (id) => id === 1)).toBe(false); // old half yes, new half no
    expect(connectedQuorum(joint, 3, (id) => id === 1 || id === 4)).toBe(true);
  });
});
