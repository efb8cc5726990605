// What cons reports about one connection (est, lop, lzxid, lresp, llat, min/avg/max latency, crst), read from a
// real ClientConnection: idle connections keep none of it until their first counted reply, so the defaults and
// the first reply are where a lazily made record could go wrong.
import { EventEmitter } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpCode, PROTOCOL_VERSION } from '../../../protocol/src/constants.js';
import { encodeConnectRequest, encodeRequest } from '../../../protocol/src/messages.js';
import { ClientConnection, type ConnectionHost } from '../../src/member/connection.js';
import { RequestThrottle } from '../../src/member/request-throttle.js';
import { TurnBudget } from '../../src/member/turn-budget.js';

class FakeSocket extends EventEmitter {
  constructor(readonly remoteAddress: string) {
    super();
  }
  remotePort = 5000;
  writableLength = 0;
  setNoDelay(): void {}
  cork(): void {}
  uncork(): void {}
  write(): boolean {
    return true;
  }
  destroy(): void {}
}

// Read after connection.ts loaded: start times near it are stored as small offsets from its load time.
const START = Date.now();

function makeHost(pending: Array<{ xid: number; type: OpCode }> = []): ConnectionHost {
  return {
    maxFrameSize: 1 << 20,
    maxOutputBytes: 1 << 30,
    turns: new TurnBudget(1000, () => 0, () => {}),
    handshake: (conn) => conn.accept(Buffer.alloc(4), 1n, 30_000),
    request: (conn, xid, req) => {
      if (req.type === OpCode.Ping) conn.answer(xid, OpCode.Ping, () => Buffer.alloc(4));
      else {
        conn.expectWrite(xid, req.type);
        pending.push({ xid, type: req.type });
      }
    },
    fourLetterWord: () => Buffer.alloc(0),
    throttle: new RequestThrottle(1000),
    closed: () => {},
    stats: { latency: () => {} },
    lastZxid: () => 0,
    log: { info: () => {}, warn: () => {} },
  };
}

function open(remoteAddress = '::ffff:10.1.2.3') {
  const pending: Array<{ xid: number; type: OpCode }> = [];
  const host = makeHost(pending);
  const socket = new FakeSocket(remoteAddress);
  const conn = new ClientConnection(socket as unknown as Socket, host);
  socket.emit('data', encodeConnectRequest({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeOut: 30_000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }));
  const send = (xid: number, type: OpCode.Ping | OpCode.SetData) =>
    socket.emit('data', encodeRequest(xid, type === OpCode.Ping ? { type } : { type, path: '/a', data: Buffer.alloc(1), version: -1 }));
  return { conn, send, pending };
}

function cons(c: ClientConnection) {
  return {
    received: c.received, sent: c.sent, lastOperation: c.lastOperation, lastCxid: c.lastCxid, lastZxid: c.lastZxid,
    lastResponseTime: c.lastResponseTime, lastLatency: c.lastLatency, minLatency: c.minLatency,
    avgLatency: c.avgLatency, maxLatency: c.maxLatency,
  };
}

describe('connection statistics', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(START);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('an idle connection that pings reports no replies and its start time, to the millisecond', () => {
    for (const at of [START + 12_345, START - 2 ** 32 - 7, START + 2 ** 32 + 7, Date.UTC(2001, 0, 1)]) {
      vi.setSystemTime(at);
      expect(open().conn.established).toBe(at);
    }
    vi.setSystemTime(START + 12_345);
    const { conn, send } = open();
    send(-2, OpCode.Ping);
    expect(conn.established).toBe(START + 12_345);
    expect(conn.remoteAddress).toBe('10.1.2.3');
    expect(cons(conn)).toEqual({
      received: 2, sent: 2, lastOperation: 'PING', lastCxid: -2, lastZxid: -1,
      lastResponseTime: 0, lastLatency: 0, minLatency: 0, avgLatency: 0, maxLatency: 0,
    });
  });

  it("reports a real socket's peer address and port, also once the socket is closed", async () => {
    vi.useRealTimers();
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const accepted = new Promise<Socket>((r) => server.once('connection', r));
      const client = connect((server.address() as { port: number }).port, '127.0.0.1');
      await new Promise<void>((r) => client.once('connect', r));
      const conn = new ClientConnection(await accepted, makeHost());
      const clientPort = client.localPort;
      conn.close('test');
      client.destroy();
      await new Promise((r) => setTimeout(r, 10));
      expect(conn.socket.destroyed).toBe(true);
      expect(`${conn.remoteAddress}:${conn.remotePort}`).toBe(`127.0.0.1:${clientPort}`);
    } finally {
      server.close();
    }
  });

  it('connections from one address share its string', () => {
    const a = open('::ffff:10.9.9.9').conn;
    const b = open(['::ffff:10.9.9', '9'].join('.')).conn; // built at run time: not the same literal
    expect(a.remoteAddress).toBe('10.9.9.9');
    expect(Object.is(a.remoteAddress, b.remoteAddress)).toBe(true);
  });

  it('writes answered after any delays give the latencies, zxid and reply time of a simple model; crst resets', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.nat(5000), fc.constant('ping' as const), fc.constant('reset' as const)), { maxLength: 30 }),
      (steps) => {
        vi.setSystemTime(START);
        const { conn, send, pending } = open();
        const model = { received: 1, sent: 1, lastZxid: -1, lastResponseTime: 0, last: 0, min: 0, max: 0, total: 0, count: 0, lop: 'NA', cxid: -1 };
        let xid = 0;
        let zxid = 100;
        for (const step of steps) {
          if (step === 'reset') {
            conn.resetStats();
            Object.assign(model, { received: 0, sent: 0, last: 0, min: 0, max: 0, total: 0, count: 0 });
          } else if (step === 'ping') {
            send(-2, OpCode.Ping);
            Object.assign(model, { received: model.received + 1, sent: model.sent + 1, lop: 'PING', cxid: -2 });
          } else {
            send(++xid, OpCode.SetData);
            vi.advanceTimersByTime(step);
            conn.complete(pending.shift()!.xid, Buffer.alloc(4), ++zxid);
            model.count++;
            model.total += step;
            model.min = model.count === 1 ? step : Math.min(model.min, step);
            model.max = Math.max(model.max, step);
            Object.assign(model, { received: model.received + 1, sent: model.sent + 1, lop: 'SETD', cxid: xid, lastZxid: zxid, last: step, lastResponseTime: Date.now() });
          }
        }
        expect(conn.established).toBe(START);
        expect(cons(conn)).toEqual({
          received: model.received, sent: model.sent, lastOperation: model.lop, lastCxid: model.cxid, lastZxid: model.lastZxid,
          lastResponseTime: model.lastResponseTime, lastLatency: model.last, minLatency: model.min,
          avgLatency: model.count === 0 ? 0 : model.total / model.count, maxLatency: model.max,
        });
      },
    ));
  });
});
