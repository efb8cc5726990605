// Malformed input must raise MarshallingError (never another exception, never a hang or a huge allocation).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpCode } from '../src/constants.js';
import { JuteReader, MarshallingError } from '../src/jute.js';
import {
  decodeConnectRequest,
  decodeConnectResponse,
  decodeRequestFrame,
  decodeServerFrame,
  encodeReply,
  encodeRequest,
} from '../src/messages.js';
import { UnknownOpCodeError } from '../src/request-codec.js';
import { decodeResponse } from '../src/response-codec.js';
import * as arb from './arbitraries.js';

/** Runs `f`; passes if it returns or throws MarshallingError, fails on any other exception. */
function onlyMarshallingErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof MarshallingError)) throw e;
  }
}

const responseTypes = Object.values(OpCode).filter((v): v is OpCode => typeof v === 'number');
const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));

/** Random bytes biased towards jute-looking content: small ints, -1 lengths, valid headers. */
const juteish = fc
  .array(
    fc.oneof(
      fc.integer({ min: -2, max: 20 }).map((n) => {
        const b = Buffer.alloc(4);
        b.writeInt32BE(n);
        return b;
      }),
      fc.constantFrom(...responseTypes).map((t) => {
        const b = Buffer.alloc(8);
        b.writeInt32BE(1);
        b.writeInt32BE(t, 4);
        return b;
      }),
      fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
    ),
    { maxLength: 30 },
  )
  .map((parts) => Buffer.concat(parts));

describe('malformed input', () => {
  it('random bytes as any client or server message', () => {
    fc.assert(
      fc.property(fc.oneof(bytes, juteish), fc.constantFrom(...responseTypes), (b, type) => {
        onlyMarshallingErrors(() => decodeRequestFrame(b));
        onlyMarshallingErrors(() => decodeConnectRequest(b));
        onlyMarshallingErrors(() => decodeConnectResponse(b));
        onlyMarshallingErrors(() => decodeServerFrame(b));
        onlyMarshallingErrors(() => decodeResponse(type, new JuteReader(b)));
      }),
      { numRuns: 2000 },
    );
  });

  it('every proper prefix of a request frame is rejected', () => {
    fc.assert(
      fc.property(arb.clientRequest, (req) => {
        const frame = encodeRequest(1, req).subarray(4);
        for (let n = 0; n < frame.length; n++) {
          expect(() => decodeRequestFrame(frame.subarray(0, n))).toThrow(MarshallingError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('every proper prefix of a reply body is rejected', () => {
    fc.assert(
      fc.property(arb.clientResponse, (res) => {
        const body = encodeReply(1, 1, 0, res).subarray(4 + 16);
        for (let n = 0; n < body.length; n++) {
          expect(() => decodeResponse(res.type, new JuteReader(body, 0, n))).toThrow(MarshallingError);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('single-byte corruptions of valid frames', () => {
    fc.assert(
      fc.property(arb.clientRequest, fc.nat(), fc.integer({ min: 0, max: 255 }), (req, at, byte) => {
        const frame = Buffer.from(encodeRequest(1, req).subarray(4));
        frame[at % frame.length] = byte;
        onlyMarshallingErrors(() => decodeRequestFrame(frame));
      }),
      { numRuns: 1000 },
    );
  });

  it('lengths: -1 is null, other negatives and overlong lengths are refused', () => {
    const frame = (len: number) => {
      const b = Buffer.alloc(16);
      b.writeInt32BE(1, 0);
      b.writeInt32BE(OpCode.GetACL, 4);
      b.writeInt32BE(len, 8);
      return b;
    };
    expect(decodeRequestFrame(frame(-1)).request).toEqual({ type: OpCode.GetACL, path: '' });
    expect(decodeRequestFrame(frame(4)).request).toEqual({ type: OpCode.GetACL, path: '\0\0\0\0' });
    expect(() => decodeRequestFrame(frame(-2))).toThrow(MarshallingError);
    expect(() => decodeRequestFrame(frame(5))).toThrow(MarshallingError);
    expect(() => decodeRequestFrame(frame(0x7fffffff))).toThrow(MarshallingError);
  });

  it('a huge vector count is refused before allocating', () => {
    const b = Buffer.alloc(24);
    b.writeInt32BE(1, 0);
    b.writeInt32BE(OpCode.SetWatches, 4);
    b.writeInt32BE(0x7fffffff, 16); // dataWatches count
    expect(() => decodeRequestFrame(b)).toThrow(/exceeds/);
  });

  it('unknown and server-only opcodes raise UnknownOpCodeError with the xid', () => {
    for (const type of [OpCode.Notification, OpCode.CreateSession, OpCode.Error, OpCode.DeleteContainer, 10, 99, 1000]) {
      const b = Buffer.alloc(8);
      b.writeInt32BE(42, 0);
      b.writeInt32BE(type, 4);
      let err: unknown;
      try {
        decodeRequestFrame(b);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UnknownOpCodeError);
      expect(err).toBeInstanceOf(MarshallingError);
      expect((err as UnknownOpCodeError).xid).toBe(42);
      expect((err as UnknownOpCodeError).opCode).toBe(type);
    }
  });

  it('a read op inside multi (or a write inside multiRead) is refused', () => {
    const getData = { type: OpCode.GetData, path: '/a', watch: false } as const;
    const del = { type: OpCode.Delete, path: '/a', version: -1 } as const;
    const multiWithRead = encodeRequest(1, { type: OpCode.MultiRead, ops: [getData] });
    multiWithRead.writeInt32BE(OpCode.Multi, 8);
    expect(() => decodeRequestFrame(multiWithRead.subarray(4))).toThrow(MarshallingError);
    const readWithWrite = encodeRequest(1, { type: OpCode.Multi, ops: [del] });
    readWithWrite.writeInt32BE(OpCode.MultiRead, 8);
    expect(() => decodeRequestFrame(readWithWrite.subarray(4))).toThrow(MarshallingError);
  });
});
