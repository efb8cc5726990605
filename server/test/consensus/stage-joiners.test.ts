// A leader replicates to servers about to join before the change that adds them (RaftCore.stageJoiners).
import { describe, expect, it } from 'vitest';
import { MsgType } from '../../src/consensus/messages.js';
import { Cluster, membershipOf } from './cluster.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const swapMajority = [
  { id: 2, role: 'removed' as const },
  { id: 3, role: 'removed' as const },
  { id: 4, role: 'voter' as const },
  { id: 5, role: 'voter' as const },
];

describe('staged joiners', () => {
  it('get the log but count toward nothing: no votes, no commits, no leadership', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const leader = c.node(1).core;
    for (let i = 0; i < 3; i++) leader.propose(bytes(i));
    c.catchUp(1, [4, 5]);
    expect([leader.catchUpOf(4), leader.catchUpOf(5)]).toEqual(['synced', 'synced']);
    for (const id of [4, 5]) expect(c.node(id).app).toEqual(c.node(1).app);
    expect(leader.membership).toEqual(membershipOf([1, 2, 3]));
    expect(leader.transferLeadership(4)).toMatchObject({ ok: false, error: 'noEligibleTarget' });

    // With 2 and 3 silent, acknowledgements from 4 and 5 commit nothing.
    c.isolate(2);
    c.isolate(3);
    const r = leader.propose(bytes(9));
    c.stabilize();
    expect(c.node(4).core.lastIndex).toBe(r.ok ? r.index : -1);
    expect(leader.commitIndex).toBe((r.ok ? r.index : 0) - 1);
    // Nor do they keep the leader in office: check-quorum counts members only.
    c.tick(25);
    expect(leader.role).toBe('follower');
    expect(c.delivered.some((m) => (m.type === MsgType.Vote || m.type === MsgType.PreVote) && [4, 5].includes(m.to))).toBe(false);
  });

  it('one that needs entries the leader compacted is sent a snapshot and is synced after it', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    for (let i = 0; i < 5; i++) c.node(1).core.propose(bytes(i));
    c.stabilize();
    c.node(1).compact();
    c.isolate(4); // never answers
    c.catchUp(1, [4, 5]);
    const leader = c.node(1).core;
    expect(c.delivered.some((m) => m.type === MsgType.Snapshot && m.to === 5)).toBe(true);
    expect(leader.catchUpOf(5)).toBe('synced');
    expect(leader.catchUpOf(4)).toBe('silent');
    expect(c.node(5).app).toEqual(c.node(1).app);
  });

  it('a joint change over synced joiners commits; they become ordinary members, and unstaging leaves them be', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const leader = c.node(1).core;
    c.catchUp(1, [4, 5]);
    expect(leader.proposeMembership(swapMajority).ok).toBe(true);
    c.stabilize();
    expect(leader.membership).toEqual(membershipOf([1, 4, 5]));
    leader.stageJoiners([]);
    expect(leader.catchUpOf(4)).toBe('synced');
    const r = leader.propose(bytes(7));
    c.stabilize();
    expect(leader.commitIndex).toBe(r.ok ? r.index : -1);
  });

  it('unstaging stops replication to a server that did not join; losing leadership drops the staged set', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const leader = c.node(1).core;
    c.catchUp(1, [4, 5]);
    leader.stageJoiners([5]);
    expect(leader.catchUpOf(4)).toBeUndefined();
    const r = leader.propose(bytes(3));
    c.stabilize();
    expect(c.node(4).core.lastIndex).toBeLessThan(r.ok ? r.index : 0);
    expect(c.node(5).core.lastIndex).toBe(r.ok ? r.index : -1);

    expect(leader.transferLeadership(2).ok).toBe(true);
    c.stabilize();
    expect(c.leaders()).toEqual([2]);
    expect(leader.catchUpOf(5)).toBeUndefined();
    expect(c.node(2).core.catchUpOf(5)).toBeUndefined();
    expect(c.node(2).core.proposeMembership(swapMajority)).toMatchObject({ ok: false, error: 'newConfigNoQuorum' });
  });
});
