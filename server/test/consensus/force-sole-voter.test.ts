// Recovering from a lost quorum: one member made the sole voter of a new configuration (RaftCore.forceSoleVoter),
// keeping its whole log, then leading alone and growing again through ordinary membership changes.
import { describe, expect, it } from 'vitest';
import { decodeConfig } from '../../src/consensus/membership.js';
import { EntryKind } from '../../src/consensus/types.js';
import { Cluster, membershipOf } from './cluster.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const INFO = { self: { who: 'survivor' }, removed: { who: 'lost' } };

/** Three voters with a few committed writes, then 2 and 3 gone for good and 1 left without a quorum. */
function lostQuorum(extra: number[] = []): Cluster {
  const c = new Cluster(membershipOf([1, 2, 3]), 7, {}, {}, extra);
  c.elect(1);
  for (let i = 0; i < 3; i++) c.node(1).core.propose(bytes(i));
  c.stabilize();
  c.node(2).crash(0);
  c.node(3).crash(0);
  return c;
}

describe('forceSoleVoter', () => {
  it('keeps every entry, commits the uncommitted tail, and leads alone in a later term', () => {
    const c = lostQuorum();
    const one = c.node(1);
    const uncommitted = one.core.propose(bytes(9));
    c.tick(30, [1]); // check-quorum: the leader steps down, and cannot be elected again
    expect(one.core.role).not.toBe('leader');
    expect(one.core.commitIndex).toBe(uncommitted.ok ? uncommitted.index - 1 : -1);
    const termBefore = one.core.term;
    const lastBefore = one.core.lastIndex;

    const forced = one.core.forceSoleVoter(INFO);
    c.stabilize();
    expect(forced).toEqual({ index: lastBefore + 1, term: termBefore + 1 });
    expect(one.core.role).toBe('leader');
    expect(one.core.term).toBeGreaterThan(forced.term);
    expect(one.core.membership).toEqual(membershipOf([1]));
    // The tail written while the quorum was failing is applied, then the forced entry and the new leader's noop.
    expect(one.app.index).toBe(one.core.lastIndex);
    const entry = one.core.entry(forced.index)!;
    expect(entry.kind).toBe(EntryKind.Config);
    expect(decodeConfig(entry.data)).toEqual({
      changes: [
        { id: 2, role: 'removed', info: INFO.removed },
        { id: 3, role: 'removed', info: INFO.removed },
        { id: 1, role: 'voter', info: INFO.self },
      ],
      membership: membershipOf([1]),
    });
    // Writes commit with this member alone.
    const w = one.core.propose(bytes(10));
    c.stabilize();
    expect(one.core.commitIndex).toBe(w.ok ? w.index : -1);
  });

  it('is durable: a restart comes back as the sole voter and leads again', () => {
    const c = lostQuorum();
    const one = c.node(1);
    c.tick(30, [1]);
    one.core.forceSoleVoter(INFO);
    c.stabilize();
    const applied = one.app;
    one.crash(0);
    one.restart();
    expect(one.core.membership).toEqual(membershipOf([1]));
    c.tick(25, [1]);
    expect(one.core.role).toBe('leader');
    expect(one.app.index).toBeGreaterThanOrEqual(applied.index);
  });

  it('makes a never-leader or observer survivor the voter, and drops every other member', () => {
    const c = new Cluster(membershipOf([1, 2], [3], [4]), 3);
    c.elect(1);
    c.node(1).core.propose(bytes(1));
    c.stabilize();
    for (const id of [1, 2, 3]) c.node(id).crash(0);
    const four = c.node(4);
    four.core.forceSoleVoter(INFO);
    c.stabilize();
    expect(four.core.membership).toEqual(membershipOf([4]));
    expect(four.core.role).toBe('leader');
    expect(decodeConfig(four.core.entry(four.core.lastIndex - 1)!.data).changes.map((ch) => `${ch.id}:${ch.role}`)).toEqual([
      '1:removed',
      '2:removed',
      '3:removed',
      '4:voter',
    ]);
  });

  it('grows back through ordinary changes: a fresh server added, caught up from the survivor, then voting', () => {
    const c = lostQuorum([4]);
    const one = c.node(1);
    c.tick(30, [1]);
    one.core.forceSoleVoter(INFO);
    c.stabilize();
    c.catchUp(1, [4]);
    expect(one.core.proposeMembership({ id: 4, role: 'voter' }).ok).toBe(true);
    c.stabilize();
    expect(one.core.membership).toEqual(membershipOf([1, 4]));
    expect(c.node(4).core.membership).toEqual(membershipOf([1, 4]));
    expect(c.node(4).app).toEqual(one.app);
    // Now 4's acknowledgement is needed: without it nothing commits.
    c.isolate(4);
    const w = one.core.propose(bytes(11));
    c.stabilize();
    expect(one.core.commitIndex).toBe((w.ok ? w.index : 0) - 1);
    c.heal();
    c.tick(2);
    expect(one.core.commitIndex).toBe(w.ok ? w.index : -1);
  });

  it('is deterministic: the same inputs give the same log', () => {
    const run = () => {
      const c = lostQuorum();
      c.tick(30, [1]);
      c.node(1).core.forceSoleVoter(INFO);
      c.stabilize();
      const core = c.node(1).core;
      return { term: core.term, last: core.lastIndex, app: c.node(1).app };
    };
    expect(run()).toEqual(run());
  });
});
