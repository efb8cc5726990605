// Exact byte layouts, derived by hand from zookeeper.jute (int = 4 bytes BE, long = 8 bytes BE, boolean = 1 byte,
// buffer/ustring/vector = int length then contents).
import { describe, expect, it } from 'vitest';
import { CreateMode, ErrorCode, EventType, KeeperState, OpCode, Perms } from '../src/constants.js';
import { JuteReader, JuteWriter, MarshallingError } from '../src/jute.js';
import { statCodec } from '../src/record-codec.js';
import {
  decodeConnectRequest,
  decodeReply,
  decodeRequestFrame,
  encodeConnectRequest,
  encodeNotification,
  encodeReply,
  encodeRequest,
} from '../src/messages.js';
import type { Stat } from '../src/records.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');

describe('golden byte layouts', () => {
  it('ConnectRequest', () => {
    const frame = encodeConnectRequest({
      protocolVersion: 0,
      lastZxidSeen: 0x2_0000_0005,
      timeOut: 30000,
      sessionId: 0x100000a1b2c0000n,
      passwd: Buffer.alloc(16, 0xab),
      readOnly: true,
    });
    expect(frame).toEqual(
      hex(`0000002d | 00000000 | 0000000200000005 | 00007530 | 0100000a1b2c0000 |
           00000010 abababababababababababababababab | 01`),
    );
  });

  it('ConnectRequest from an old client without the readOnly byte', () => {
    const req = decodeConnectRequest(hex('00000000 ffffffffffffffff 00001388 0000000000000000 ffffffff'));
    expect(req).toEqual({
      protocolVersion: 0,
      lastZxidSeen: -1,
      timeOut: 5000,
      sessionId: 0n,
      passwd: Buffer.alloc(0),
      readOnly: false,
    });
  });

  const stat: Stat = {
    czxid: 0x1_0000_0001,
    mzxid: 0x1_0000_0002,
    ctime: 1700000000000,
    mtime: 1700000000001,
    version: 3,
    cversion: 4,
    aversion: 5,
    ephemeralOwner: 0x100000a1b2c0000n,
    dataLength: 6,
    numChildren: 7,
    pzxid: 0x1_0000_0003,
  };
  const statHex = `0000000100000001 0000000100000002 0000018bcfe56800 0000018bcfe56801 00000003 00000004 00000005
                   0100000a1b2c0000 00000006 00000007 0000000100000003`;

  it('Stat', () => {
    const w = new JuteWriter();
    statCodec.write(w, stat);
    expect(w.finish()).toEqual(hex(statHex));
    expect(statCodec.read(new JuteReader(hex(statHex)))).toEqual(stat);
  });

  it('Stat of a container node (ephemeralOwner = Long.MIN_VALUE) keeps all 64 bits', () => {
    const container = { ...stat, ephemeralOwner: -(1n << 63n) };
    const w = new JuteWriter();
    statCodec.write(w, container);
    const bytes = w.finish();
    expect(bytes.subarray(44, 52)).toEqual(hex('8000000000000000'));
    expect(statCodec.read(new JuteReader(bytes)).ephemeralOwner).toBe(-(1n << 63n));
  });

  it('getData reply', () => {
    const frame = encodeReply(9, 0x1_0000_0002, 0, { type: OpCode.GetData, data: Buffer.from('hi'), stat });
    expect(frame).toEqual(hex(`0000005a | 00000009 0000000100000002 00000000 | 00000002 6869 | ${statHex}`));
    expect(decodeReply(frame.subarray(4), OpCode.GetData).body).toEqual({
      type: OpCode.GetData,
      data: Buffer.from('hi'),
      stat,
    });
  });

  it('getData reply with null data', () => {
    const frame = encodeReply(1, 5, 0, { type: OpCode.GetData, data: null, stat });
    expect(frame.subarray(20, 24)).toEqual(hex('ffffffff'));
  });

  it('error reply has no body', () => {
    expect(encodeReply(3, 7, ErrorCode.NoNode, { type: OpCode.Exists, stat })).toEqual(
      hex('00000010 00000003 0000000000000007 ffffff9b'),
    );
  });

  it('failed multi: rolled back, failing and skipped results', () => {
    const frame = encodeReply(4, 0x10, 0, {
      type: OpCode.Multi,
      results: [
        { type: OpCode.Error, err: ErrorCode.Ok },
        { type: OpCode.Error, err: ErrorCode.NoNode },
        { type: OpCode.Error, err: ErrorCode.RuntimeInconsistency },
      ],
    });
    expect(frame).toEqual(
      hex(`00000040 | 00000004 0000000000000010 00000000 |
           ffffffff 00 00000000 00000000 |
           ffffffff 00 ffffff9b ffffff9b |
           ffffffff 00 fffffffe fffffffe |
           ffffffff 01 ffffffff`),
    );
  });

  it('multi request: create + check', () => {
    const bytes = hex(`00000005 0000000e |
      00000001 00 ffffffff | 00000002 2f61 00000001 78 00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65 00000000 |
      0000000d 00 ffffffff | 00000002 2f61 00000001 |
      ffffffff 01 ffffffff`);
    const req = {
      type: OpCode.Multi,
      ops: [
        {
          type: OpCode.Create,
          path: '/a',
          data: Buffer.from('x'),
          acl: [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }],
          flags: CreateMode.Persistent,
        },
        { type: OpCode.Check, path: '/a', version: 1 },
      ],
    } as const;
    expect(decodeRequestFrame(bytes)).toEqual({ header: { xid: 5, type: OpCode.Multi }, request: req });
    expect(encodeRequest(5, req as never).subarray(4)).toEqual(bytes);
  });

  it('watch notification', () => {
    const frame = encodeNotification({ type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: '/é' });
    expect(frame).toEqual(hex('0000001f ffffffff ffffffffffffffff 00000000 | 00000003 00000003 00000003 2fc3a9'));
  });

  it('a zxid beyond 2^53 is refused, not rounded', () => {
    expect(() => decodeReply(hex('00000001 0020000000000000 00000000'), OpCode.Ping)).toThrow(MarshallingError);
    expect(decodeReply(hex('00000001 001fffffffffffff 00000000'), OpCode.Ping).header.zxid).toBe(2 ** 53 - 1);
    expect(decodeReply(hex('00000001 ffe0000000000001 00000000'), OpCode.Ping).header.zxid).toBe(-(2 ** 53) + 1);
  });

  it('writing a long that is not a safe integer is a programming error', () => {
    const w = new JuteWriter();
    expect(() => w.writeLong(2 ** 53)).toThrow(RangeError);
    expect(() => w.writeLong(1.5)).toThrow(RangeError);
  });
});
