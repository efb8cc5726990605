import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BUFFER } from '../src/constants.js';
import {
  FOUR_LETTER_WORD_NAMES,
  FrameDecoder,
  FrameLengthError,
  TELNET_CLOSE,
  encodeFrame,
  fourLetterWord,
  lengthPrefix,
} from '../src/framing.js';
import { MarshallingError } from '../src/jute.js';

const framed = (payload: Buffer) => Buffer.concat([lengthPrefix(payload.length), payload]);

/** Splits `stream` at the given cut points (sorted, deduplicated, in range). */
function split(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of [...points, stream.length]) {
    chunks.push(stream.subarray(last, p));
    last = p;
  }
  return chunks;
}

function drain(d: FrameDecoder): Buffer[] {
  const out: Buffer[] = [];
  for (let f = d.next(); f !== null; f = d.next()) out.push(f);
  return out;
}

describe('FrameDecoder', () => {
  it('yields the same frames however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (payloads, cuts) => {
          const expected = payloads.map((p) => Buffer.from(p));
          const stream = Buffer.concat(expected.map(framed));
          const d = new FrameDecoder();
          const got: Buffer[] = [];
          for (const chunk of split(stream, cuts)) {
            d.push(chunk);
            got.push(...drain(d));
          }
          expect(got).toEqual(expected);
          expect(d.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns a frame inside one chunk as a view of that chunk', () => {
    const chunk = Buffer.concat([framed(Buffer.from('abc')), framed(Buffer.from('de'))]);
    const d = new FrameDecoder();
    d.push(chunk);
    const [a, b] = drain(d);
    expect(a!.toString()).toBe('abc');
    expect(b!.toString()).toBe('de');
    expect(a!.buffer).toBe(chunk.buffer);
    expect(a!.byteOffset).toBe(chunk.byteOffset + 4);
  });

  it('a frame that starts a new chunk after an exactly-consumed one is also a view', () => {
    const first = framed(Buffer.from('abc'));
    const second = framed(Buffer.from('xyz'));
    const d = new FrameDecoder();
    d.push(first);
    expect(drain(d)).toHaveLength(1);
    d.push(second);
    const [f] = drain(d);
    expect(f!.buffer).toBe(second.buffer);
    expect(f!.byteOffset).toBe(second.byteOffset + 4);
  });

  it('handles a large frame delivered one byte at a time', () => {
    const payload = Buffer.alloc(100_000, 7);
    const stream = framed(payload);
    const d = new FrameDecoder();
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      d.push(stream.subarray(i, i + 1));
      got.push(...drain(d));
    }
    expect(got).toHaveLength(1);
    expect(got[0]!.equals(payload)).toBe(true); // Buffer.equals: toEqual is slow on large buffers
  });

  it('accepts a frame of exactly the limit and refuses one byte more, before its body arrives', () => {
    const ok = new FrameDecoder(10);
    ok.push(framed(Buffer.alloc(10)));
    expect(drain(ok)).toHaveLength(1);

    const d = new FrameDecoder(10);
    d.push(lengthPrefix(11));
    expect(() => d.next()).toThrow(FrameLengthError);
  });

  it('defaults to jute.maxbuffer (0xfffff)', () => {
    const d = new FrameDecoder();
    expect(d.maxFrameSize).toBe(DEFAULT_MAX_BUFFER);
    d.push(lengthPrefix(0x100000));
    let err: unknown;
    try {
      d.next();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrameLengthError);
    expect(err).toBeInstanceOf(MarshallingError);
    expect((err as FrameLengthError).frameLength).toBe(0x100000);
  });

  it('refuses negative lengths and stays failed', () => {
    const d = new FrameDecoder();
    d.push(Buffer.from([0xff, 0xff]));
    expect(d.next()).toBeNull();
    d.push(Buffer.from([0xff, 0xfe]));
    expect(() => d.next()).toThrow(/negative frame length -2/);
    d.push(framed(Buffer.from('x')));
    expect(() => d.next()).toThrow(FrameLengthError);
  });

  it('frames before a bad length are still delivered', () => {
    const d = new FrameDecoder(100);
    d.push(Buffer.concat([framed(Buffer.from('ok')), lengthPrefix(1000)]));
    expect(d.next()!.toString()).toBe('ok');
    expect(() => d.next()).toThrow(FrameLengthError);
  });
});

describe('four-letter words', () => {
  it('recognises every ZooKeeper command from its first four bytes, even split across chunks', () => {
    expect(FOUR_LETTER_WORD_NAMES).toHaveLength(18);
    for (const word of FOUR_LETTER_WORD_NAMES) {
      const d = new FrameDecoder();
      d.push(Buffer.from(word.slice(0, 1)));
      expect(d.peekInt()).toBeNull();
      d.push(Buffer.from(word.slice(1) + '\n'));
      expect(fourLetterWord(d.peekInt()!)).toBe(word);
      expect(d.bufferedBytes).toBe(5); // peeking consumes nothing
    }
  });

  it('recognises the telnet close sequence and nothing that a real length could be', () => {
    expect(fourLetterWord(TELNET_CLOSE)).toBe('telnet close');
    expect(fourLetterWord(0xfff4fffd)).toBe('telnet close');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DEFAULT_MAX_BUFFER }), (len) => {
        expect(fourLetterWord(len)).toBeUndefined();
      }),
    );
    expect(fourLetterWord(Buffer.from('RUOK').readInt32BE(0))).toBeUndefined();
  });

  it('stmk: the 8-byte argument can be taken raw', () => {
    const d = new FrameDecoder();
    d.push(Buffer.from('stmk'));
    d.push(Buffer.from([0, 0, 0, 0]));
    expect(fourLetterWord(d.peekInt()!)).toBe('stmk');
    expect(d.takeBytes(4)!.toString()).toBe('stmk');
    expect(d.takeBytes(8)).toBeNull();
    d.push(Buffer.from([0, 0, 0, 0x0f]));
    expect(d.takeBytes(8)).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x0f]));
    expect(d.bufferedBytes).toBe(0);
  });
});

describe('encodeFrame', () => {
  it('prefixes the length and returns independent buffers', () => {
    const a = encodeFrame((w) => w.writeString('hello'));
    const b = encodeFrame((w) => w.writeInt(1));
    expect(a).toEqual(Buffer.from('0000000900000005' + Buffer.from('hello').toString('hex'), 'hex'));
    expect(b).toEqual(Buffer.from('0000000400000001', 'hex'));
  });

  it('survives nesting and a throwing writer', () => {
    const outer = encodeFrame((w) => {
      w.writeInt(1);
      const inner = encodeFrame((w2) => w2.writeInt(2));
      w.writeBuffer(inner);
    });
    expect(outer).toEqual(Buffer.from('00000010' + '00000001' + '00000008' + '0000000400000002', 'hex'));
    expect(() =>
      encodeFrame((w) => {
        w.writeInt(5);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(encodeFrame((w) => w.writeBoolean(true))).toEqual(Buffer.from('0000000101', 'hex'));
  });

  it('grows past its initial scratch capacity', () => {
    const big = Buffer.alloc(200_000, 3);
    const f = encodeFrame((w) => w.writeBuffer(big));
    expect(f.readInt32BE(0)).toBe(200_004);
    expect(f.subarray(8).equals(big)).toBe(true);
  });
});
