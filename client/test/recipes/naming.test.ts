// Pure pieces of the recipes: ordering of sequential names and the GUID-protected name format.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bySequence, sequenceOf } from '../../src/recipes/nodes.js';
import { unprotectedName } from '../../src/recipes/protected-create.js';

const seqName = (prefix: string, n: number) => `${prefix}${String(n).padStart(10, '0')}`;

describe('recipe node names', () => {
  it('orders by the sequence counter whatever the prefixes and GUIDs', () => {
    const entry = fc.record({
      guid: fc.uuid(),
      kind: fc.constantFrom('read-', 'write-', 'lock-'),
      seq: fc.integer({ min: 0, max: 2_147_483_647 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.seq, maxLength: 30 }), (entries) => {
        const names = entries.map((e) => seqName(`_c_${e.guid}-${e.kind}`, e.seq));
        const sorted = bySequence(names);
        expect(sorted.map(sequenceOf)).toEqual(entries.map((e) => e.seq).sort((a, b) => a - b));
        expect(sorted.map(unprotectedName)).toEqual(
          [...entries].sort((a, b) => a.seq - b.seq).map((e) => seqName(e.kind, e.seq)),
        );
      }),
    );
  });

  it('leaves unprotected names alone and rejects names without a counter', () => {
    expect(unprotectedName('write-0000000003')).toBe('write-0000000003');
    expect(() => sequenceOf('ready')).toThrow(/not a sequential node name/);
  });
});
