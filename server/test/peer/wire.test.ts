// Property tests of the transport's pure parts: frame splitting, the bounded send queue, the chunk channel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/storage/frame.js';
import { ChunkChannel } from '../../src/peer/chunk-channel.js';
import { SendQueue, type Lane } from '../../src/peer/send-queue.js';
import { FrameDecoder, ProtocolError, FrameKind } from '../../src/peer/wire.js';
import { RaftFrameEncoder, decodeRaftFrame } from '../../src/peer/raft-codec.js';
import { MsgType, type Message } from '../../src/consensus/messages.js';
import { parseServerSpec } from '../../src/config/server-line.js';
import { peerAddresses } from '../../src/peer/addresses.js';

const frameArb = fc.record({ kind: fc.integer({ min: 1, max: 255 }), payload: fc.uint8Array({ maxLength: 300 }) });

/** Cuts `bytes` at the given fractions into pieces (possibly empty), as TCP may. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(bytes.subarray(at, p));
    at = p;
  }
  return pieces;
}

describe('FrameDecoder', () => {
  it('yields exactly the frames written, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }), (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => encodeFrame(f.kind, f.payload)));
        const decoder = new FrameDecoder(1000);
        const out = split(stream, cuts).flatMap((piece) => decoder.push(piece));
        expect(out.map((f) => ({ kind: f.kind, payload: new Uint8Array(f.payload) }))).toEqual(frames);
      }),
    );
  });

  it('never yields a frame that was not written when one byte is damaged', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, flip) => {
        const bytes = encodeFrame(f.kind, f.payload);
        bytes[at % bytes.length]! ^= flip;
        const decoder = new FrameDecoder(1000);
        let out: ReturnType<FrameDecoder['push']> = [];
        try {
          out = decoder.push(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError);
          return;
        }
        // Either still waiting for bytes a damaged length promised, or (never) a frame.
        expect(out).toEqual([]);
      }),
    );
  });

  it('rejects a frame longer than the limit as soon as its header arrives', () => {
    const decoder = new FrameDecoder(100);
    const header = encodeFrame(1, new Uint8Array(101)).subarray(0, 9);
    expect(() => decoder.push(header)).toThrow(/exceeds the limit of 100/);
  });

});

const count = fc.maxSafeNat();
const entryArb = fc.record({ term: count, kind: fc.integer({ min: 0, max: 2 }), data: fc.uint8Array({ maxLength: 64 }) });
const messageArb = fc
  .record(
    {
      type: fc.constantFrom(...[MsgType.Append, MsgType.AppendResp, MsgType.Heartbeat, MsgType.Vote, MsgType.ReadIndexResp, MsgType.CatchUp]),
      from: fc.integer({ min: 1, max: 0xffffffff }),
      to: fc.integer({ min: 1, max: 0xffffffff }),
      term: count,
      index: fc.nat({ max: 2 ** 52 }),
      logTerm: count,
      commit: count,
      reject: fc.constant(true),
      hint: count,
      ctx: count,
      transfer: fc.constant(true),
      entries: fc.array(entryArb, { maxLength: 5 }),
    },
    { requiredKeys: ['type', 'from', 'to', 'term'] },
  )
  .map((m) => {
    const entries = m.entries?.map((e, i) => ({ ...e, index: (m.index ?? 0) + 1 + i }));
    return { ...m, ...(entries ? { entries } : {}) } as Message;
  });

const plainEntries = (m: Message) => ({ ...m, ...(m.entries ? { entries: m.entries.map((e) => ({ ...e, data: [...e.data] })) } : {}) });

describe('Raft frames', () => {
  it('carry every message without snapshot metadata unchanged, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 8 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 10 }), (messages, cuts) => {
        const encoder = new RaftFrameEncoder();
        const stream = Buffer.concat(messages.flatMap((m) => encoder.encode(m)));
        const decoder = new FrameDecoder(1 << 20);
        const frames = split(stream, cuts).flatMap((piece) => decoder.push(piece));
        expect(frames.every((f) => f.kind === FrameKind.Raft)).toBe(true);
        const back = frames.map((f, i) => decodeRaftFrame(f.payload, messages[i]!.from, messages[i]!.to));
        expect(back.map(plainEntries)).toEqual(messages.map(plainEntries));
      }),
    );
  });

  it('share the entry records between followers, and a receiver copies them out of the receive buffer', () => {
    const entries = [1, 2, 3].map((i) => ({ index: 10 + i, term: 4, kind: 0, data: Buffer.alloc(100, i) }));
    const append = (to: number): Message => ({ type: MsgType.Append, from: 1, to, term: 4, index: 10, logTerm: 4, commit: 9, entries });
    const encoder = new RaftFrameEncoder();
    const [toTwo, toThree] = [encoder.encode(append(2)), encoder.encode(append(3))];
    expect(toTwo[1]).toBe(toThree[1]); // the same records buffer, encoded once
    for (const [to, pieces] of [[2, toTwo], [3, toThree]] as const) {
      const [frame] = new FrameDecoder(1 << 20).push(Buffer.concat(pieces));
      const back = decodeRaftFrame(frame!.payload, 1, to);
      frame!.payload.fill(0); // the socket's buffer is reused: the entries must not change with it
      expect(plainEntries(back)).toEqual(plainEntries(append(to)));
    }
  });

  it('refuse a message for another member or from another sender', () => {
    const [frame] = new FrameDecoder(1000).push(Buffer.concat(new RaftFrameEncoder().encode({ type: MsgType.Heartbeat, from: 2, to: 1, term: 1 })));
    expect(() => decodeRaftFrame(frame!.payload, 2, 3)).toThrow(ProtocolError);
    expect(() => decodeRaftFrame(frame!.payload, 3, 1)).toThrow(ProtocolError);
    expect(decodeRaftFrame(frame!.payload, 2, 1)).toEqual({ type: MsgType.Heartbeat, from: 2, to: 1, term: 1 });
  });
});

describe('SendQueue', () => {
  const op = fc.oneof(
    fc.record({ push: fc.constantFrom<Lane>('raft', 'aux'), size: fc.integer({ min: 1, max: 50 }) }),
    fc.constant({ shift: true as const }),
  );

  it('is a FIFO whose lanes never exceed their bounds, admitting whatever fits', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 3000 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 50, max: 400 }), (ops, messages, bytes) => {
        const q = new SendQueue({ raft: { messages, bytes }, aux: { messages: Math.ceil(messages / 2), bytes } });
        const model: { lane: Lane; frame: Buffer }[] = [];
        let id = 0;
        for (const o of ops) {
          if ('shift' in o) {
            expect(q.shift()?.frame).toBe(model.shift()?.frame);
          } else {
            const frame = Buffer.alloc(o.size, id++ & 255);
            const same = model.filter((m) => m.lane === o.push);
            const limit = o.push === 'raft' ? messages : Math.ceil(messages / 2);
            const fits = same.length < limit && same.reduce((s, m) => s + m.frame.length, 0) + o.size <= bytes;
            expect(q.push(o.push, frame)).toBe(fits);
            if (fits) model.push({ lane: o.push, frame });
          }
          expect(q.length).toBe(model.length);
          expect(q.byteLength).toBe(model.reduce((s, m) => s + m.frame.length, 0));
        }
      }),
    );
  });
});

describe('ChunkChannel', () => {
  it('delivers chunks in order, pauses above the high-water mark and resumes once drained', async () => {
    const flow = { paused: false, pauses: 0 };
    const ch = new ChunkChannel({ pause: () => ((flow.paused = true), flow.pauses++), resume: () => (flow.paused = false) }, 100);
    for (let i = 0; i < 5; i++) ch.push(new Uint8Array(30).fill(i));
    expect(flow.paused).toBe(true);
    ch.end();
    const seen: number[] = [];
    for await (const c of ch) {
      seen.push(c[0]!);
      if (seen.length === 3) expect(flow.paused).toBe(true); // 60 bytes left: above half the mark
      if (seen.length === 4) expect(flow.paused).toBe(false);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(flow.pauses).toBe(1);
    expect(ch.ended).toBe(true);
  });

  it('a failure reaches a waiting reader; a second iteration is refused', async () => {
    const ch = new ChunkChannel({ pause: () => {}, resume: () => {} }, 100);
    const it = ch[Symbol.asyncIterator]();
    const pending = it.next();
    ch.fail(new Error('cut'));
    await expect(pending).rejects.toThrow('cut');
    expect(() => ch[Symbol.asyncIterator]()).toThrow(/only once/);
  });
});

describe('peerAddresses', () => {
  it('maps every other server to its quorum port', () => {
    const servers = [1, 2, 3].map((id) => parseServerSpec(id, `10.0.0.${id}:${2880 + id}:${3880 + id}${id === 3 ? ':observer' : ''};2181`));
    expect(peerAddresses(servers, 2)).toEqual(
      new Map([
        [1, { host: '10.0.0.1', port: 2881 }],
        [3, { host: '10.0.0.3', port: 2883 }],
      ]),
    );
  });
});
