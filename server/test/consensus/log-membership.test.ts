import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { RaftLog } from '../../src/consensus/log.js';
import { applyChange, decodeConfig, encodeConfig, roleOf, type MembershipChange } from '../../src/consensus/membership.js';
import { EntryKind, type Entry, type Membership } from '../../src/consensus/types.js';

const empty: Membership = { voters: [], neverLeaders: [], observers: [] };
const snapshot = { index: 0, term: 0, membership: empty };
const toEntries = (terms: number[], from = 1): Entry[] =>
  terms.map((term, i) => ({ index: from + i, term, kind: EntryKind.Normal, data: new Uint8Array([term]) }));
/** Non-decreasing term sequences, as real logs have. */
const termsArb = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 12 }).map((xs) => xs.sort((a, b) => a - b));

describe('RaftLog', () => {
  it('after a successful append, the log is our prefix up to prevIndex followed by the leader entries', () => {
    fc.assert(
      fc.property(termsArb, termsArb, fc.nat(12), (ours, theirs, cut) => {
        const log = new RaftLog(snapshot, toEntries(ours), 0, 0);
        const prev = Math.min(cut, ours.length);
        const leaderTerms = [...ours.slice(0, prev), ...theirs.map((t) => t + 4)];
        const sent = toEntries(leaderTerms.slice(prev), prev + 1);
        expect(log.maybeAppend(prev, log.term(prev)!, sent)).toBe(prev + sent.length);
        const got = Array.from({ length: log.lastIndex() }, (_, i) => log.term(i + 1));
        const expected = sent.length > 0 ? leaderTerms : ours; // an empty append truncates nothing
        expect(got).toEqual(expected);
        expect(log.unstableFrom).toBeLessThanOrEqual(sent.length > 0 ? prev + 1 : ours.length + 1);
      }),
    );
  });

  it('findConflictByTerm returns the last index at or below with a term no greater', () => {
    fc.assert(
      fc.property(termsArb, fc.nat(14), fc.integer({ min: 0, max: 5 }), (terms, index, term) => {
        const log = new RaftLog(snapshot, toEntries(terms), 0, 0);
        const j = log.findConflictByTerm(index, term);
        expect(j).toBeLessThanOrEqual(Math.min(index, terms.length));
        expect(log.term(j)!).toBeLessThanOrEqual(term);
        for (let k = j + 1; k <= Math.min(index, terms.length); k++) expect(log.term(k)!).toBeGreaterThan(term);
      }),
    );
  });
});

describe('membership', () => {
  const changeArb: fc.Arbitrary<MembershipChange> = fc.record({
    id: fc.integer({ min: 1, max: 6 }),
    role: fc.constantFrom('voter' as const, 'neverLeader' as const, 'observer' as const, 'removed' as const),
  });

  it('applying changes keeps the role lists disjoint and sorted, and sets exactly the changed role', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 20 }), (changes) => {
        let m = empty;
        for (const c of changes) {
          const before = m;
          m = applyChange(m, c);
          expect(roleOf(m, c.id)).toBe(c.role);
          for (let id = 1; id <= 6; id++) if (id !== c.id) expect(roleOf(m, id)).toBe(roleOf(before, id));
        }
        const all = [...m.voters, ...m.neverLeaders, ...m.observers];
        expect(new Set(all).size).toBe(all.length);
        for (const list of [m.voters, m.neverLeaders, m.observers]) expect(list).toEqual([...list].sort((a, b) => a - b));
      }),
    );
  });

  it('config entries round-trip through their encoding, joint ones included', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 4 }), fc.boolean(), (changes, joint) => {
        const incoming = changes.reduce(applyChange, empty);
        const membership = joint ? { ...incoming, outgoing: { voters: [1, 2, 3], neverLeaders: [], observers: [4] } } : incoming;
        const data = { changes, membership };
        expect(decodeConfig(encodeConfig(data))).toEqual(data);
      }),
    );
  });

  it('reads config entries written before joint consensus (one `change`)', () => {
    const membership = applyChange(empty, { id: 2, role: 'voter' });
    const legacy = pack({ change: { id: 2, role: 'voter', info: { time: 5 } }, membership });
    expect(decodeConfig(legacy)).toEqual({ changes: [{ id: 2, role: 'voter', info: { time: 5 } }], membership });
  });
});
