// The transaction encoding: a request travels as the jute body its client sent; older msgpack logs still decode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode, Perms } from '../../../protocol/src/constants.js';
import { encodeRequest } from '../../../protocol/src/messages.js';
import { statePackr } from '../../src/state/msgpack.js';
import { decodeTxn, encodeTxn, TxnKind, type Txn, type WriteRequest } from '../../src/state/txn.js';

const create: WriteRequest = { type: OpCode.Create, path: '/a/é', data: Buffer.from('v1'), acl: [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }], flags: 0 };
const request = (req: WriteRequest, global?: boolean): Txn => ({
  kind: TxnKind.Request, time: 1_700_000_000_123, session: -0x7fffffffffffff00n, cxid: 42, auth: [{ scheme: 'ip', id: '127.0.0.1' }], req,
  ...(global === undefined ? {} : { global }),
});

describe('transactions', () => {
  it('carry a request body byte for byte as the client encodes it', () => {
    const client = encodeRequest(42, create); // length | xid | type | body
    const body = client.subarray(12);
    const txn = encodeTxn(request(create));
    expect(txn.subarray(txn.length - body.length).equals(body)).toBe(true);
  });

  it('keep whether the session was global, and its absence', () => {
    fc.assert(
      fc.property(fc.option(fc.boolean(), { nil: undefined }), (global) => {
        expect(decodeTxn(encodeTxn(request(create, global)))).toEqual(request(create, global));
      }),
    );
  });

  it('keep the member a write was sent to, and session moves', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 255 }), { nil: undefined }),
        fc.option(fc.boolean(), { nil: undefined }),
        fc.option(fc.nat({ max: Number.MAX_SAFE_INTEGER }), { nil: undefined }),
        (owner, global, claim) => {
          const txn = { ...request(create, global), ...(owner === undefined ? {} : { owner }), ...(claim === undefined ? {} : { claim }) };
          expect(decodeTxn(encodeTxn(txn))).toEqual(txn);
        },
      ),
    );
    // Moves logged before they were compare-and-set have no prev.
    const move: Txn = { kind: TxnKind.MoveSession, time: 7, session: -5n, owner: 3 };
    expect(decodeTxn(encodeTxn(move))).toEqual(move);
    const casMove: Txn = { ...move, prev: 0x3_0000_0042 };
    expect(decodeTxn(encodeTxn(casMove))).toEqual(casMove);
  });

  it('decode the identities of each write, however they follow one another', () => {
    const idArb = fc.record({ scheme: fc.constantFrom('ip', 'digest', 'super'), id: fc.string({ maxLength: 12 }) });
    fc.assert(
      fc.property(fc.array(fc.array(idArb, { maxLength: 3 }), { minLength: 1, maxLength: 8 }), (lists) => {
        // Each list twice in a row, then a longer one that starts with it.
        const sequence = lists.flatMap((auth) => [auth, auth, [...auth, { scheme: 'ip', id: '10.0.0.1' }]]);
        for (const auth of sequence) {
          const decoded = decodeTxn(encodeTxn({ ...request(create), auth } as Txn));
          expect(decoded.kind === TxnKind.Request && decoded.auth).toEqual(auth);
        }
      }),
    );
  });

  it('decode the msgpack transactions that logs and snapshots written before this format hold', () => {
    const old = request(create, true);
    expect(decodeTxn(statePackr.pack(old))).toEqual(old);
    const close: Txn = { kind: TxnKind.CloseSession, time: 5, session: 0x1234_5678_9abc_def0n };
    expect(decodeTxn(statePackr.pack(close))).toEqual(close);
  });

  it('refuse bytes that are neither format', () => {
    const bad = encodeTxn(request(create));
    bad[3] = 9; // another format version
    expect(() => decodeTxn(bad)).toThrow(/unknown transaction format/);
    expect(() => decodeTxn(encodeTxn(request(create)).subarray(0, 30))).toThrow(/truncated/);
  });
});
