// Raft and aux messages between three real networks on loopback: delivery, order, reconnects, bounds, membership.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MsgType, type Message } from '../../src/consensus/messages.js';
import { EntryKind, type NodeId } from '../../src/consensus/types.js';
import { PeerNetwork } from '../../src/peer/peer-network.js';
import { pack } from 'msgpackr';
import { encodeFrame } from '../../src/storage/frame.js';
import { FrameKind } from '../../src/peer/wire.js';
import { HOST, heartbeat, recordingLog, sleep, startNetworks, waitFor } from './helpers.js';

const open: PeerNetwork[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.close()));
});
const track = <T extends PeerNetwork>(n: T): T => (open.push(n), n);

async function three() {
  const started = await startNetworks([1, 2, 3]);
  started.nets.forEach((n) => track(n));
  return started;
}

/** A port nothing listens on (bound once, then released). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('PeerNetwork messages', () => {
  it('delivers raft and aux messages to every peer in the order each sender sent them', async () => {
    const { nets } = await three();
    const N = 3000;
    // received[to][from] = sequence numbers in arrival order, raft and aux interleaved
    const received = new Map<NodeId, Map<NodeId, number[]>>();
    for (const [id, n] of nets) {
      const bySender = new Map<NodeId, number[]>();
      received.set(id, bySender);
      const log = (from: NodeId, seq: number) => {
        if (!bySender.has(from)) bySender.set(from, []);
        bySender.get(from)!.push(seq);
      };
      n.onMessage((m) => {
        expect(m.to).toBe(id);
        if (m.entries) {
          expect(m.entries[0]!.data).toBeInstanceOf(Uint8Array);
          expect([...m.entries[0]!.data]).toEqual([m.ctx! & 255, 7, 0, 255]);
        }
        log(m.from, m.ctx!);
      });
      n.onAux((from, payload) => log(from, (payload as { seq: number }).seq));
    }
    await waitFor('all connected', () => [...nets].every(([id, n]) => [1, 2, 3].every((p) => p === id || n.isConnected(p))));

    for (let seq = 1; seq <= N; seq++) {
      for (const [from, n] of nets) {
        for (const to of [1, 2, 3].filter((p) => p !== from)) {
          if (seq % 3 === 0) expect(n.sendAux(to, { seq, note: 'forwarded write', session: 0x1234_5678_9abc_def0n })).toBe(true);
          else {
            const m: Message = { ...heartbeat(from, to, seq), type: MsgType.Append, index: seq, logTerm: 1 };
            if (seq % 3 === 1) m.entries = [{ index: seq + 1, term: 1, kind: EntryKind.Normal, data: new Uint8Array([seq & 255, 7, 0, 255]) }];
            n.send([m]);
          }
        }
      }
    }
    const expected = Array.from({ length: N }, (_, i) => i + 1);
    await waitFor('all delivered', () => [...received.values()].every((m) => [...m.values()].every((l) => l.length === N)) && received.get(1)!.size === 2);
    for (const [to, bySender] of received) {
      for (const [from, seqs] of bySender) expect(seqs, `${from} -> ${to}`).toEqual(expected);
    }
    const stats = nets.get(1)!.stats();
    expect(stats.receivedRaft).toBe(2 * (N - N / 3));
    expect(stats.receivedAux).toBe((2 * N) / 3);
    expect(stats.peers.get(2)).toMatchObject({ connected: true, droppedRaft: 0, droppedAux: 0, sentAux: N / 3, queuedMessages: 0 });
  });

  it('aux payloads keep binary data and 64-bit ids', async () => {
    const { nets } = await three();
    const got: unknown[] = [];
    nets.get(2)!.onAux((from, payload) => got.push({ from, payload }));
    nets.get(1)!.sendAux(2, { op: 'touch', sessions: [0x7fff_ffff_ffff_fff1n], blob: new Uint8Array([1, 2, 3]) });
    await waitFor('aux', () => got.length === 1);
    const { from, payload } = got[0] as { from: number; payload: { sessions: bigint[]; blob: Uint8Array } };
    expect(from).toBe(1);
    expect(payload.sessions).toEqual([0x7fff_ffff_ffff_fff1n]);
    expect(payload.blob).toBeInstanceOf(Uint8Array);
    expect([...payload.blob]).toEqual([1, 2, 3]);
  });

  it('reconnects after a peer restarts on the same port, in both directions', async () => {
    const { nets, addresses } = await three();
    const [one, two] = [nets.get(1)!, nets.get(2)!];
    await waitFor('1 -> 2', () => one.isConnected(2) && two.isConnected(1));
    await two.close();
    await waitFor('1 notices', () => !one.isConnected(2));
    one.send([heartbeat(1, 2, 1)]); // queued while 2 is down

    const reborn = track(new PeerNetwork({ selfId: 2, listenHost: HOST, listenPort: addresses.get(2)!.port, peers: addresses, log: recordingLog() }));
    const at2: number[] = [];
    reborn.onMessage((m) => at2.push(m.ctx!));
    const at1: number[] = [];
    one.onMessage((m) => at1.push(m.ctx!));
    await reborn.start();
    await waitFor('reconnected', () => one.isConnected(2) && reborn.isConnected(1), 3000);
    one.send([heartbeat(1, 2, 2)]);
    reborn.send([heartbeat(2, 1, 3)]);
    await waitFor('delivered after restart', () => at2.includes(2) && at1.includes(3));
    expect(at2).toEqual([1, 2]); // the message queued during the outage went first
    expect(one.stats().peers.get(2)!.connects).toBe(2);
  });

  it('bounds the queue for a dead peer, counts what it drops, and sends what it kept once the peer appears', async () => {
    const port = await deadPort();
    const one = track(
      new PeerNetwork({
        selfId: 1,
        listenHost: HOST,
        listenPort: 0,
        peers: new Map([[2, { host: HOST, port }]]),
        log: recordingLog(),
        queueLimits: { raft: { messages: 100, bytes: 1 << 20 }, aux: { messages: 10, bytes: 1 << 20 } },
      }),
    );
    await one.start();
    for (let i = 1; i <= 20_000; i++) one.send([heartbeat(1, 2, i)]);
    const aux = Array.from({ length: 15 }, (_, i) => one.sendAux(2, { i }));
    expect(aux).toEqual([...Array(10).fill(true), ...Array(5).fill(false)]);
    let s = one.stats().peers.get(2)!;
    expect(s).toMatchObject({ connected: false, queuedMessages: 110, droppedRaft: 19_900, droppedAux: 5 });

    // A byte bound holds too: 64 KiB entries stop at 1 MiB even though the count bound is not reached.
    const big = new Uint8Array(64 * 1024);
    for (let i = 0; i < 50; i++) one.send([{ ...heartbeat(1, 2, 0), type: MsgType.Append, entries: [{ index: i, term: 1, kind: 0, data: big }] }]);
    s = one.stats().peers.get(2)!;
    expect(s.queuedBytes).toBeLessThanOrEqual(2 << 20);
    expect(s.queuedMessages).toBeLessThan(110 + 16);
    expect(s.droppedRaft).toBeGreaterThan(19_900 + 30);

    // Heap stays put while a dead peer is flooded.
    const batch = Array<Message>(1000).fill(heartbeat(1, 2, 0));
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) one.send(batch);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 << 20);
    expect(one.stats().peers.get(2)!.queuedMessages).toBeLessThanOrEqual(110);

    // The peer comes up on that port: it receives exactly what was kept, in order.
    const two = track(new PeerNetwork({ selfId: 2, listenHost: HOST, listenPort: port, peers: new Map([[1, { host: HOST, port: 1 }]]), log: recordingLog() }));
    const ctxs: number[] = [];
    two.onMessage((m) => m.ctx! > 0 && ctxs.push(m.ctx!));
    const auxSeen: number[] = [];
    two.onAux((_, p) => auxSeen.push((p as { i: number }).i));
    await two.start();
    await waitFor('queue drained', () => one.stats().peers.get(2)!.queuedMessages === 0, 3000);
    await waitFor('kept messages delivered', () => ctxs.length === 100 && auxSeen.length === 10);
    expect(ctxs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(auxSeen).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('bounds the queue for a peer that accepts but stops reading', async () => {
    // A fake member 2: accepts the hello, then never reads again.
    const stalled = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write(encodeFrame(FrameKind.Verdict, pack({ ok: true })));
        socket.pause();
      });
    });
    await new Promise<void>((resolve) => stalled.listen(0, HOST, resolve));
    const port = (stalled.address() as net.AddressInfo).port;
    try {
      const limits = { raft: { messages: 10_000, bytes: 2 << 20 }, aux: { messages: 10, bytes: 1 << 20 } };
      const one = track(new PeerNetwork({ selfId: 1, listenHost: HOST, listenPort: 0, peers: new Map([[2, { host: HOST, port }]]), log: recordingLog(), queueLimits: limits }));
      await one.start();
      await waitFor('accepted', () => one.isConnected(2));
      const data = new Uint8Array(1024);
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 500; i++) one.send([{ ...heartbeat(1, 2, 0), type: MsgType.Append, entries: [{ index: i, term: 1, kind: 0, data }] }]);
        await sleep(2); // let the socket take what it will
      }
      const s = one.stats().peers.get(2)!;
      // 20 MiB offered: the socket and kernel hold a few MiB, the queue at most its 2 MiB, the rest is dropped.
      expect(s.connected).toBe(true);
      expect(s.queuedBytes).toBeLessThanOrEqual(2 << 20);
      expect(s.queuedBytes).toBeGreaterThan(1 << 20);
      expect(s.droppedRaft).toBeGreaterThan(5_000);
      expect(s.droppedRaft + s.sentRaft + s.queuedMessages).toBe(20_000);
      expect(s.sentRaft).toBeLessThan(15_000);
    } finally {
      stalled.close();
    }
  });

  it('drops messages to members that are not peers and messages larger than maxFrameBytes', async () => {
    const { nets } = await startNetworks([1, 2], { maxFrameBytes: 1024 });
    nets.forEach((n) => track(n));
    const one = nets.get(1)!;
    one.send([heartbeat(1, 9, 1)]);
    expect(one.stats().droppedUnknownPeer).toBe(1);
    expect(one.sendAux(9, {})).toBe(false);
    expect(one.sendAux(2, { blob: new Uint8Array(2048) })).toBe(false);
    one.send([{ ...heartbeat(1, 2, 2), entries: [{ index: 1, term: 1, kind: 0, data: new Uint8Array(2048) }] }]);
    expect(one.stats().peers.get(2)).toMatchObject({ droppedRaft: 1, droppedAux: 1 });
  });

  it('setPeers follows a member that moved to another address', async () => {
    const { nets, addresses } = await startNetworks([1, 2]);
    nets.forEach((n) => track(n));
    const one = nets.get(1)!;
    await waitFor('connected', () => one.isConnected(2));
    await nets.get(2)!.close();
    const moved = track(new PeerNetwork({ selfId: 2, listenHost: HOST, listenPort: 0, peers: addresses, log: recordingLog() }));
    const { port } = await moved.start();
    const got: number[] = [];
    moved.onMessage((m) => got.push(m.ctx!));
    one.setPeers(new Map([...addresses, [2, { host: HOST, port }]]));
    one.send([heartbeat(1, 2, 1)]);
    await waitFor('delivered at the new address', () => got.includes(1), 3000);
    expect(one.isConnected(2)).toBe(true);
  });

  it('lets in a member outside its configuration that announces its address, and answers it there', async () => {
    const { nets, addresses, logs } = await startNetworks([1, 2]);
    nets.forEach((n) => track(n));
    const [one, two] = [nets.get(1)!, nets.get(2)!];
    // 3 knows 1 and 2 (a leader added while they were away); they do not know 3.
    const three = track(new PeerNetwork({ selfId: 3, listenHost: HOST, listenPort: 0, peers: addresses, log: recordingLog() }));
    const { port } = await three.start();
    const at3: NodeId[] = [];
    three.onMessage((m) => at3.push(m.from));
    const at1: NodeId[] = [];
    one.onMessage((m) => at1.push(m.from));
    await waitFor('1 and 2 dial 3 back', () => one.isConnected(3) && two.isConnected(3) && three.isConnected(1), 3000);
    expect(logs.get(1)!.find((l) => /announced/.test(l.msg))?.details).toEqual({ peer: 3, address: `${HOST}:${port}` });
    three.send([heartbeat(3, 1, 1)]);
    one.send([heartbeat(1, 3, 1)]);
    two.send([heartbeat(2, 3, 1)]);
    await waitFor('traffic with 3', () => at3.length === 2 && at1.length === 1);
    expect(one.stats().refusedConnections).toBe(0);
  });

  it('setPeers keeps a member it retains and cuts one it does not', async () => {
    const retained = new Set<NodeId>([3]);
    const { nets, addresses } = await startNetworks([1, 2, 3], { retain: (id) => retained.has(id) });
    nets.forEach((n) => track(n));
    const [one, two, three] = [nets.get(1)!, nets.get(2)!, nets.get(3)!];
    const at3: NodeId[] = [];
    three.onMessage((m) => at3.push(m.from));
    const at1: NodeId[] = [];
    one.onMessage((m) => at1.push(m.from));
    await waitFor('all connected', () => one.isConnected(3) && three.isConnected(1));
    const without3 = new Map([...addresses].filter(([id]) => id !== 3));

    // A configuration without 3 while 3 is retained (1's leader): nothing changes between 1 and 3.
    one.setPeers(without3);
    one.send([heartbeat(1, 3, 1)]);
    await waitFor('1 still reaches 3', () => at3.includes(1));
    expect(one.isConnected(3)).toBe(true);

    // 3 no longer counts 1 (it was removed and knows it), and 1 no longer retains 3: both directions stop.
    retained.clear();
    three.setPeers(new Map([...addresses].filter(([id]) => id !== 1)));
    one.setPeers(without3);
    await waitFor('1 and 3 apart', () => !one.isConnected(3) && !three.isConnected(1));
    expect(one.stats().peers.has(3)).toBe(false);
    three.send([heartbeat(3, 1, 2)]);
    one.send([heartbeat(1, 3, 2)]);
    expect(one.stats().droppedUnknownPeer).toBe(1);
    two.send([heartbeat(2, 3, 2)]);
    await waitFor('2 still reaches 3', () => at3.filter((from) => from === 2).length === 1);
    await sleep(100);
    expect(at1).toEqual([]);
    expect(at3.filter((from) => from === 1)).toEqual([1]);
  });
});
