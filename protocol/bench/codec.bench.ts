// Micro-benchmarks for the hot paths (run: npx vitest bench --run protocol/bench).
// Not part of the test suite.
import { bench, describe } from 'vitest';
import { OpCode } from '../src/constants.js';
import { FrameDecoder } from '../src/framing.js';
import { JuteReader, JuteWriter } from '../src/jute.js';
import { decodeReply, decodeRequestFrame, encodeReply, encodeRequest } from '../src/messages.js';
import type { Stat } from '../src/records.js';

const stat: Stat = {
  czxid: 0x5_0000_1234,
  mzxid: 0x5_0000_5678,
  ctime: 1_700_000_000_000,
  mtime: 1_700_000_100_000,
  version: 12,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0x100000a1b2c0000n,
  dataLength: 1024,
  numChildren: 0,
  pzxid: 0x5_0000_1234,
};
const value = Buffer.alloc(1024, 0x61);
const reply = encodeReply(77, stat.mzxid, 0, { type: OpCode.GetData, data: value, stat });
const replyPayload = reply.subarray(4);
const request = encodeRequest(77, { type: OpCode.GetData, path: '/service/config/node-0042', watch: true });
const requestPayload = request.subarray(4);
const stream = Buffer.concat(Array.from({ length: 64 }, () => reply));

describe('getData with a 1 KiB value', () => {
  bench('server: encodeReply', () => {
    encodeReply(77, stat.mzxid, 0, { type: OpCode.GetData, data: value, stat });
  });
  bench('client: decodeReply', () => {
    decodeReply(replyPayload, OpCode.GetData);
  });
  bench('client: encodeRequest', () => {
    encodeRequest(77, { type: OpCode.GetData, path: '/service/config/node-0042', watch: true });
  });
  bench('server: decodeRequestFrame', () => {
    decodeRequestFrame(requestPayload);
  });
  bench('FrameDecoder: 64 replies in 1500-byte chunks (per batch)', () => {
    const d = new FrameDecoder();
    for (let at = 0; at < stream.length; at += 1500) {
      d.push(stream.subarray(at, at + 1500));
      while (d.next() !== null);
    }
  });
});

describe('64-bit representation: 1000 longs', () => {
  const w = new JuteWriter(16 * 1024);
  const zxid = 0x5_0000_1234;
  const big = BigInt(zxid);
  const longs = Buffer.alloc(8000);
  longs.writeBigInt64BE(big);
  bench('writeLong(number)', () => {
    w.reset();
    for (let i = 0; i < 1000; i++) w.writeLong(zxid + i);
  });
  bench('writeBigLong(bigint)', () => {
    w.reset();
    for (let i = 0; i < 1000; i++) w.writeBigLong(big + BigInt(i));
  });
  bench('readLong → number', () => {
    const r = new JuteReader(longs);
    for (let i = 0; i < 1000; i++) r.readLong();
  });
  bench('readBigLong → bigint', () => {
    const r = new JuteReader(longs);
    for (let i = 0; i < 1000; i++) r.readBigLong();
  });
});
