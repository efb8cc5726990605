// Connections that break the rules: unknown or misdirected members, garbage, malformed frames and messages,
// impostors. Each costs only its own connection; the real peers keep talking.
import net from 'node:net';
import { pack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { MsgType, type Message } from '../../src/consensus/messages.js';
import { FRAME_HEADER_BYTES, encodeFrame } from '../../src/storage/frame.js';
import { PeerNetwork } from '../../src/peer/peer-network.js';
import { RaftFrameEncoder } from '../../src/peer/raft-codec.js';
import { FrameKind, PROTOCOL_VERSION } from '../../src/peer/wire.js';
import { HOST, heartbeat, sleep, startNetworks, waitFor } from './helpers.js';

const open: PeerNetwork[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});

async function pair() {
  const started = await startNetworks([1, 2]);
  started.nets.forEach((n) => open.push(n));
  const [one, two] = [started.nets.get(1)!, started.nets.get(2)!];
  const at1: number[] = [];
  one.onMessage((m) => at1.push(m.ctx!));
  await waitFor('pair connected', () => one.isConnected(2) && two.isConnected(1));
  return { one, two, at1, port1: started.addresses.get(1)!.port, log1: started.logs.get(1)! };
}

const hello = (from: number, to: number) => encodeFrame(FrameKind.Hello, pack({ version: PROTOCOL_VERSION, from, to, stream: 'messages' }));

const raft = (m: Message) => Buffer.concat(new RaftFrameEncoder().encode(m));

/** The Raft frame of `m` with its payload edited, checksummed again (so only the edit is wrong). */
function edited(m: Message, edit: (payload: Buffer, tailAt: number) => void): Buffer {
  const payload = Buffer.from(raft(m).subarray(FRAME_HEADER_BYTES));
  edit(payload, payload.length - 58);
  return encodeFrame(FrameKind.Raft, payload);
}

const append = (index: number, firstEntry: number): Message => ({
  type: MsgType.Append, from: 2, to: 1, term: 1, index, logTerm: 1, commit: 0, ctx: 5,
  entries: [0, 1].map((i) => ({ index: firstEntry + i, term: 1, kind: 0, data: Buffer.from('abc') })),
});

/** Opens a raw connection, writes `bytes`, and reports what came back and whether the peer hung up. */
async function raw(port: number, ...writes: Buffer[]): Promise<{ socket: net.Socket; received: Buffer[]; closed: Promise<void> }> {
  const socket = net.connect({ host: HOST, port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const received: Buffer[] = [];
  socket.on('data', (d) => received.push(d));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  for (const w of writes) {
    socket.write(w);
    await sleep(10);
  }
  return { socket, received, closed };
}

/** The pair still works after the abuse: a fresh message from 2 reaches 1. */
async function stillTalking(two: PeerNetwork, at1: number[], ctx: number): Promise<void> {
  two.send([heartbeat(2, 1, ctx)]);
  await waitFor(`message ${ctx} after abuse`, () => at1.includes(ctx));
}

describe('PeerNetwork against hostile connections', () => {
  it('refuses a member that is not in its configuration and does not say where it listens, and says why', async () => {
    const { one, two, at1, port1 } = await pair();
    // A message connection without an address to answer on, and a snapshot from a member never let in.
    for (const stream of ['messages', 'snapshot'] as const) {
      const c = await raw(port1, encodeFrame(FrameKind.Hello, pack({ version: PROTOCOL_VERSION, from: 7, to: 1, stream })));
      await c.closed;
      expect(Buffer.concat(c.received).toString('latin1')).toContain('member 7 is not in member 1');
    }
    expect(one.stats().refusedConnections).toBe(2);
    one.send([heartbeat(1, 7, 99)]);
    expect(one.stats().droppedUnknownPeer).toBe(1);
    await stillTalking(two, at1, 1);
  });

  it('refuses a member that dialled the wrong address', async () => {
    const { one, two, at1, port1 } = await pair();
    const c = await raw(port1, hello(2, 3));
    await c.closed;
    expect(Buffer.concat(c.received).toString('latin1')).toContain('this is member 1, not 3');
    expect(one.stats().refusedConnections).toBe(1);
    await stillTalking(two, at1, 1);
  });

  const abuses: [string, () => Buffer[]][] = [
    ['plain garbage', () => [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]],
    ['a zero header', () => [Buffer.alloc(32)]],
    ['a frame longer than maxFrameBytes', () => [Buffer.from([0xff, 0xff, 0xff, 0x7f, FrameKind.Hello, 0, 0, 0, 0])]],
    ['a 2 MiB frame before the hello', () => [Buffer.from([0, 0, 0x20, 0, FrameKind.Hello, 0, 0, 0, 0])]],
    ['a message before the hello', () => [raft(heartbeat(2, 1, 5))]],
    ['a hello that is not msgpack', () => [encodeFrame(FrameKind.Hello, Buffer.from([0xc1, 0xc1]))]],
    ['a hello with an address that is not one', () => [encodeFrame(FrameKind.Hello, pack({ version: PROTOCOL_VERSION, from: 7, to: 1, stream: 'messages', address: { host: '', port: 70000 } }))]],
    ['a hello of another protocol version', () => [encodeFrame(FrameKind.Hello, pack({ version: 99, from: 2, to: 1, stream: 'messages' }))]],
    ['a corrupted checksum after the hello', () => { const f = raft(heartbeat(2, 1, 5)); f[f.length - 1]! ^= 1; return [hello(2, 1), f]; }],
    ['an unknown frame kind after the hello', () => [hello(2, 1), encodeFrame(42, pack({}))]],
    ['a message with a spoofed sender', () => [hello(2, 1), raft(heartbeat(3, 1, 5))]],
    ['a message addressed to another member', () => [hello(2, 1), raft(heartbeat(2, 3, 5))]],
    ['a message of an unknown type', () => [hello(2, 1), edited(heartbeat(2, 1, 5), (p, tail) => (p[tail] = 99))]],
    ['a message with a negative term', () => [hello(2, 1), edited(heartbeat(2, 1, 5), (p, tail) => p.writeDoubleLE(-1, tail + 10))]],
    ['a message with a fractional commit', () => [hello(2, 1), edited(heartbeat(2, 1, 5), (p, tail) => p.writeDoubleLE(0.5, tail + 34))]],
    ['an entry whose own checksum is wrong', () => [hello(2, 1), edited(append(0, 1), (p) => (p[FRAME_HEADER_BYTES + 3]! ^= 1))]],
    ['entries that do not follow the message index', () => [hello(2, 1), raft(append(3, 1))]],
    ['bytes before the tail of a message without entries', () => [hello(2, 1), encodeFrame(FrameKind.Raft, Buffer.concat([Buffer.alloc(4), raft(heartbeat(2, 1, 5)).subarray(FRAME_HEADER_BYTES)]))]],
    ['a message shorter than its fixed fields', () => [hello(2, 1), encodeFrame(FrameKind.Raft, Buffer.from([1, 2, 3]))]],
  ];

  it.each(abuses)('closes only the connection that sent %s', async (_, bytes) => {
    const { one, two, at1, port1, log1 } = await pair();
    const c = await raw(port1, ...bytes());
    await c.closed;
    expect(one.stats().malformedConnections).toBe(1);
    expect(log1.filter((l) => l.level === 'warn' && /protocol violation/.test(String((l.details as { why?: string }).why)))).toHaveLength(1);
    expect(at1).not.toContain(5);
    await stillTalking(two, at1, 1);
  });

  it('a second connection from the same member replaces the first', async () => {
    const { one, two, at1, port1 } = await pair();
    // An impostor claiming to be 2 takes over 2's slot: 2's own connection is cut ...
    const impostor = await raw(port1, hello(2, 1), raft(heartbeat(2, 1, 7)));
    await waitFor('impostor delivered', () => at1.includes(7));
    await waitFor('2 reconnects and replaces the impostor', () => two.stats().peers.get(1)!.connects === 2 && two.isConnected(1), 3000);
    // ... and when 2 reconnects, the impostor's connection is the one replaced.
    await impostor.closed;
    expect(one.stats().malformedConnections).toBe(0);
    await stillTalking(two, at1, 1);
  });
});
