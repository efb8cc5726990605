import { describe, expect, it } from 'vitest';
import { RaftCore } from '../../src/consensus/raft.js';
import { MsgType, type Message } from '../../src/consensus/messages.js';
import { decodeConfig, encodeConfig } from '../../src/consensus/membership.js';
import { EntryKind, type Entry } from '../../src/consensus/types.js';
import { Cluster, membershipOf } from './cluster.js';
import { mulberry32 } from './prng.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const entry = (index: number, term: number): Entry => ({ index, term, kind: EntryKind.Normal, data: bytes(index) });

function proposeOk(c: Cluster, id: number, ...data: number[]): number {
  const r = c.node(id).core.propose(bytes(...data));
  if (!r.ok) throw new Error(`proposal refused: ${r.error}`);
  c.stabilize();
  return r.index;
}

describe('single member', () => {
  it('leads and commits only once its own persistence is acknowledged', () => {
    const c = new Cluster(membershipOf([1]));
    c.slowDisk.add(1);
    const n = c.node(1);
    expect(n.core.campaign()).toBe(true);
    c.stabilize();
    expect(n.core.role).toBe('candidate'); // its own vote is not durable yet
    n.flush();
    c.stabilize();
    expect(n.core.role).toBe('leader');
    const r = n.core.propose(bytes(7));
    expect(r).toMatchObject({ ok: true, index: 2 });
    c.stabilize();
    expect(n.core.commitIndex).toBe(0);
    n.flush();
    c.stabilize();
    expect(n.core.commitIndex).toBe(2);
    expect(n.app.index).toBe(2);
  });

  it('elects itself by ticking and answers reads at once', () => {
    const c = new Cluster(membershipOf([1]));
    c.tick(25);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).core.readIndex(42)).toEqual({ ok: true });
    c.stabilize();
    expect(c.node(1).reads).toEqual([{ ctx: 42, index: 1 }]);
  });

  it('resumes from recovered state after a restart', () => {
    const c = new Cluster(membershipOf([1]));
    c.elect(1);
    proposeOk(c, 1, 5);
    const n = c.node(1);
    n.crash(0);
    n.restart();
    expect(n.core.lastIndex).toBe(2);
    expect(n.core.term).toBe(1);
    c.stabilize();
    expect(n.app.index).toBe(2); // committed entries are handed out again after a restart
    c.elect(1);
    expect(n.core.term).toBe(2);
  });
});

describe('elections', () => {
  it('elects one leader; followers learn it; the Noop commits everywhere', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.tick(30);
    const leaders = c.leaders();
    expect(leaders).toHaveLength(1);
    for (const n of c.nodes.values()) {
      expect(n.core.leader).toBe(leaders[0]);
      expect(n.core.entry(1)?.kind).toBe(EntryKind.Noop);
      expect(n.core.commitIndex).toBe(1);
    }
  });

  it('holds vote grants back until the vote is durable', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.slowDisk.add(2).add(3);
    c.elect(1);
    expect(c.node(1).core.role).toBe('candidate');
    expect(c.delivered.some((m) => m.type === MsgType.VoteResp)).toBe(false);
    c.node(2).flush();
    c.stabilize();
    expect(c.node(1).core.role).toBe('leader');
  });

  it('pre-vote: an isolated node does not inflate its term or disrupt the leader on return', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(3);
    c.tick(100);
    expect(c.node(3).core.term).toBe(1);
    c.heal();
    c.tick(5);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).core.term).toBe(1);
  });

  it('check-quorum: a leader cut off from its quorum steps down, the rest elect a new one', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(1);
    c.tick(40);
    expect(c.node(1).core.role).not.toBe('leader');
    const others = c.leaders();
    expect(others).toHaveLength(1);
    expect(others[0]).not.toBe(1);
  });

  it('a leader reported unreachable by every follower is replaced before an election timeout passes', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(1);
    c.node(2).core.peerUnreachable(1);
    c.node(3).core.peerUnreachable(1);
    // Fewer ticks than the shortest election timeout (10): only the early campaign can elect anyone.
    c.tick(9);
    const leaders = c.leaders().filter((id) => id !== 1);
    expect(leaders).toHaveLength(1);
    expect(c.node(leaders[0]!).core.term).toBeGreaterThan(1);
  });

  it('a false alarm from one follower leaves a live leader in place (pre-vote refused under its lease)', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.node(2).core.peerUnreachable(1);
    c.node(3).core.peerUnreachable(2); // not its leader: ignored
    c.stabilize();
    c.tick(3);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).core.term).toBe(1);
  });

  it('followers with a live leader ignore vote requests (leader lease)', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    const follower = c.node(2).core;
    follower.step({ type: MsgType.Vote, from: 3, to: 2, term: 5, index: 10, logTerm: 5 });
    expect(follower.term).toBe(1);
    expect(follower.leader).toBe(1);
  });

  it('refuses votes to candidates with a stale log, after persisting the new term', () => {
    const core = new RaftCore({
      id: 3,
      snapshot: { index: 0, term: 0, membership: membershipOf([1, 2, 3]) },
      hardState: { term: 2, vote: 0, commit: 1 },
      entries: [entry(1, 1), entry(2, 2)],
      random: mulberry32(1),
    });
    core.step({ type: MsgType.Vote, from: 1, to: 3, term: 3, index: 5, logTerm: 1 });
    const rd = core.ready();
    expect(rd.persist?.hardState).toEqual({ term: 3, vote: 0, commit: 1 });
    expect(rd.messages).toEqual([]);
    core.persisted(rd.persist!.id);
    expect(core.ready().messages).toEqual([{ type: MsgType.VoteResp, from: 3, to: 1, term: 3, reject: true }]);
    core.step({ type: MsgType.Vote, from: 2, to: 3, term: 3, index: 2, logTerm: 2 });
    const grant = core.ready();
    expect(grant.persist?.hardState).toEqual({ term: 3, vote: 2, commit: 1 });
    core.persisted(grant.persist!.id);
    expect(core.ready().messages).toMatchObject([{ type: MsgType.VoteResp, to: 2, reject: false }]);
  });

  /** Member 3 of {1, 2, 3} at term 2 with entries 1..2 committed and no leader known. */
  const lagging = () =>
    new RaftCore({
      id: 3,
      snapshot: { index: 0, term: 0, membership: membershipOf([1, 2, 3]) },
      hardState: { term: 2, vote: 0, commit: 2 },
      entries: [entry(1, 1), entry(2, 2)],
      random: mulberry32(1),
    });

  it('gives a candidate its membership does not name no vote, no answer and no term', () => {
    const core = lagging();
    const start = core.ready();
    if (start.persist) core.persisted(start.persist.id);
    for (const type of [MsgType.PreVote, MsgType.Vote]) core.step({ type, from: 4, to: 3, term: 9, index: 9, logTerm: 9 });
    expect(core.term).toBe(2);
    expect(core.hasReady()).toBe(false);
    core.step({ type: MsgType.PreVote, from: 2, to: 3, term: 3, index: 2, logTerm: 2 });
    expect(core.ready().messages).toMatchObject([{ type: MsgType.PreVoteResp, to: 2, reject: false }]);
  });

  it('follows and answers a leader its membership does not name yet (it lags behind the change adding it)', () => {
    const core = lagging();
    core.step({ type: MsgType.Heartbeat, from: 4, to: 3, term: 5, commit: 2 });
    expect(core.term).toBe(5);
    expect(core.leader).toBe(4);
    const append = { type: MsgType.Append, from: 4, to: 3, term: 5, index: 2, logTerm: 2, entries: [entry(3, 5)], commit: 3 };
    core.step(append);
    const rd = core.ready();
    core.persisted(rd.persist!.id);
    const answers = [...rd.messages, ...core.ready().messages];
    expect(answers).toContainEqual({ type: MsgType.HeartbeatResp, from: 3, to: 4, term: 5 });
    expect(answers).toContainEqual({ type: MsgType.AppendResp, from: 3, to: 4, term: 5, index: 3 });
    expect(core.commitIndex).toBe(3);
  });
});

describe('replication and commit', () => {
  it('replicates and applies the same entries in order everywhere', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    for (let i = 0; i < 20; i++) c.node(1).core.propose(bytes(i));
    c.stabilize();
    const hashes = [...c.nodes.values()].map((n) => n.app);
    expect(new Set(hashes.map((a) => `${a.index}:${a.hash}`)).size).toBe(1);
    expect(hashes[0]!.index).toBe(21);
  });

  it('counts the leader toward quorum only up to its persisted index', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.slowDisk.add(1);
    c.filters.push((m) => m.to === 3 || m.from === 3);
    c.node(1).core.propose(bytes(1));
    c.stabilize();
    expect(c.node(1).core.commitIndex).toBe(1); // 2 has it, but the leader's copy is not durable
    c.node(1).flush();
    c.stabilize();
    expect(c.node(1).core.commitIndex).toBe(2);
  });

  it('never commits an entry of an earlier term by counting replicas', () => {
    // Node 1 recovers with an uncommitted entry of term 1 and wins term 2.
    const membership = membershipOf([1, 2, 3]);
    const leader = new RaftCore({
      id: 1,
      snapshot: { index: 0, term: 0, membership },
      hardState: { term: 1, vote: 1, commit: 1 },
      entries: [entry(1, 1), entry(2, 1)],
      random: mulberry32(1),
    });
    const reply = (m: Partial<Message>) => leader.step({ from: 2, to: 1, term: leader.term, type: MsgType.AppendResp, ...m } as Message);
    leader.campaign();
    leader.step({ type: MsgType.PreVoteResp, from: 2, to: 1, term: 2, reject: false });
    leader.persisted(leader.ready().persist!.id);
    leader.step({ type: MsgType.VoteResp, from: 2, to: 1, term: 2, reject: false });
    expect(leader.role).toBe('leader');
    leader.persisted(leader.ready().persist!.id); // the Noop (index 3) is durable on the leader
    reply({ index: 2 }); // follower 2 holds entry 2 (term 1): a majority, but of an old term
    expect(leader.commitIndex).toBe(1);
    reply({ index: 3 });
    expect(leader.commitIndex).toBe(3);
  });

  it('backs off quickly over a divergent follower log and overwrites it', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 10; i++) c.node(1).core.propose(bytes(i)); // 3 never sees these
    c.stabilize();
    c.heal();
    c.isolate(1);
    c.tick(30, [2, 3]);
    expect(c.leaders().filter((id) => id !== 1)).toEqual([2]); // 2 has the longer log
    c.heal();
    c.tick(3);
    const a = c.node(2).app;
    expect(c.node(3).app).toEqual(a);
    expect(c.node(1).app).toEqual(a);
  });

  it('bounds unacknowledged appends to the in-flight window', () => {
    const c = new Cluster(membershipOf([1, 2]), 1, { maxInflightMsgs: 3, maxMsgBytes: 1 });
    c.elect(1);
    c.filters.push((m) => m.type === MsgType.AppendResp);
    const before = c.delivered.length;
    for (let i = 0; i < 10; i++) c.node(1).core.propose(bytes(i));
    c.stabilize();
    const appends = c.delivered.slice(before).filter((m) => m.type === MsgType.Append && (m.entries?.length ?? 0) > 0);
    expect(appends).toHaveLength(3);
    c.heal();
    c.tick(2);
    expect(c.node(2).app.index).toBe(11);
  });

  it('non-leaders refuse proposals with a leader hint', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(2);
    expect(c.node(1).core.propose(bytes(1))).toEqual({ ok: false, error: 'notLeader', leader: 2 });
  });
});

describe('leadership transfer', () => {
  it('hands over to a named voter, refusing proposals meanwhile', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(3); // 3 lags, so the transfer must first catch it up
    proposeOk(c, 1, 1);
    c.heal();
    expect(c.node(1).core.transferLeadership(3)).toEqual({ ok: true, target: 3 });
    expect(c.node(1).core.propose(bytes(2))).toMatchObject({ ok: false, error: 'transferring' });
    c.stabilize(); // no ticks: the target campaigns at once on TimeoutNow
    expect(c.leaders()).toEqual([3]);
    expect(c.node(3).core.term).toBe(2);
  });

  it("'any' picks the most up-to-date eligible voter", () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(2);
    proposeOk(c, 1, 1);
    expect(c.node(1).core.transferLeadership('any')).toEqual({ ok: true, target: 3 });
  });

  it('never transfers to observers or never-leaders', () => {
    const c = new Cluster(membershipOf([1], [2], [3]));
    c.elect(1);
    const core = c.node(1).core;
    expect(core.transferLeadership(2)).toMatchObject({ ok: false, error: 'noEligibleTarget' });
    expect(core.transferLeadership(3)).toMatchObject({ ok: false, error: 'noEligibleTarget' });
    expect(core.transferLeadership('any')).toMatchObject({ ok: false, error: 'noEligibleTarget' });
  });

  it('aborts after an election timeout when the target does not take over', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.filters.push((m) => m.type === MsgType.TimeoutNow);
    expect(c.node(1).core.transferLeadership(2).ok).toBe(true);
    c.tick(5);
    expect(c.node(1).core.propose(bytes(1)).ok).toBe(false);
    c.tick(10);
    expect(c.leaders()).toEqual([1]);
    expect(c.node(1).core.propose(bytes(1)).ok).toBe(true);
  });
});

describe('never-leader voters and observers', () => {
  it('a never-leader votes and counts for quorum but never campaigns or obeys TimeoutNow', () => {
    const c = new Cluster(membershipOf([1, 2], [3]));
    c.elect(1);
    c.isolate(2); // 1 + 3 are still a quorum
    expect(proposeOk(c, 1, 1)).toBe(2);
    expect(c.node(1).core.commitIndex).toBe(2);
    c.heal();
    c.node(1).crash(0);
    c.node(2).crash(0);
    c.tick(200);
    expect(c.node(3).core.role).toBe('follower');
    expect(c.node(3).core.campaign()).toBe(false);
    c.node(3).core.step({ type: MsgType.TimeoutNow, from: 1, to: 3, term: c.node(3).core.term });
    expect(c.node(3).core.role).toBe('follower');
  });

  it('a never-leader with the freshest log helps an eligible voter catch up and win', () => {
    const c = new Cluster(membershipOf([1, 2], [3]));
    c.elect(1);
    c.filters.push((m) => m.to === 2 && m.type === MsgType.Append);
    proposeOk(c, 1, 1); // committed on 1 and 3 only
    c.node(1).crash(0);
    c.heal();
    c.tick(80);
    expect(c.leaders()).toEqual([2]);
    expect(c.node(2).app.index).toBeGreaterThanOrEqual(2);
  });

  it('a pre-candidate that a pushed log shows demoted gives up its campaign', () => {
    const core = new RaftCore({ id: 1, snapshot: { index: 1, term: 1, membership: membershipOf([1, 2], [3]) }, random: mulberry32(5) });
    expect(core.campaign()).toBe(true);
    expect(core.role).toBe('preCandidate');
    core.ready();
    // Never-leader 3 refuses and pushes its log: a committed change made 1 a never-leader too.
    const demote = encodeConfig({ changes: [{ id: 1, role: 'neverLeader' }], membership: membershipOf([2], [1, 3]) });
    core.step({ type: MsgType.PreVoteResp, from: 3, to: 1, term: core.term, reject: true });
    core.step({ type: MsgType.CatchUp, from: 3, to: 1, term: core.term, index: 1, logTerm: 1, commit: 2, entries: [{ index: 2, term: 1, kind: EntryKind.Config, data: demote }] });
    expect(core.membership).toEqual(membershipOf([2], [1, 3]));
    expect(core.role).toBe('follower');
    core.step({ type: MsgType.PreVoteResp, from: 2, to: 1, term: core.term + 1, reject: false });
    expect(core.role).toBe('follower');
  });

  it('observers replicate but neither vote nor count for quorum', () => {
    const c = new Cluster(membershipOf([1, 2], [], [3]));
    c.elect(1);
    proposeOk(c, 1, 1);
    expect(c.node(3).app.index).toBe(2);
    c.isolate(2);
    c.node(1).core.propose(bytes(2));
    c.stabilize();
    expect(c.node(3).core.lastIndex).toBe(3);
    expect(c.node(1).core.commitIndex).toBe(2); // the observer's copy does not count
    c.heal();
    c.node(1).crash(0);
    c.node(2).crash(0);
    c.tick(100);
    expect(c.node(3).core.role).toBe('follower');
  });
});

describe('membership changes', () => {
  it('adds an observer, promotes it, and applies configs on commit', () => {
    const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4]);
    c.elect(1);
    const leader = c.node(1).core;
    expect(leader.proposeMembership({ id: 4, role: 'observer' }).ok).toBe(true);
    expect(leader.proposeMembership({ id: 4, role: 'voter' })).toMatchObject({ ok: false, error: 'reconfigInProgress' });
    c.stabilize();
    expect(c.node(4).core.membership.observers).toEqual([4]);
    expect(leader.proposeMembership({ id: 4, role: 'voter' }).ok).toBe(true);
    c.stabilize();
    for (const n of c.nodes.values()) expect(n.core.membership.voters).toEqual([1, 2, 3, 4]);
    const config = c.node(4).core.entry(3)!;
    expect(config.kind).toBe(EntryKind.Config);
    expect(decodeConfig(config.data).changes).toEqual([{ id: 4, role: 'voter' }]);
    // Quorum is now 3 of 4.
    c.isolate(3);
    c.isolate(4);
    c.node(1).core.propose(bytes(1));
    c.stabilize();
    expect(leader.commitIndex).toBe(3);
  });

  it('refuses invalid changes', () => {
    const c = new Cluster(membershipOf([1, 2]));
    c.elect(1);
    const core = c.node(1).core;
    expect(core.proposeMembership({ id: 3, role: 'removed' })).toMatchObject({ error: 'invalidChange' });
    expect(core.proposeMembership([{ id: 1, role: 'removed' }, { id: 2, role: 'removed' }])).toMatchObject({ error: 'invalidChange' });
    expect(c.node(2).core.proposeMembership({ id: 3, role: 'observer' })).toMatchObject({ error: 'notLeader', leader: 1 });
    // A leader may not demote itself when it has nobody to hand over to.
    const alone = new Cluster(membershipOf([1], [], [2]));
    alone.elect(1);
    expect(alone.node(1).core.proposeMembership({ id: 1, role: 'neverLeader' })).toMatchObject({ error: 'invalidChange' });
  });

  it('a leader asked to remove itself hands over first to the most up-to-date voter, which carries the removal', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.filters.push((m) => m.to === 2 && m.type === MsgType.Append);
    proposeOk(c, 1, 1);
    expect(c.node(1).core.proposeMembership({ id: 1, role: 'removed' })).toEqual({ ok: false, error: 'transferring', leader: 1 });
    c.stabilize();
    expect(c.leaders()).toEqual([3]);
    c.heal();
    c.tick(2); // 2 catches up: a quorum of the new configuration {2,3} is up and in step
    expect(c.node(3).core.proposeMembership({ id: 1, role: 'removed' }).ok).toBe(true);
    c.stabilize();
    expect(c.node(3).core.membership.voters).toEqual([2, 3]);
    proposeOk(c, 3, 9);
    expect(c.node(2).core.commitIndex).toBe(c.node(3).core.commitIndex);
  });

  it('a leader with nobody to hand over to carries its own removal through, then hands over', () => {
    const c = new Cluster(membershipOf([1], [], [2]));
    c.elect(1);
    expect(c.node(1).core.proposeMembership([{ id: 1, role: 'removed' }, { id: 2, role: 'voter' }]).ok).toBe(true);
    c.stabilize();
    c.tick(2);
    expect(c.leaders()).toEqual([2]);
    expect(c.node(2).core.membership).toEqual(membershipOf([2]));
  });
});

describe('snapshots and compaction', () => {
  it('catches up a follower whose entries were compacted away via a snapshot', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(3);
    for (let i = 0; i < 10; i++) c.node(1).core.propose(bytes(i));
    c.stabilize();
    c.node(1).compact();
    c.node(2).compact();
    expect(c.node(1).core.firstIndex).toBe(12);
    c.heal();
    c.tick(2);
    expect(c.delivered.some((m) => m.type === MsgType.Snapshot && m.to === 3)).toBe(true);
    expect(c.node(3).core.snapshotMeta.index).toBe(11);
    proposeOk(c, 1, 99);
    expect(c.node(3).app).toEqual(c.node(1).app);
  });

  it('retries with a fresh snapshot after a failed transfer', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    c.isolate(3);
    proposeOk(c, 1, 1);
    c.node(1).compact();
    c.node(2).compact();
    c.heal();
    let failures = 1;
    c.filters.push((m) => {
      if (m.type !== MsgType.Snapshot || failures === 0) return false;
      failures--;
      c.node(1).core.reportSnapshot(3, false);
      return true;
    });
    c.tick(3);
    expect(c.node(3).app).toEqual(c.node(1).app);
  });
});

describe('ReadIndex', () => {
  it('answers a leader read after a heartbeat quorum and forwards follower reads', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    proposeOk(c, 1, 1);
    c.filters.push((m) => m.type === MsgType.HeartbeatResp);
    c.node(1).core.readIndex(1);
    c.stabilize();
    expect(c.node(1).reads).toEqual([]); // leadership not yet confirmed
    c.heal();
    c.node(1).core.readIndex(2);
    c.stabilize();
    expect(c.node(1).reads).toEqual([{ ctx: 1, index: 2 }, { ctx: 2, index: 2 }]);
    expect(c.node(2).core.readIndex(7)).toEqual({ ok: true });
    c.stabilize();
    expect(c.node(2).reads).toEqual([{ ctx: 7, index: 2 }]);
  });

  it('a member without a known leader refuses', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    expect(c.node(1).core.readIndex(1)).toEqual({ ok: false, error: 'notLeader', leader: 0 });
  });
});
