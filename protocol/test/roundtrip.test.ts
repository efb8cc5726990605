import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JuteReader, JuteWriter } from '../src/jute.js';
import type { Codec } from '../src/layout.js';
import {
  aclCodec,
  connectRequestCodec,
  connectResponseCodec,
  replyHeaderCodec,
  requestHeaderCodec,
  statCodec,
  watcherEventCodec,
} from '../src/record-codec.js';
import { decodeRequest, writeRequestBody } from '../src/request-codec.js';
import { decodeResponse, writeResponseBody } from '../src/response-codec.js';
import {
  decodeConnectRequest,
  decodeConnectResponse,
  decodeReply,
  decodeRequestFrame,
  decodeServerFrame,
  encodeConnectRequest,
  encodeConnectResponse,
  encodeNotification,
  encodeReply,
  encodeRequest,
} from '../src/messages.js';
import { OpCode } from '../src/constants.js';
import * as arb from './arbitraries.js';

/** Encodes with `write`, decodes with `read`, and checks that every byte was consumed. */
function roundTrip<T>(value: T, write: (w: JuteWriter, v: T) => void, read: (r: JuteReader) => T): T {
  const w = new JuteWriter(8); // tiny initial capacity exercises growth
  write(w, value);
  const bytes = w.finish();
  const r = new JuteReader(bytes);
  const out = read(r);
  expect(r.remaining).toBe(0);
  return out;
}

/** Payload of a length-prefixed frame, after checking the prefix. */
function payload(frame: Buffer): Buffer {
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  return frame.subarray(4);
}

const ints = fc.array(arb.int32, { maxLength: 3 });

describe('record round-trips', () => {
  const cases: [string, fc.Arbitrary<any>, Codec<any>][] = [
    ['Stat', arb.stat, statCodec],
    ['ACL', arb.acl, aclCodec],
    ['ConnectRequest', arb.connectRequest, connectRequestCodec],
    ['ConnectResponse', arb.connectResponse, connectResponseCodec],
    ['WatcherEvent', arb.watcherEvent, watcherEventCodec],
    ['RequestHeader', fc.record({ xid: arb.int32, type: arb.int32 }), requestHeaderCodec],
    ['ReplyHeader', fc.record({ xid: arb.int32, zxid: arb.long, err: arb.int32 }), replyHeaderCodec],
  ];
  for (const [name, a, codec] of cases) {
    it(name, () => {
      fc.assert(
        fc.property(a, (v) => {
          expect(roundTrip(v, codec.write, codec.read)).toEqual(v);
        }),
      );
    });
  }

  it('every request body', () => {
    fc.assert(
      fc.property(arb.clientRequest, arb.int32, (req, xid) => {
        const out = roundTrip(req, writeRequestBody, (r) => decodeRequest({ xid, type: req.type }, r));
        expect(out).toEqual(req);
      }),
      { numRuns: 500 },
    );
  });

  it('every response body', () => {
    fc.assert(
      fc.property(arb.clientResponse, (res) => {
        expect(roundTrip(res, writeResponseBody, (r) => decodeResponse(res.type, r))).toEqual(res);
      }),
      { numRuns: 500 },
    );
  });

  it('jute primitives, vectors and nulls', () => {
    fc.assert(
      fc.property(arb.str, arb.data, ints, fc.option(arb.str, { nil: null }), (s, b, xs, ns) => {
        const w = new JuteWriter(1);
        w.writeString(s);
        w.writeBuffer(b);
        w.writeVector(xs, (ww, x) => ww.writeInt(x));
        w.writeString(ns);
        const r = new JuteReader(w.finish());
        expect(r.readString()).toBe(s);
        expect(r.readBuffer()).toEqual(b);
        expect(r.readVector(4, (rr) => rr.readInt())).toEqual(xs);
        expect(r.readNullableString()).toBe(ns);
        expect(r.remaining).toBe(0);
      }),
    );
  });
});

describe('JuteWriter slabs', () => {
  it('finished messages stay intact while later ones fill and outgrow the slab', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 40 }), (payloads) => {
        const w = new JuteWriter(1024);
        const out = payloads.map((p) => {
          w.writeInt(7); // discarded below: reset drops only the message in progress
          w.reset();
          w.writeBuffer(p);
          return w.finish();
        });
        out.forEach((msg, i) => {
          const r = new JuteReader(msg);
          expect(r.readBuffer()).toEqual(Buffer.from(payloads[i]!));
          expect(r.remaining).toBe(0);
        });
      }),
    );
  });

  it('rejects ints outside 32 bits instead of truncating', () => {
    const w = new JuteWriter();
    expect(() => w.writeInt(2 ** 31)).toThrow(RangeError);
    expect(() => w.writeInt(0.5)).toThrow(RangeError);
    w.writeInt(-(2 ** 31));
    expect(w.finish()).toEqual(Buffer.from('80000000', 'hex'));
  });
});

describe('framed messages', () => {
  it('requests: encodeRequest → decodeRequestFrame', () => {
    fc.assert(
      fc.property(arb.clientRequest, arb.int32, (req, xid) => {
        const { header, request } = decodeRequestFrame(payload(encodeRequest(xid, req)));
        expect(header).toEqual({ xid, type: req.type });
        expect(request).toEqual(req);
      }),
    );
  });

  it('replies: encodeReply → decodeReply, body only when err is 0', () => {
    fc.assert(
      fc.property(arb.clientResponse, arb.int32, arb.long, fc.constantFrom(0, -101, -110), (res, xid, zxid, err) => {
        const frame = payload(encodeReply(xid, zxid, err, res));
        const { header, body } = decodeReply(frame, res.type);
        expect(header).toEqual({ xid, zxid, err });
        if (err === 0) expect(body).toEqual(res);
        else {
          expect(body).toBeUndefined();
          expect(frame.length).toBe(16);
        }
      }),
    );
  });

  it('notifications are recognised by xid -1', () => {
    fc.assert(
      fc.property(arb.watcherEvent, (event) => {
        const msg = decodeServerFrame(payload(encodeNotification(event)));
        expect(msg).toEqual({ kind: 'notification', header: { xid: -1, zxid: -1, err: 0 }, event });
      }),
    );
  });

  it('an ordinary reply leaves the body for the caller', () => {
    const msg = decodeServerFrame(payload(encodeReply(7, 42, 0, { type: OpCode.Sync, path: '/a' })));
    expect(msg.kind).toBe('reply');
    if (msg.kind !== 'reply') return;
    expect(msg.header).toEqual({ xid: 7, zxid: 42, err: 0 });
    expect(decodeResponse(OpCode.Sync, msg.reader)).toEqual({ type: OpCode.Sync, path: '/a' });
  });

  it('session handshake', () => {
    fc.assert(
      fc.property(arb.connectRequest, arb.connectResponse, (req, res) => {
        expect(decodeConnectRequest(payload(encodeConnectRequest(req)))).toEqual(req);
        expect(decodeConnectResponse(payload(encodeConnectResponse(res)))).toEqual(res);
      }),
    );
  });
});
