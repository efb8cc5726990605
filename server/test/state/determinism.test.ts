import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode, Perms } from '../../../protocol/src/constants.js';
import type { ACL, MultiOp } from '../../../protocol/src/records.js';
import { ReplicatedState } from '../../src/state/apply.js';
import { decodeTxn, encodeTxn, TxnKind, type Txn } from '../../src/state/txn.js';
import { picture } from '../tree/tree-model.js';

const sessions = [0x1n, 0x2n, 0x7fffffffffffffffn, -0x8000000000000000n + 5n];
const session = fc.constantFrom(...sessions);
const path = fc.constantFrom('/a', '/a/b', '/a/b/c', '/c', '/c/d', '/zookeeper/quota/a', '/zookeeper/quota/a/zookeeper_limits', '/zookeeper/quota/a/zookeeper_stats', '/', 'bad', '/a/');
const data = fc.option(fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)), { nil: null });
const aclArb: fc.Arbitrary<ACL[]> = fc.constantFrom(
  [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }],
  [{ perms: Perms.Read, id: { scheme: 'world', id: 'anyone' } }],
  [{ perms: Perms.All, id: { scheme: 'auth', id: '' } }],
  [{ perms: Perms.All, id: { scheme: 'digest', id: 'u:p' } }],
  [],
);
const version = fc.integer({ min: -1, max: 2 });
const op: fc.Arbitrary<MultiOp> = fc.oneof(
  fc.record({ type: fc.constantFrom(OpCode.Create, OpCode.Create2, OpCode.CreateContainer), path, data, acl: aclArb, flags: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ type: fc.constant(OpCode.CreateTTL), path, data, acl: aclArb, flags: fc.integer({ min: 0, max: 6 }), ttl: fc.integer({ min: -1, max: 50 }) }),
  fc.record({ type: fc.constant(OpCode.Delete), path, version }),
  fc.record({ type: fc.constant(OpCode.SetData), path, data, version }),
  fc.record({ type: fc.constant(OpCode.Check), path, version }),
) as fc.Arbitrary<MultiOp>;
const auth = fc.constantFrom([], [{ scheme: 'digest', id: 'u:p' }], [{ scheme: 'ip', id: '127.0.0.1' }]);
const time = fc.integer({ min: 0, max: 1_000 });

const txn: fc.Arbitrary<Txn> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(TxnKind.CreateSession as const), time, session, timeout: fc.integer({ min: 1, max: 60_000 }), passwd: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(TxnKind.CloseSession as const), time, session }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(TxnKind.DeleteExpired as const), time, path }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(TxnKind.MoveSession as const), time, session, owner: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant(TxnKind.Request as const), time, session, cxid: fc.integer({ min: 0, max: 1000 }), auth, req: op }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant(TxnKind.Request as const), time, session, cxid: fc.nat(1000), auth,
      req: fc.array(op, { maxLength: 4 }).map((ops) => ({ type: OpCode.Multi as const, ops })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant(TxnKind.Request as const), time, session, cxid: fc.nat(1000), auth, req: fc.record({ type: fc.constant(OpCode.SetACL as const), path, acl: aclArb, version }) }) },
) as fc.Arbitrary<Txn>;

const fresh = () => new ReplicatedState({ enforceQuota: true, extendedTypesEnabled: true, skipAcl: false });

function run(txns: Txn[]) {
  const state = fresh();
  const results = txns.map((t, i) => state.apply(t, i + 1));
  return { state, results };
}

describe('the apply function is deterministic', () => {
  it('the same transactions on two fresh states give the same trees, sessions and results, also after an encode/decode round trip', () => {
    fc.assert(
      fc.property(fc.array(txn, { maxLength: 40 }), (txns) => {
        const a = run(txns);
        const b = run(txns);
        const c = run(txns.map((t) => decodeTxn(encodeTxn(t))));
        for (const other of [b, c]) {
          expect(picture(other.state.tree)).toEqual(picture(a.state.tree));
          expect(other.results).toEqual(a.results);
          expect([...other.state.sessions.keys()]).toEqual([...a.state.sessions.keys()]);
          expect(other.state.lastZxid).toBe(a.state.lastZxid);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('encodeTxn/decodeTxn round-trips every kind of transaction exactly', () => {
    fc.assert(
      fc.property(txn, (t) => {
        const back = decodeTxn(encodeTxn(t));
        expect(back).toEqual(t);
        for (const k of ['session'] as const) if (k in t) expect(typeof (back as Record<string, unknown>)[k]).toBe('bigint');
      }),
      { numRuns: 500 },
    );
  });
});
