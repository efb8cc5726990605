import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perms } from '../../../protocol/src/constants.js';
import { encodeReply } from '../../../protocol/src/messages.js';
import { answerRead, encodeAnswer, SHARED_BODY_MIN_BYTES, type ReadContext } from '../../src/member/reads.js';
import { WatchManager } from '../../src/member/watches.js';
import { DataTree } from '../../src/tree/datatree.js';

const OPEN = [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }];
const BIG = SHARED_BODY_MIN_BYTES;

function context(tree: DataTree): ReadContext {
  return { tree, watches: new WatchManager(), watcher: { auth: [], notify: () => {} }, auth: [], skipAcl: false, session: 1n };
}

/** What a getData of `path` sends, and the reply ZooKeeper's encoding of the same answer gives. */
function getData(ctx: ReadContext, path: string, xid = 7, zxid = 99) {
  const a = answerRead({ type: OpCode.GetData, path, watch: false }, ctx);
  const sent = encodeAnswer(xid, zxid, a);
  return { a, sent: Buffer.concat(Buffer.isBuffer(sent) ? [sent] : [...sent]), expected: encodeReply(xid, zxid, a.err, a.body) };
}

/** Byte equality, told apart cheaply (a deep comparison of large Buffers is slow). */
function expectSame(got: Buffer, want: Buffer): void {
  expect(got.length).toBe(want.length);
  expect(got.equals(want)).toBe(true);
}

describe('getData replies with a shared body', () => {
  it('share one body between readers of one version, and re-encode it after any change to data or stat', () => {
    const tree = new DataTree(OPEN);
    tree.create('/map', Buffer.alloc(BIG, 1), OPEN, 0n, 1, 1000);
    const ctx = context(tree);
    const first = getData(ctx, '/map', 1);
    const second = getData(ctx, '/map', 2);
    expect(first.a.sharedBody).toBeDefined();
    expect(second.a.sharedBody).toBe(first.a.sharedBody);
    expectSame(first.sent, first.expected);
    expectSame(second.sent, second.expected);

    const changes: Array<() => void> = [
      () => tree.setData('/map', Buffer.alloc(BIG + 3, 2), 2, 2000),
      () => tree.create('/map/child', null, OPEN, 0n, 3, 3000),
      () => tree.delete('/map/child', 4),
      () => tree.setAcl('/map', OPEN),
      () => tree.setData('/map', Buffer.alloc(BIG, 2), 5, 5000),
    ];
    let previous = second.a.sharedBody;
    for (const change of changes) {
      change();
      const r = getData(ctx, '/map');
      expect(r.a.sharedBody).not.toBe(previous);
      expectSame(r.sent, r.expected);
      previous = r.a.sharedBody;
    }
  });

  it('answer byte for byte as the plain encoding for any sequence of changes and reads', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('set' as const), size: fc.oneof(fc.constant(BIG - 1), fc.constant(BIG), fc.integer({ min: 0, max: 3 * BIG })) }),
      fc.record({ op: fc.constant('child' as const), n: fc.integer({ min: 0, max: 3 }) }),
      fc.record({ op: fc.constant('read' as const), xid: fc.integer({ min: 1, max: 1000 }) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 25 }), (steps) => {
      const tree = new DataTree(OPEN);
      tree.create('/n', Buffer.alloc(BIG), OPEN, 0n, 1, 1);
      const ctx = context(tree);
      let zxid = 1;
      for (const s of steps) {
        zxid++;
        if (s.op === 'set') tree.setData('/n', Buffer.alloc(s.size, zxid & 0xff), zxid, zxid);
        else if (s.op === 'child') {
          const path = `/n/c${s.n}`;
          if (tree.has(path)) tree.delete(path, zxid);
          else tree.create(path, null, OPEN, 0n, zxid, zxid);
        } else {
          const r = getData(ctx, '/n', s.xid, zxid);
          expectSame(r.sent, r.expected);
          expect(r.a.sharedBody !== undefined).toBe((tree.get('/n')!.data?.length ?? 0) >= BIG);
        }
      }
    }), { numRuns: 60 });
  });

  it('still register the watch, and leave errors, small nodes and multiRead results unshared', () => {
    const tree = new DataTree(OPEN);
    tree.create('/big', Buffer.alloc(BIG), OPEN, 0n, 1, 1);
    tree.create('/small', Buffer.alloc(BIG - 1), OPEN, 0n, 2, 2);
    const ctx = context(tree);
    answerRead({ type: OpCode.GetData, path: '/big', watch: true }, ctx);
    expect(ctx.watches.count).toBe(1);
    expect(answerRead({ type: OpCode.GetData, path: '/small', watch: false }, ctx).sharedBody).toBeUndefined();
    const missing = answerRead({ type: OpCode.GetData, path: '/none', watch: false }, ctx);
    expect(missing.err).toBe(ErrorCode.NoNode);
    expect(encodeAnswer(3, 4, missing)).toEqual(encodeReply(3, 4, ErrorCode.NoNode));
    const multi = answerRead({ type: OpCode.MultiRead, ops: [{ type: OpCode.GetData, path: '/big', watch: false }] }, ctx);
    expect(multi.sharedBody).toBeUndefined();
    expect(Buffer.isBuffer(encodeAnswer(5, 6, multi))).toBe(true);
  });
});
