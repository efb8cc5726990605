import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameLengthError } from '../../protocol/src/framing.js';
import { FrameHeads, REPLY_HEAD_BYTES, WHOLE_FRAME_LIMIT } from '../src/loadgen/frame-heads.js';

const frameLengths = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: WHOLE_FRAME_LIMIT - 2, max: WHOLE_FRAME_LIMIT + 2 }), fc.integer({ min: 5000, max: 20_000 })),
  { maxLength: 12 },
);

/** Length-prefixed frames whose bytes are all different from their neighbours' (so a misplaced byte shows). */
function stream(lengths: number[]): { bytes: Buffer; frames: Buffer[] } {
  let seed = 1;
  const frames = lengths.map((n) => {
    const f = Buffer.alloc(n);
    for (let i = 0; i < n; i++) f[i] = seed = (seed * 31 + 7) % 251;
    return f;
  });
  const bytes = Buffer.concat(frames.flatMap((f) => {
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(f.length, 0);
    return [prefix, f];
  }));
  return { bytes, frames };
}

describe('FrameHeads', () => {
  it('hands over each frame whole, or its reply head when large, however the stream is cut', () => {
    fc.assert(fc.property(frameLengths, fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 30 }), (lengths, cuts) => {
      const { bytes, frames } = stream(lengths);
      const got: Array<{ head: Buffer; length: number }> = [];
      const reader = new FrameHeads(1 << 20, (head, length) => got.push({ head: Buffer.from(head), length }));
      // One scratch buffer for every chunk, overwritten after each push, as net's onread does.
      const scratch = Buffer.alloc(9000);
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const n = Math.min(cuts[i % cuts.length]!, bytes.length - at);
        bytes.copy(scratch, 0, at, at + n);
        reader.push(scratch.subarray(0, n));
        scratch.fill(0xee, 0, n);
        at += n;
      }
      expect(got.map((g) => g.length)).toEqual(frames.map((f) => f.length));
      got.forEach((g, i) => {
        const f = frames[i]!;
        expect(g.head).toEqual(f.length <= WHOLE_FRAME_LIMIT ? f : f.subarray(0, REPLY_HEAD_BYTES));
      });
    }), { numRuns: 60 });
  });

  it('refuses a length above the limit or below zero, and keeps refusing', () => {
    for (const length of [1025, -1]) {
      const reader = new FrameHeads(1024, () => {});
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(length, 0);
      expect(() => reader.push(prefix)).toThrow(FrameLengthError);
      expect(() => reader.push(Buffer.alloc(8))).toThrow(FrameLengthError);
    }
  });

  it('completes a frame only when its last byte arrives', () => {
    const { bytes } = stream([WHOLE_FRAME_LIMIT + 100]);
    let frames = 0;
    const reader = new FrameHeads(1 << 20, () => frames++);
    reader.push(bytes.subarray(0, bytes.length - 1));
    expect(frames).toBe(0);
    reader.push(bytes.subarray(bytes.length - 1));
    expect(frames).toBe(1);
  });
});
