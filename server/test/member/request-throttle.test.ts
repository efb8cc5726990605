// globalOutstandingLimit on connections over fake sockets: past the limit, a connection with requests of its own
// unanswered stops reading (socket paused, later frames not handed over) and reads again, in order, once its replies
// are out; a connection with nothing unanswered is still served.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { OpCode, PROTOCOL_VERSION } from '../../../protocol/src/constants.js';
import { encodeConnectRequest, encodeRequest } from '../../../protocol/src/messages.js';
import { ClientConnection, type ConnectionHost } from '../../src/member/connection.js';
import { RequestThrottle } from '../../src/member/request-throttle.js';
import { TurnBudget } from '../../src/member/turn-budget.js';

class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  remotePort = 5000;
  writableLength = 0;
  paused = false;
  setNoDelay(): void {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  cork(): void {}
  uncork(): void {}
  write(): boolean {
    return true;
  }
  end(): void {}
  destroy(): void {}
}

function setup(limit: number) {
  const turns: Array<() => void> = [];
  const throttle = new RequestThrottle(limit);
  const handed: Array<{ conn: ClientConnection; xid: number }> = [];
  const host: ConnectionHost = {
    maxFrameSize: 1 << 20,
    maxOutputBytes: 1 << 30,
    turns: new TurnBudget(1000, () => 0, (fn) => turns.push(fn)),
    throttle,
    handshake: (conn) => conn.accept(Buffer.alloc(4), 1n, 30_000),
    request: (conn, xid, req) => {
      handed.push({ conn, xid });
      conn.expectWrite(xid, req.type);
    },
    fourLetterWord: () => Buffer.alloc(0),
    closed: () => {},
    stats: { latency: () => {} },
    lastZxid: () => 0,
    log: { info: () => {}, warn: () => {} },
  };
  const connect = () => {
    const socket = new FakeSocket();
    const conn = new ClientConnection(socket as unknown as Socket, host);
    socket.emit('data', encodeConnectRequest({ protocolVersion: PROTOCOL_VERSION, lastZxidSeen: 0, timeOut: 30_000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }));
    const writes = (...xids: number[]) =>
      socket.emit('data', Buffer.concat(xids.map((xid) => encodeRequest(xid, { type: OpCode.SetData, path: '/a', data: Buffer.alloc(1), version: -1 }))));
    return { socket, conn, writes };
  };
  /** Runs what the connections left for after the current callback (nextTick) or for later turns. */
  const runTurns = async () => {
    do {
      await new Promise<void>((r) => setImmediate(r));
      turns.shift()?.();
    } while (turns.length > 0);
  };
  const xidsOf = (conn: ClientConnection) => handed.filter((h) => h.conn === conn).map((h) => h.xid);
  return { throttle, connect, runTurns, xidsOf };
}

describe('globalOutstandingLimit', () => {
  it('stops reading a connection past the limit and reads on, in order, once its replies are out', async () => {
    const h = setup(3);
    const a = h.connect();
    a.writes(1, 2, 3, 4, 5, 6);
    // Four are in process (more than 3): a stops before its fifth.
    expect(h.xidsOf(a.conn)).toEqual([1, 2, 3, 4]);
    expect(a.socket.paused).toBe(true);
    expect(h.throttle.inProcess).toBe(4);
    // Bytes that arrive meanwhile wait too.
    a.writes(7);
    expect(h.xidsOf(a.conn)).toEqual([1, 2, 3, 4]);

    // Another session with nothing unanswered is still served, and held after its first request.
    const b = h.connect();
    b.writes(1, 2);
    expect(h.xidsOf(b.conn)).toEqual([1]);
    expect(b.socket.paused).toBe(true);

    // a's first reply leaves 4 in process: still over the limit with replies of a's own pending.
    a.conn.complete(1, Buffer.alloc(4), 1);
    await h.runTurns();
    expect(h.xidsOf(a.conn)).toEqual([1, 2, 3, 4]);
    // Two more bring it to 2: a reads on until it is over the limit again.
    a.conn.complete(2, Buffer.alloc(4), 2);
    a.conn.complete(3, Buffer.alloc(4), 3);
    await h.runTurns();
    expect(a.socket.paused).toBe(true);
    expect(h.xidsOf(a.conn)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const xid of [4, 5, 6]) a.conn.complete(xid, Buffer.alloc(4), xid);
    b.conn.complete(1, Buffer.alloc(4), 7);
    await h.runTurns();
    expect(h.xidsOf(a.conn)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(h.xidsOf(b.conn)).toEqual([1, 2]);
    expect([a.socket.paused, b.socket.paused]).toEqual([false, false]);
    expect(h.throttle.inProcess).toBe(2);
  });

  it('forgets the unanswered requests of a connection that closes', () => {
    const h = setup(1);
    const a = h.connect();
    a.writes(1, 2, 3);
    expect(h.throttle.inProcess).toBe(2);
    a.conn.close('test');
    expect(h.throttle.inProcess).toBe(0);
    const b = h.connect();
    b.writes(1, 2);
    expect(h.xidsOf(b.conn)).toEqual([1, 2]);
  });
});
