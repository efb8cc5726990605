// Cross-checks against an independent implementation: the jute classes of node-zookeeper-client.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '../src/constants.js';
import { decodeConnectRequest, decodeRequestFrame, encodeConnectResponse, encodeReply } from '../src/messages.js';
import type { Stat } from '../src/records.js';
import * as arb from './arbitraries.js';

const require = createRequire(import.meta.url);
const jute: any = require('node-zookeeper-client/lib/jute/index.js');

function long(v: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}

/** Their longs are 8-byte Buffers. */
function theirStatToOurs(s: Record<string, unknown>): Stat {
  const n = (k: string) => Number((s[k] as Buffer).readBigInt64BE());
  return {
    czxid: n('czxid'),
    mzxid: n('mzxid'),
    ctime: n('ctime'),
    mtime: n('mtime'),
    version: s.version as number,
    cversion: s.cversion as number,
    aversion: s.aversion as number,
    ephemeralOwner: (s.ephemeralOwner as Buffer).readBigInt64BE(),
    dataLength: s.dataLength as number,
    numChildren: s.numChildren as number,
    pzxid: n('pzxid'),
  };
}

/** Strip the 4-byte length of a frame produced by their Request.toBuffer. */
const body = (b: Buffer) => b.subarray(4);

describe('interop with node-zookeeper-client jute', () => {
  it('their ConnectRequest (no readOnly byte) decodes', () => {
    const theirs = new jute.protocol.ConnectRequest(0, long(0x1_0000_0007), 12000, long(0x0200000000000001n), Buffer.alloc(16, 7));
    const b = Buffer.alloc(theirs.byteLength());
    theirs.serialize(b, 0);
    expect(decodeConnectRequest(b)).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0x1_0000_0007,
      timeOut: 12000,
      sessionId: 0x0200000000000001n,
      passwd: Buffer.alloc(16, 7),
      readOnly: false,
    });
  });

  it('our ConnectResponse decodes with theirs', () => {
    const frame = encodeConnectResponse({
      protocolVersion: 0,
      timeOut: 4000,
      sessionId: -2n,
      passwd: Buffer.alloc(16, 1),
      readOnly: false,
    });
    const theirs = new jute.protocol.ConnectResponse();
    theirs.deserialize(frame, 4);
    expect(theirs.timeOut).toBe(4000);
    expect(theirs.sessionId).toEqual(long(-2n));
    expect(theirs.passwd).toEqual(Buffer.alloc(16, 1));
  });

  it('their create/setData requests decode', () => {
    fc.assert(
      fc.property(arb.path, arb.buf, arb.acls, arb.int32, arb.int32, (path, data, acl, flags, xid) => {
        const theirAcl = acl.map((a) => new jute.data.ACL(a.perms, new jute.data.Id(a.id.scheme, a.id.id)));
        const create = new jute.Request(
          new jute.protocol.RequestHeader(xid, OpCode.Create),
          new jute.protocol.CreateRequest(path, data, theirAcl, flags),
        );
        expect(decodeRequestFrame(body(create.toBuffer()))).toEqual({
          header: { xid, type: OpCode.Create },
          request: { type: OpCode.Create, path, data, acl, flags },
        });
        const setData = new jute.Request(
          new jute.protocol.RequestHeader(xid, OpCode.SetData),
          new jute.protocol.SetDataRequest(path, data, flags),
        );
        expect(decodeRequestFrame(body(setData.toBuffer())).request).toEqual({
          type: OpCode.SetData,
          path,
          data,
          version: flags,
        });
      }),
      { numRuns: 50 },
    );
  });

  it('their transaction (multi) request decodes', () => {
    const tx = new jute.TransactionRequest([
      { type: OpCode.Create, path: '/x', data: Buffer.from('v'), acls: [], mode: 1 },
      { type: OpCode.SetData, path: '/x', data: Buffer.from('w'), version: 3 },
      { type: OpCode.Check, path: '/y', version: -1 },
      { type: OpCode.Delete, path: '/z', version: 2 },
    ]);
    const frame = new jute.Request(new jute.protocol.RequestHeader(11, OpCode.Multi), tx).toBuffer();
    expect(decodeRequestFrame(body(frame)).request).toEqual({
      type: OpCode.Multi,
      ops: [
        { type: OpCode.Create, path: '/x', data: Buffer.from('v'), acl: [], flags: 1 },
        { type: OpCode.SetData, path: '/x', data: Buffer.from('w'), version: 3 },
        { type: OpCode.Check, path: '/y', version: -1 },
        { type: OpCode.Delete, path: '/z', version: 2 },
      ],
    });
  });

  it('our getData and getChildren2 replies decode with theirs', () => {
    fc.assert(
      fc.property(arb.buf, arb.stat, arb.strings, (data, stat, children) => {
        let frame = encodeReply(3, stat.mzxid, 0, { type: OpCode.GetData, data, stat });
        const header = new jute.protocol.ReplyHeader();
        const off = 4 + header.deserialize(frame, 4);
        expect(header.xid).toBe(3);
        expect(header.zxid).toEqual(long(stat.mzxid));
        const gd = new jute.protocol.GetDataResponse();
        gd.deserialize(frame, off);
        expect(gd.data ?? Buffer.alloc(0)).toEqual(data);
        expect(theirStatToOurs(gd.stat)).toEqual(stat);

        frame = encodeReply(4, 1, 0, { type: OpCode.GetChildren2, children, stat });
        const gc = new jute.protocol.GetChildren2Response();
        gc.deserialize(frame, 4 + 16);
        expect(gc.children).toEqual(children);
        expect(theirStatToOurs(gc.stat)).toEqual(stat);
      }),
      { numRuns: 50 },
    );
  });

  it('our multi response decodes with theirs', () => {
    const stat = { czxid: 1, mzxid: 2, ctime: 3, mtime: 4, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 8n, dataLength: 9, numChildren: 10, pzxid: 11 };
    const frame = encodeReply(2, 9, 0, {
      type: OpCode.Multi,
      results: [
        { type: OpCode.Create, path: '/p' },
        { type: OpCode.SetData, stat },
        { type: OpCode.Delete },
        { type: OpCode.Check },
        { type: OpCode.Error, err: -101 },
      ],
    });
    const tx = new jute.TransactionResponse();
    tx.deserialize(frame, 4 + 16);
    expect(tx.results.map((r: { type: number }) => r.type)).toEqual([1, 5, 2, 13, -1]);
    expect(tx.results[0].path).toBe('/p');
    expect(theirStatToOurs(tx.results[1].stat)).toEqual(stat);
    expect(tx.results[4].err).toBe(-101);
  });
});
