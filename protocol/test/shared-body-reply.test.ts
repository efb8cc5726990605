import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '../src/constants.js';
import { encodeReply } from '../src/messages.js';
import { encodeGetDataBody, sharedBodyReply } from '../src/response-codec.js';
import { data, int32, long, stat } from './arbitraries.js';

const bigData = fc.option(fc.uint8Array({ maxLength: 20_000 }).map((a) => Buffer.from(a)), { nil: null });

describe('replies around a shared getData body', () => {
  it('are byte for byte the reply encodeReply makes', () => {
    fc.assert(fc.property(int32, long, fc.oneof(data, bigData), stat, (xid, zxid, d, s) => {
      const chunks = sharedBodyReply(xid, zxid, encodeGetDataBody(d, s));
      expect(Buffer.concat(chunks)).toEqual(encodeReply(xid, zxid, 0, { type: OpCode.GetData, data: d, stat: s }));
    }), { numRuns: 200 });
  });

  it('send the one body Buffer in every reply, with a head of its own each', () => {
    const body = encodeGetDataBody(Buffer.alloc(10_000, 7), { czxid: 1, mzxid: 2, ctime: 3, mtime: 4, version: 5, cversion: 6,
      aversion: 7, ephemeralOwner: 0n, dataLength: 10_000, numChildren: 0, pzxid: 8 });
    const [head1, body1] = sharedBodyReply(1, 100, body);
    const [head2, body2] = sharedBodyReply(2, 101, body);
    expect(body1).toBe(body);
    expect(body2).toBe(body);
    expect(head1!.readInt32BE(4)).toBe(1);
    expect(head2!.readInt32BE(4)).toBe(2);
    // Later heads never overwrite earlier ones (they are views of one slab, handed to the socket as they are).
    expect(Buffer.concat([head1!, body1!])).toEqual(encodeReply(1, 100, 0, { type: OpCode.GetData, data: Buffer.alloc(10_000, 7),
      stat: { czxid: 1, mzxid: 2, ctime: 3, mtime: 4, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 0n, dataLength: 10_000, numChildren: 0, pzxid: 8 } }));
  });
});
