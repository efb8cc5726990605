import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '../../../protocol/src/constants.js';
import { ReplicatedState } from '../../src/state/apply.js';
import { restoreSnapshot, StateSnapshot } from '../../src/state/snapshot.js';
import { TxnKind, type Txn } from '../../src/state/txn.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { statOf } from '../../src/tree/znode.js';

const options = { enforceQuota: false, extendedTypesEnabled: true, skipAcl: false };
const SESSION = 0x100000000000001n;

function request(req: Extract<Txn, { kind: TxnKind.Request }>['req'], time = 1): Txn {
  return { kind: TxnKind.Request, time, session: SESSION, cxid: 1, auth: [], req };
}

/** Everything a snapshot must reproduce: every node with its stat, data and ACL, the sessions and the zxid. */
function image(state: ReplicatedState) {
  const nodes = [...state.tree.entries()]
    .map(([path, n]) => ({ path, data: n.data?.toString('hex') ?? null, acl: n.acl, stat: statOf(n), owner: n.ephemeralOwner }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  return { nodes, sessions: [...state.sessions], lastZxid: state.lastZxid, size: state.tree.approximateDataSize };
}

const names = fc.constantFrom('a', 'b', 'c');
const pathArb = fc.array(names, { minLength: 1, maxLength: 3 }).map((p) => '/' + p.join('/'));
const txnArb: fc.Arbitrary<Txn> = fc.oneof(
  fc.tuple(pathArb, fc.uint8Array({ maxLength: 8 }), fc.constantFrom(0, 1, 2, 4)).map(([path, data, flags]) =>
    request({ type: OpCode.Create, path, data: Buffer.from(data), acl: [...OPEN_ACL_UNSAFE], flags }),
  ),
  pathArb.map((path) => request({ type: OpCode.Delete, path, version: -1 })),
  fc.tuple(pathArb, fc.uint8Array({ maxLength: 8 })).map(([path, data]) => request({ type: OpCode.SetData, path, data: Buffer.from(data), version: -1 })),
  fc.constant<Txn>({ kind: TxnKind.CloseSession, time: 1, session: SESSION }),
  fc.integer({ min: 1, max: 3 }).map((owner): Txn => ({ kind: TxnKind.MoveSession, time: 1, session: SESSION, owner })),
);

async function* chunksOf(snapshot: StateSnapshot): AsyncGenerator<Uint8Array> {
  for (let c = snapshot.next(); c; c = snapshot.next()) yield c;
}

describe('state snapshots', () => {
  it('capture the state at the moment they start, even while later writes interleave with the chunks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(txnArb, { maxLength: 40 }), fc.array(txnArb, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), async (before, during, perChunk) => {
        const state = new ReplicatedState(options);
        state.apply({ kind: TxnKind.CreateSession, time: 0, session: SESSION, timeout: 30000, passwd: Buffer.alloc(16, 7) }, 1);
        let zxid = 1;
        for (const t of before) state.apply(t, ++zxid);
        const expected = image(state);

        const snapshot = new StateSnapshot(state, perChunk);
        const chunks: Uint8Array[] = [];
        let i = 0;
        for (let c = snapshot.next(); c; c = snapshot.next()) {
          chunks.push(c);
          // Writes land between chunks, as they do while a member streams a snapshot to disk.
          if (i < during.length) state.apply(during[i++]!, ++zxid);
        }
        const restored = new ReplicatedState(options);
        await restoreSnapshot(restored, (async function* () {
          yield* chunks;
        })());
        expect(image(restored)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('restores a state that keeps applying transactions exactly like the original', async () => {
    const state = new ReplicatedState(options);
    state.apply(request({ type: OpCode.Create, path: '/q', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 2 }), 5);
    const restored = new ReplicatedState(options);
    await restoreSnapshot(restored, chunksOf(new StateSnapshot(state)));
    const next = request({ type: OpCode.Create, path: '/q', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 2 });
    expect(restored.apply(next, 6)).toEqual(state.apply(next, 6));
    expect(image(restored)).toEqual(image(state));
  });
});
