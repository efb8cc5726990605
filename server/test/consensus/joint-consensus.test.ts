// Several member changes in one request: joint consensus in the core (C_old,new, then the automatic leave).
import { describe, expect, it } from 'vitest';
import { RaftCore } from '../../src/consensus/raft.js';
import { MsgType } from '../../src/consensus/messages.js';
import { decodeConfig, type MembershipChange } from '../../src/consensus/membership.js';
import { EntryKind, type Membership } from '../../src/consensus/types.js';
import { Cluster, membershipOf } from './cluster.js';
import type { WireMessage } from './sim-node.js';
import { mulberry32 } from './prng.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);

/** Config entries of a node's log, decoded, in order. */
function configEntries(c: Cluster, id: number) {
  const core = c.node(id).core;
  const out = [];
  for (let i = core.firstIndex; i <= core.lastIndex; i++) {
    const e = core.entry(i)!;
    if (e.kind === EntryKind.Config) out.push({ index: i, term: e.term, ...decodeConfig(e.data) });
  }
  return out;
}

/** Drops appends that carry the entry leaving a joint config (so nobody else gets it). */
const holdLeave = (m: WireMessage) =>
  m.type === MsgType.Append && (m.entries ?? []).some((e) => e.kind === EntryKind.Config && decodeConfig(e.data).changes.length === 0);

/** Drops acknowledgements (from `members`, default all) of `index` and beyond, so nothing from there commits. */
const holdAcks =
  (index: number, members?: number[]) =>
  (m: WireMessage): boolean =>
    m.type === MsgType.AppendResp && !m.reject && (m.index ?? 0) >= index && (!members || members.includes(m.from));

const swapMajority: MembershipChange[] = [
  { id: 2, role: 'removed' },
  { id: 3, role: 'removed' },
  { id: 4, role: 'voter' },
  { id: 5, role: 'voter' },
];

describe('joint consensus', () => {
  it('adds two voters in one request: a joint entry, then the leave entry appended and committed by itself', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const r = c.node(1).core.proposeMembership([
      { id: 4, role: 'voter' },
      { id: 5, role: 'voter' },
    ]);
    expect(r.ok).toBe(true);
    c.stabilize();
    const configs = configEntries(c, 1);
    expect(configs).toHaveLength(2);
    expect(configs[0]!.membership).toEqual({
      voters: [1, 2, 3, 4, 5],
      neverLeaders: [],
      observers: [],
      outgoing: { voters: [1, 2, 3], neverLeaders: [], observers: [] },
    });
    expect(configs[1]).toMatchObject({ index: configs[0]!.index + 1, changes: [], membership: { voters: [1, 2, 3, 4, 5], neverLeaders: [], observers: [] } });
    expect(configs[1]!.membership.outgoing).toBeUndefined();
    for (const n of c.nodes.values()) {
      expect(n.core.membership).toEqual({ voters: [1, 2, 3, 4, 5], neverLeaders: [], observers: [] });
      expect(n.core.commitIndex).toBe(configs[1]!.index);
    }
  });

  it('a single voter change, or changes that leave the voting set alone, take one entry', () => {
    const c = new Cluster(membershipOf([1, 2], [3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const core = c.node(1).core;
    expect(core.proposeMembership([{ id: 4, role: 'observer' }, { id: 5, role: 'voter' }]).ok).toBe(true);
    c.stabilize();
    expect(core.proposeMembership([{ id: 3, role: 'voter' }, { id: 2, role: 'neverLeader' }, { id: 4, role: 'removed' }]).ok).toBe(true);
    c.stabilize();
    expect(configEntries(c, 1).map((e) => e.membership.outgoing)).toEqual([undefined, undefined]);
    expect(core.membership).toEqual({ voters: [1, 3, 5], neverLeaders: [2], observers: [] });
  });

  for (const [silent, half] of [
    [[4, 5], 'C_new'],
    [[2, 3], 'C_old'],
  ] as const) {
    it(`while joint, nothing commits without a majority of ${half} (C_old = {1,2,3}, C_new = {1,4,5})`, () => {
      const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
      c.elect(1);
      const leader = c.node(1).core;
      c.catchUp(1, [4, 5]);
      const joint = leader.proposeMembership(swapMajority);
      const leave = leader.lastIndex + 1;
      c.filters.push(holdAcks(leave, [...silent])); // only the leader acknowledges for that half
      c.stabilize();
      expect(joint.ok && leader.commitIndex === joint.index).toBe(true);
      expect(leader.membership.outgoing).toEqual({ voters: [1, 2, 3], neverLeaders: [], observers: [] });
      expect(leader.entry(leave)?.kind).toBe(EntryKind.Config);
      const r = leader.propose(bytes(1));
      c.tick(3);
      for (const id of [2, 3, 4, 5]) expect(c.node(id).core.lastIndex).toBe(r.ok ? r.index : -1);
      expect(leader.commitIndex).toBe(leave - 1);
      c.heal();
      c.tick(2);
      expect(leader.membership).toEqual({ voters: [1, 4, 5], neverLeaders: [], observers: [] });
      expect(c.node(4).core.commitIndex).toBe(r.ok ? r.index : -1);
    });
  }

  it('a candidate in a joint config needs votes from a majority of both', () => {
    const joint: Membership = { voters: [1, 4, 5], neverLeaders: [], observers: [], outgoing: { voters: [1, 2, 3], neverLeaders: [], observers: [] } };
    const core = new RaftCore({ id: 4, snapshot: { index: 5, term: 1, membership: joint }, random: mulberry32(3) });
    expect(core.campaign()).toBe(true);
    const preVotes = core.ready().messages;
    expect(preVotes.filter((m) => m.type === MsgType.PreVote).map((m) => m.to)).toEqual([1, 2, 3, 5]);
    const grant = (from: number, type: MsgType) => core.step({ type, from, to: 4, term: core.term + (type === MsgType.PreVoteResp ? 1 : 0), reject: false });
    grant(5, MsgType.PreVoteResp);
    grant(1, MsgType.PreVoteResp); // C_new {1,4,5} granted, C_old {1,2,3} has one of three
    expect(core.role).toBe('preCandidate');
    grant(2, MsgType.PreVoteResp);
    expect(core.role).toBe('candidate');
    core.persisted(core.ready().persist!.id);
    grant(2, MsgType.VoteResp);
    grant(3, MsgType.VoteResp); // C_old won, C_new has only the candidate itself
    expect(core.role).toBe('candidate');
    grant(5, MsgType.VoteResp);
    expect(core.role).toBe('leader');
  });

  it('a joint election is lost when either majority refuses', () => {
    const joint: Membership = { voters: [1, 4, 5], neverLeaders: [], observers: [], outgoing: { voters: [1, 2, 3], neverLeaders: [], observers: [] } };
    const core = new RaftCore({ id: 4, snapshot: { index: 5, term: 1, membership: joint }, random: mulberry32(3) });
    core.campaign();
    core.ready();
    for (const from of [1, 5]) core.step({ type: MsgType.PreVoteResp, from, to: 4, term: core.term, reject: true });
    expect(core.role).toBe('follower'); // C_old could still grant, but C_new cannot
  });

  it('replaces a majority while the leader stays: every node ends in C_new with the same log', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 2, {}, {}, [4, 5]);
    c.elect(1);
    for (let i = 0; i < 5; i++) c.node(1).core.propose(bytes(i));
    c.catchUp(1, [4, 5]);
    expect(c.node(1).core.proposeMembership(swapMajority).ok).toBe(true);
    c.stabilize();
    c.node(2).crash(0);
    c.node(3).crash(0);
    const r = c.node(1).core.propose(bytes(9)); // C_new alone commits it
    expect(r.ok).toBe(true);
    c.stabilize();
    for (const id of [1, 4, 5]) {
      expect(c.node(id).core.membership).toEqual({ voters: [1, 4, 5], neverLeaders: [], observers: [] });
      expect(c.node(id).app).toEqual(c.node(1).app);
    }
    expect(c.node(1).core.commitIndex).toBe(r.ok ? r.index : -1);
  });

  it('members a joint change removes learn that the leave entry committed, and stay quiet', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    c.catchUp(1, [4, 5]);
    expect(c.node(1).core.proposeMembership(swapMajority).ok).toBe(true);
    c.stabilize();
    const leave = c.node(1).core.commitIndex;
    c.tick(50);
    for (const id of [2, 3]) {
      expect(c.node(id).core.membership).toEqual({ voters: [1, 4, 5], neverLeaders: [], observers: [] });
      expect(c.node(id).core.commitIndex).toBe(leave);
      expect(c.node(id).core.role).toBe('follower');
    }
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).core.term).toBe(1);
  });

  it('a leader that the request removes hands over first to a voter that stays, which carries the change', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const request: MembershipChange[] = [
      { id: 1, role: 'removed' },
      { id: 2, role: 'removed' },
      { id: 4, role: 'voter' },
      { id: 5, role: 'voter' },
    ];
    c.catchUp(1, [4, 5]);
    expect(c.node(1).core.proposeMembership(request)).toEqual({ ok: false, error: 'transferring', leader: 1 });
    c.stabilize();
    expect(c.leaders()).toEqual([3]); // not 2, which the request removes too
    c.catchUp(3, [4, 5]);
    expect(c.node(3).core.proposeMembership(request).ok).toBe(true);
    c.stabilize();
    const leader = c.node(3).core;
    expect(leader.membership).toEqual({ voters: [3, 4, 5], neverLeaders: [], observers: [] });
    expect(leader.propose(bytes(7)).ok).toBe(true);
    c.stabilize();
    for (const id of [3, 4, 5]) expect(c.node(id).core.commitIndex).toBe(leader.commitIndex);
  });

  it('with nobody to hand over to, a leader that C_new removes carries the change through, then hands over', () => {
    const c = new Cluster(membershipOf([1], [], [2]), 1, {}, {}, [3]);
    c.elect(1);
    c.catchUp(1, [3]);
    const r = c.node(1).core.proposeMembership([
      { id: 1, role: 'removed' },
      { id: 2, role: 'voter' },
      { id: 3, role: 'voter' },
    ]);
    expect(r.ok).toBe(true);
    c.stabilize();
    expect(configEntries(c, 1).map((e) => e.membership.outgoing)).toEqual([{ voters: [1], neverLeaders: [], observers: [2] }, undefined]);
    c.tick(3);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    expect([2, 3]).toContain(leaders[0]);
    expect(c.node(leaders[0]!).core.membership).toEqual({ voters: [2, 3], neverLeaders: [], observers: [] });
  });

  it('a new leader that inherits a joint config leaves it once its Noop commits', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    c.filters.push(holdLeave);
    c.catchUp(1, [4, 5]);
    c.node(1).core.proposeMembership(swapMajority);
    c.stabilize();
    c.node(1).crash(0);
    c.heal();
    c.tick(60);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    const configs = configEntries(c, leaders[0]!);
    const leave = configs[configs.length - 1]!;
    expect(leave.changes).toEqual([]);
    expect(leave.term).toBeGreaterThan(1); // not the crashed leader's (a leaving voter may lead it, then hand over)
    expect(leave.membership).toEqual({ voters: [1, 4, 5], neverLeaders: [], observers: [] });
    expect([4, 5]).toContain(leaders[0]);
    expect(c.node(leaders[0]!).core.commitIndex).toBeGreaterThanOrEqual(leave.index);
  });

  it("NEWCONFIGNOQUORUM: refuses a change whose new configuration lacks a quorum of members that are up", () => {
    const c = new Cluster(membershipOf([1, 2, 3, 4, 5]), 1, {}, {}, [6, 7]);
    c.elect(1);
    c.isolate(4);
    c.isolate(5);
    c.tick(25); // two check-quorum rounds: 4 and 5 count as down
    const core = c.node(1).core;
    expect(core.role).toBe('leader');
    // {1,4,5}: only the leader is up. {1,2,4,5} (remove 3): 2 of 4. Adding 6 and 7 to {1,2,3} needs neither.
    expect(core.proposeMembership([{ id: 2, role: 'removed' }, { id: 3, role: 'removed' }])).toMatchObject({ ok: false, error: 'newConfigNoQuorum' });
    expect(core.proposeMembership({ id: 3, role: 'removed' })).toMatchObject({ ok: false, error: 'newConfigNoQuorum' });
    expect(core.proposeMembership([{ id: 4, role: 'removed' }, { id: 5, role: 'removed' }]).ok).toBe(true);
    c.stabilize();
    expect(core.membership).toEqual(membershipOf([1, 2, 3]));
    expect(core.proposeMembership([{ id: 6, role: 'voter' }, { id: 7, role: 'voter' }]).ok).toBe(true);
  });

  it('NEWCONFIGNOQUORUM: counts a joining server toward the new quorum only once staged and synced', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    c.isolate(3);
    c.tick(25); // 3 counts as down
    const core = c.node(1).core;
    expect(core.role).toBe('leader');
    const addBoth = [{ id: 4, role: 'voter' as const }, { id: 5, role: 'voter' as const }];
    // {1,2,3,4,5} with 3 down: the leader and 2, plus whichever joiners are synced, must make 3.
    expect(core.proposeMembership(addBoth)).toMatchObject({ ok: false, error: 'newConfigNoQuorum' });
    c.isolate(4);
    c.catchUp(1, [4, 5]);
    expect([core.catchUpOf(4), core.catchUpOf(5)]).toEqual(['silent', 'synced']);
    expect(core.proposeMembership({ id: 4, role: 'voter' })).toMatchObject({ ok: false, error: 'newConfigNoQuorum' });
    expect(core.membership).toEqual(membershipOf([1, 2, 3])); // staged servers count toward nothing
    expect(core.proposeMembership(addBoth).ok).toBe(true);
  });

  it('refuses a second change while joint', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const core = c.node(1).core;
    c.filters.push(holdLeave);
    c.catchUp(1, [4, 5]);
    expect(core.proposeMembership(swapMajority).ok).toBe(true);
    c.stabilize();
    expect(core.membership.outgoing).toBeDefined();
    expect(core.proposeMembership([{ id: 2, role: 'voter' }])).toMatchObject({ ok: false, error: 'reconfigInProgress' });
  });

  it('a never-leader made a voter may not lead until the joint config is left', () => {
    const c = new Cluster(membershipOf([1, 2], [3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const core = c.node(1).core;
    c.filters.push(holdAcks(core.lastIndex + 2));
    expect(core.proposeMembership([3, 4, 5].map((id) => ({ id, role: 'voter' as const }))).ok).toBe(true);
    c.stabilize();
    expect(c.node(3).core.membership.outgoing?.neverLeaders).toEqual([3]);
    expect(c.node(1).core.transferLeadership(3)).toMatchObject({ ok: false, error: 'noEligibleTarget' });
    c.node(1).crash(0);
    expect(c.node(3).core.campaign()).toBe(false);
    c.node(3).core.step({ type: MsgType.TimeoutNow, from: 1, to: 3, term: c.node(3).core.term });
    expect(c.node(3).core.role).toBe('follower');
    c.tick(80);
    expect(c.leaders().filter((id) => id !== 3)).toHaveLength(1);
    expect(c.node(3).core.role).not.toBe('leader');
  });

  it('snapshots taken while joint carry both configurations to a member that catches up from one', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
    c.elect(1);
    const hold = holdAcks(c.node(1).core.lastIndex + 2);
    c.filters.push(hold);
    c.isolate(5);
    c.catchUp(1, [4, 5]); // 4 is synced: with the leader, a majority of C_new
    c.node(1).core.proposeMembership(swapMajority);
    c.stabilize();
    c.node(1).compact();
    expect(c.node(1).core.snapshotMeta.membership).toMatchObject({ voters: [1, 4, 5], outgoing: { voters: [1, 2, 3] } });
    c.filters = [hold];
    c.tick(2);
    expect(c.delivered.some((m) => m.type === MsgType.Snapshot && m.to === 5)).toBe(true);
    expect(c.node(5).core.membership).toEqual(c.node(1).core.membership);
    c.heal();
    c.tick(2);
    expect(c.node(5).core.membership).toEqual({ voters: [1, 4, 5], neverLeaders: [], observers: [] });
  });
});
