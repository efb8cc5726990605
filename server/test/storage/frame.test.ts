import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FRAME_HEADER_BYTES, readFrame, sealFrame, SharedPrefixFrame } from '../../src/storage/frame.js';

const typeArb = fc.integer({ min: 1, max: 255 });
const bytesArb = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

describe('frames', () => {
  it('checksum the length and type bytes and then the payload with zlib CRC-32, as the layout says', () => {
    fc.assert(
      fc.property(typeArb, bytesArb, (type, payload) => {
        const frame = encodeFrame(type, payload);
        expect(frame.readUInt32LE(0)).toBe(payload.length);
        expect(frame[4]).toBe(type);
        expect(frame.readUInt32LE(5)).toBe(crc32(Buffer.concat([frame.subarray(0, 5), payload])));
        const read = readFrame(frame, 0);
        expect(read).toMatchObject({ kind: 'frame', type, end: frame.length });
        expect(read.kind === 'frame' && read.payload.equals(payload)).toBe(true);
      }),
    );
  });

  it('are the same bytes whether sealed in place, encoded whole or sent as a shared prefix and a tail', () => {
    fc.assert(
      fc.property(typeArb, bytesArb, bytesArb, fc.nat(16), (type, shared, tail, at) => {
        const whole = encodeFrame(type, Buffer.concat([shared, tail]));
        const inPlace = Buffer.alloc(at + whole.length);
        whole.copy(inPlace, at + FRAME_HEADER_BYTES, FRAME_HEADER_BYTES);
        sealFrame(inPlace, at, type, whole.length - FRAME_HEADER_BYTES);
        expect(inPlace.subarray(at).equals(whole)).toBe(true);
        const pieces = new SharedPrefixFrame(type, shared, tail.length).withTail(tail);
        expect(Buffer.concat(pieces).equals(whole)).toBe(true);
      }),
    );
  });

  it('refuse any damaged byte of the header or payload', () => {
    fc.assert(
      fc.property(typeArb, bytesArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (type, payload, at, flip) => {
        const frame = encodeFrame(type, payload);
        const i = at % frame.length;
        frame[i]! ^= flip;
        const read = readFrame(frame, 0);
        // A damaged length may also make the frame look longer than the buffer.
        expect(read.kind === 'bad' || read.kind === 'short' || (read.kind === 'zeros' && i < 9)).toBe(true);
      }),
    );
  });
});
