// The leader's side of a reconfig that adds servers: they are caught up first, and the change is proposed once
// they are synced, or once waiting is hopeless (a joiner silent past the answer window, or the sync window over).
import { describe, expect, it } from 'vitest';
import type { MembershipChange } from '../../src/consensus/membership.js';
import { MsgType } from '../../src/consensus/messages.js';
import { JoinerCatchUp } from '../../src/member/joiner-catch-up.js';
import type { MembershipRefusal } from '../../src/member/replicator.js';
import { Cluster, membershipOf } from '../consensus/cluster.js';

const LIMITS = { answerWithinMs: 1000, syncWithinMs: 5000 };
const swapMajority: MembershipChange[] = [
  { id: 2, role: 'removed' },
  { id: 3, role: 'removed' },
  { id: 4, role: 'voter' },
  { id: 5, role: 'voter' },
];

function setup() {
  const c = new Cluster(membershipOf([1, 2, 3]), 1, {}, {}, [4, 5]);
  c.elect(1);
  const clock = { now: 0 };
  const staged: number[][] = [];
  const catchUp = new JoinerCatchUp(c.node(1).core, LIMITS, () => clock.now, (joiners) => staged.push(joiners.map((j) => j.id)));
  let outcome: MembershipRefusal | 'pending' = 'pending';
  const propose = (changes: MembershipChange[]) =>
    catchUp.propose(changes).then((r) => {
      outcome = r;
    });
  return { c, clock, staged, catchUp, propose, outcome: () => outcome };
}

describe('JoinerCatchUp', () => {
  it('proposes a change only once the servers it adds are synced', async () => {
    const { c, staged, catchUp, propose, outcome } = setup();
    const leader = c.node(1).core;
    const done = propose(swapMajority);
    expect(staged).toEqual([[4, 5]]);
    catchUp.check();
    expect(leader.lastIndex).toBe(1); // only the leader's Noop: nothing proposed yet
    c.stabilize(); // the staged joiners get the log and answer
    catchUp.check();
    await done;
    expect(outcome()).toBeUndefined();
    c.stabilize();
    expect(leader.membership).toEqual(membershipOf([1, 4, 5]));
    expect(c.node(4).core.commitIndex).toBe(leader.commitIndex);
  });

  it('a change adding nothing new is proposed at once', async () => {
    const { c, staged, propose, outcome } = setup();
    await propose([{ id: 3, role: 'observer' }]);
    expect(outcome()).toBeUndefined();
    expect(staged).toEqual([]);
    c.stabilize();
    expect(c.node(1).core.membership).toEqual(membershipOf([1, 2], [], [3]));
  });

  it('stops waiting for a joiner silent past the answer window: NEWCONFIGNOQUORUM if the new quorum needs it', async () => {
    const { c, clock, staged, catchUp, propose, outcome } = setup();
    c.isolate(5);
    const done = propose(swapMajority);
    c.stabilize();
    clock.now = 999;
    catchUp.check();
    expect(outcome()).toBe('pending');
    clock.now = 1000;
    catchUp.check();
    await done;
    // {1,4,5}: the leader and 4 are a majority, so 5 being down does not stop the change.
    expect(outcome()).toBeUndefined();

    const again = setup();
    again.c.isolate(4);
    again.c.isolate(5);
    const refused = again.propose(swapMajority);
    again.c.stabilize();
    again.clock.now = 1000;
    again.catchUp.check();
    await refused;
    expect(again.outcome()).toBe('newConfigNoQuorum');
    expect(again.staged).toEqual([[4, 5], []]);
    expect(again.c.node(1).core.catchUpOf(4)).toBeUndefined();
    expect(staged).toEqual([[4, 5]]);
  });

  it('a joiner that answers but has not caught up is waited for until the sync window ends', async () => {
    const { c, clock, catchUp, propose, outcome } = setup();
    // 4 and 5 answer, but every append to them is lost: they never reach the replicating state.
    c.filters.push((m) => (m.to === 4 || m.to === 5) && (m.type === MsgType.Append || m.type === MsgType.Snapshot));
    const done = propose(swapMajority);
    c.tick(2);
    expect([c.node(1).core.catchUpOf(4), c.node(1).core.catchUpOf(5)]).toEqual(['catchingUp', 'catchingUp']);
    clock.now = 4999;
    catchUp.check();
    expect(outcome()).toBe('pending');
    clock.now = 5000;
    catchUp.check();
    await done;
    expect(outcome()).toBe('newConfigNoQuorum');
  });

  it('answers TRANSFERRING when leadership moves while it waits, so the request goes to the new leader', async () => {
    const { c, staged, catchUp, propose, outcome } = setup();
    const done = propose(swapMajority);
    expect(c.node(1).core.transferLeadership(2).ok).toBe(true);
    c.stabilize();
    catchUp.leadershipLost();
    await done;
    expect(outcome()).toBe('transferring');
    expect(staged).toEqual([[4, 5], []]);
  });

  it('takes one change at a time', async () => {
    const { propose, catchUp } = setup();
    void propose(swapMajority);
    expect(await catchUp.propose([{ id: 3, role: 'observer' }])).toBe('reconfigInProgress');
  });
});
