// Loopback numbers for the peer transport: ping-pong latency (one message each way at a time) and one-way
// throughput with a window of messages in flight, for heartbeats and for appends carrying 1 KiB entries, and
// the rate of a snapshot stream.
// Run: npx vite-node server/test/peer/peer-bench.ts [seconds-per-case]
import { MsgType, type Message } from '../../src/consensus/messages.js';
import { startNetworks } from './helpers.js';

const seconds = Number(process.argv[2] ?? 3);
const { nets } = await startNetworks([1, 2]);
const [one, two] = [nets.get(1)!, nets.get(2)!];
while (!one.isConnected(2) || !two.isConnected(1)) await new Promise((r) => setTimeout(r, 10));

// Member 2 echoes heartbeats; everything else it only counts.
let receivedAt2 = 0;
two.onMessage((m) => {
  receivedAt2++;
  if (m.type === MsgType.Heartbeat) two.send([{ type: MsgType.HeartbeatResp, from: 2, to: 1, term: 1, ctx: m.ctx! }]);
});

async function pingPong(): Promise<void> {
  const rtts: number[] = [];
  let pending: ((ctx: number) => void) | undefined;
  one.onMessage((m) => pending?.(m.ctx!));
  const deadline = performance.now() + seconds * 1000;
  for (let ctx = 1; performance.now() < deadline; ctx++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      pending = (c) => c === ctx && resolve();
      one.send([{ type: MsgType.Heartbeat, from: 1, to: 2, term: 1, commit: 0, ctx }]);
    });
    rtts.push(performance.now() - t0);
  }
  rtts.sort((a, b) => a - b);
  const q = (p: number) => (rtts[Math.floor(p * (rtts.length - 1))]! * 1000).toFixed(0);
  console.log(`ping-pong: ${rtts.length} round trips, ${(rtts.length / seconds).toFixed(0)} rt/s, RTT p50 ${q(0.5)} µs, p99 ${q(0.99)} µs, max ${q(1)} µs`);
}

async function oneWay(label: string, make: (i: number) => Message, window = 2000): Promise<void> {
  const start = receivedAt2;
  let sent = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  while (performance.now() < deadline) {
    while (sent - (receivedAt2 - start) < window) one.send([make(sent++)]);
    await new Promise((r) => setImmediate(r));
  }
  const got = receivedAt2 - start;
  const elapsed = (performance.now() - t0) / 1000;
  const dropped = one.stats().peers.get(2)!.droppedRaft;
  console.log(`${label}: ${(got / elapsed).toFixed(0)} msgs/s (${got} in ${elapsed.toFixed(1)} s, dropped ${dropped})`);
}

await pingPong();
one.onMessage(() => {});
await oneWay('one-way heartbeats', (i) => ({ type: MsgType.Append, from: 1, to: 2, term: 1, index: i, logTerm: 1, commit: i }));
const data = new Uint8Array(1024).fill(7);
await oneWay('one-way appends, 1 entry of 1 KiB', (i) => ({ type: MsgType.Append, from: 1, to: 2, term: 1, index: i, logTerm: 1, commit: i, entries: [{ index: i + 1, term: 1, kind: 0, data }] }));
await oneWay('one-way appends, 16 entries of 1 KiB', (i) => ({
  type: MsgType.Append, from: 1, to: 2, term: 1, index: i, logTerm: 1, commit: i,
  entries: Array.from({ length: 16 }, (_, k) => ({ index: i * 16 + k + 1, term: 1, kind: 0, data })),
}), 500);

// Snapshot streaming: 256 MiB in 256 KiB chunks to a consumer that only counts bytes.
let snapshotBytes = 0;
two.onSnapshot(async (_from, _meta, chunks) => {
  for await (const c of chunks) snapshotBytes += c.length;
});
const chunk = new Uint8Array(256 * 1024).fill(3);
async function* image(): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < 1024; i++) yield chunk;
}
const s0 = performance.now();
await one.sendSnapshot(2, { index: 1 }, image());
const secs = (performance.now() - s0) / 1000;
console.log(`snapshot stream: ${(snapshotBytes / 2 ** 20).toFixed(0)} MiB in ${secs.toFixed(2)} s = ${(snapshotBytes / 2 ** 20 / secs).toFixed(0)} MiB/s`);
await Promise.all([one.close(), two.close()]);
