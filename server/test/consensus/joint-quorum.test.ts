// Joint-consensus arithmetic, checked against brute force over small memberships.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyChange,
  changeMembership,
  hasQuorum,
  isDemoted,
  mayLead,
  quorumIndex,
  quorumMembers,
  roleOf,
  voteOutcome,
  type MembershipChange,
} from '../../src/consensus/membership.js';
import type { MemberSets, Membership, NodeId } from '../../src/consensus/types.js';

const IDS = [1, 2, 3, 4, 5, 6, 7];
const roleArb = fc.constantFrom('voter' as const, 'neverLeader' as const, 'observer' as const, 'removed' as const);

/** A configuration over ids 1..7 with at least one voter. */
const setsArb: fc.Arbitrary<MemberSets> = fc
  .tuple(...IDS.map(() => roleArb))
  .filter((roles) => roles.includes('voter'))
  .map((roles) => IDS.reduce<MemberSets>((m, id, i) => applyChange(m, { id, role: roles[i]! }), { voters: [], neverLeaders: [], observers: [] }));

const membershipArb: fc.Arbitrary<Membership> = fc
  .tuple(setsArb, fc.option(setsArb, { nil: undefined }))
  .map(([incoming, outgoing]) => (outgoing ? { ...incoming, outgoing } : incoming));

const majorityOf = (c: MemberSets, ids: Set<NodeId>) => quorumMembers(c).filter((id) => ids.has(id)).length * 2 > quorumMembers(c).length;
/** The definition, spelled out: a strict majority of C_new's voting members and, while joint, of C_old's. */
const isQuorum = (m: Membership, ids: Set<NodeId>) => majorityOf(m, ids) && (!m.outgoing || majorityOf(m.outgoing, ids));

describe('joint quorums', () => {
  it('hasQuorum needs a majority of both configurations; observers never count', () => {
    fc.assert(
      fc.property(membershipArb, fc.subarray(IDS), (m, ids) => {
        const set = new Set(ids);
        expect(hasQuorum(m, set)).toBe(isQuorum(m, set));
        const withoutObservers = new Set(ids.filter((id) => !m.observers.includes(id) && !m.outgoing?.observers.includes(id)));
        const voting = new Set([...quorumMembers(m), ...(m.outgoing ? quorumMembers(m.outgoing) : [])]);
        if ([...set].every((id) => !voting.has(id) || withoutObservers.has(id))) expect(hasQuorum(m, withoutObservers)).toBe(hasQuorum(m, set));
      }),
    );
  });

  it('quorumIndex is the highest index held by a joint quorum', () => {
    fc.assert(
      fc.property(membershipArb, fc.array(fc.nat(20), { minLength: IDS.length, maxLength: IDS.length }), (m, matches) => {
        const matchOf = (id: NodeId) => matches[id - 1]!;
        const holders = (index: number) => new Set(IDS.filter((id) => matchOf(id) >= index));
        const index = quorumIndex(m, matchOf);
        expect(isQuorum(m, holders(index))).toBe(true);
        expect(isQuorum(m, holders(index + 1))).toBe(false);
      }),
    );
  });

  it('an election is won with a joint quorum of grants and lost once no joint quorum can grant', () => {
    const voteArb = fc.array(fc.constantFrom(true, false, undefined), { minLength: IDS.length, maxLength: IDS.length });
    fc.assert(
      fc.property(membershipArb, voteArb, (m, answers) => {
        const votes = new Map<NodeId, boolean>();
        answers.forEach((v, i) => v !== undefined && votes.set(i + 1, v));
        const granted = new Set(IDS.filter((id) => votes.get(id) === true));
        const possible = new Set(IDS.filter((id) => votes.get(id) !== false));
        const expected = isQuorum(m, granted) ? 'won' : isQuorum(m, possible) ? 'pending' : 'lost';
        expect(voteOutcome(m, votes)).toBe(expected);
      }),
    );
  });
});

describe('changeMembership', () => {
  const changesArb = fc.uniqueArray(fc.record({ id: fc.constantFrom(...IDS), role: roleArb }), { selector: (c) => c.id, maxLength: 5 });

  it('leads to the changes applied in turn; joint exactly when the voting set moves by more than one member', () => {
    fc.assert(
      fc.property(setsArb, changesArb, (m, changes: MembershipChange[]) => {
        const next = changeMembership(m, changes);
        const target = changes.reduce(applyChange, m);
        const valid = changes.length > 0 && target.voters.length > 0 && changes.every((c) => c.role !== 'removed' || roleOf(m, c.id) !== 'removed');
        if (!valid) {
          expect(next).toBeUndefined();
          return;
        }
        const { outgoing, ...incoming } = next!;
        expect(incoming).toEqual(target);
        const before = new Set(quorumMembers(m));
        const after = new Set(quorumMembers(target));
        const moved = IDS.filter((id) => before.has(id) !== after.has(id)).length;
        expect(outgoing).toEqual(moved > 1 ? m : undefined);
      }),
    );
  });

  it('refuses duplicate ids and empty requests', () => {
    const m = { voters: [1, 2, 3], neverLeaders: [], observers: [] };
    expect(changeMembership(m, [])).toBeUndefined();
    expect(changeMembership(m, [{ id: 4, role: 'voter' }, { id: 4, role: 'observer' }])).toBeUndefined();
    expect(changeMembership(m, [{ id: 0, role: 'voter' }])).toBeUndefined();
  });
});

describe('who may lead', () => {
  const joint: Membership = {
    voters: [1, 4, 5],
    neverLeaders: [3, 6],
    observers: [2],
    outgoing: { voters: [1, 2, 3], neverLeaders: [5, 7], observers: [8] },
  };

  it('in a joint config: voters of C_new that are not never-leaders in C_old, and voters C_new removes', () => {
    expect(IDS.concat(8).filter((id) => mayLead(joint, id))).toEqual([1, 4]);
    const leaving: Membership = { voters: [4], neverLeaders: [], observers: [], outgoing: { voters: [1, 2], neverLeaders: [], observers: [] } };
    expect([1, 2, 4].filter((id) => mayLead(leaving, id))).toEqual([1, 2, 4]);
  });

  it('demoted means present but barred from leading; a leaving voter is not demoted', () => {
    expect(IDS.concat(8, 9).filter((id) => isDemoted(joint, id))).toEqual([2, 3, 5, 6, 7, 8]);
  });
});
