// Hostile bytes against a running member: random garbage, truncated and mutated frames, absurd length prefixes
// and requests before the handshake, on many connections at once, while a well-behaved client keeps working.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, OpCode } from '../../../protocol/src/constants.js';
import { lengthPrefix } from '../../../protocol/src/framing.js';
import { encodeConnectRequest, encodeRequest } from '../../../protocol/src/messages.js';
import type { ClientRequest } from '../../../protocol/src/records.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { MemberProcess } from './member-process.js';
import { rawSocket, WireClient } from './wire-client.js';

const MAX_BUFFER = 64 * 1024;
const FUZZ_MS = 3_000;
const ATTACKERS = 12;

// A seeded generator, so a failing run can be replayed (the seed is printed).
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
let s = seed;
const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
const int = (n: number) => Math.floor(rand() * n);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

const handshake = () => encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0, timeOut: 10_000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false });
const sampleRequests: ClientRequest[] = [
  { type: OpCode.Create, path: '/fz', data: Buffer.from('abc'), acl: [...OPEN_ACL_UNSAFE], flags: 0 },
  { type: OpCode.Create, path: '/fz/e', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 3 },
  { type: OpCode.SetData, path: '/fz', data: Buffer.from('x'), version: -1 },
  { type: OpCode.GetData, path: '/fz', watch: true },
  { type: OpCode.GetChildren2, path: '/', watch: true },
  { type: OpCode.Multi, ops: [{ type: OpCode.Check, path: '/fz', version: 0 }, { type: OpCode.Delete, path: '/fz/x', version: -1 }] },
  { type: OpCode.SetWatches2, relativeZxid: 0, dataWatches: ['/a'], existWatches: ['/b'], childWatches: ['/'], persistentWatches: ['/p'], persistentRecursiveWatches: ['/'] },
  { type: OpCode.AddWatch, path: '/', mode: 1 },
  { type: OpCode.Auth, scheme: 'digest', auth: Buffer.from('u:p'), authType: 0 },
  { type: OpCode.GetACL, path: '/' },
  { type: OpCode.Sync, path: '/' },
];

function mutate(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  const flips = 1 + int(4);
  // Leave the length prefix alone half the time so the body, not the framing, gets exercised.
  const from = rand() < 0.5 ? 4 : 0;
  for (let i = 0; i < flips && out.length > from; i++) out[from + int(out.length - from)] = int(256);
  return out;
}

/** One hostile payload: what to write on a fresh connection. */
function attack(): Buffer[] {
  const req = () => encodeRequest(1 + int(100), sampleRequests[int(sampleRequests.length)]!);
  switch (int(7)) {
    case 0: return [bytes(1 + int(2000))];
    case 1: { const h = handshake(); return [h.subarray(0, int(h.length))]; }
    case 2: return [mutate(handshake())];
    case 3: return [handshake(), mutate(req()), mutate(req()), req()];
    case 4: return [[lengthPrefix(0x7fffffff), Buffer.from([0xff, 0xff, 0xff, 0xff]), lengthPrefix(MAX_BUFFER + 1)][int(3)]!];
    case 5: return [req(), handshake()];
    default: {
      // A valid handshake, then frames of random opcodes with random bodies.
      const frames = [handshake()];
      for (let i = 0; i < 3; i++) {
        const body = Buffer.concat([Buffer.alloc(8), bytes(int(60))]);
        body.writeInt32BE(1 + i, 0);
        body.writeInt32BE([0, 1, 2, 3, 4, 5, 8, 12, 13, 14, 15, 19, 21, 22, 101, 103, 105, 106, -11, 999][int(20)]!, 4);
        frames.push(Buffer.concat([lengthPrefix(body.length), body]));
      }
      return frames;
    }
  }
}

async function hostileConnection(port: number): Promise<void> {
  const socket = await rawSocket(port).catch(() => undefined);
  if (!socket) return;
  socket.on('error', () => {});
  for (const chunk of attack()) {
    // Split writes at random points so the server sees frames across chunk boundaries.
    const cut = int(chunk.length + 1);
    socket.write(chunk.subarray(0, cut));
    socket.write(chunk.subarray(cut));
  }
  await new Promise((r) => setTimeout(r, int(60)));
  socket.destroy();
}

describe('member under hostile input', () => {
  let dir: string;
  let member: MemberProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-fuzz-'));
    member = await MemberProcess.create(dir, { 'jute.maxbuffer': MAX_BUFFER, maxClientCnxns: 0 });
    await member.start();
  });

  afterAll(async () => {
    await member?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`survives garbage on many connections while a good client works (seed ${seed})`, async () => {
    const good = await WireClient.open(member.port);
    const deadline = Date.now() + FUZZ_MS;
    let attacks = 0;
    const attackers = Array.from({ length: ATTACKERS }, async () => {
      while (Date.now() < deadline) {
        await hostileConnection(member.port);
        attacks++;
      }
    });
    let roundTrips = 0;
    const worker = (async () => {
      while (Date.now() < deadline) {
        const path = `/good-${roundTrips}`;
        const data = Buffer.from(`payload ${roundTrips}`);
        const created = await good.send({ type: OpCode.Create, path, data, acl: [...OPEN_ACL_UNSAFE], flags: 0 });
        expect(created.err).toBe(ErrorCode.Ok);
        const got = await good.send({ type: OpCode.GetData, path, watch: false });
        expect(got.err).toBe(ErrorCode.Ok);
        expect((got.body as { data: Buffer }).data).toEqual(data);
        roundTrips++;
      }
    })();
    await Promise.all([...attackers, worker]);
    expect(attacks).toBeGreaterThan(50);
    expect(roundTrips).toBeGreaterThan(10);
    expect(member.alive).toBe(true);
    expect(member.output).toContain('closing connection after a bad request'); // the garbage reached the decoder
    expect(member.output).not.toMatch(/internal error|uncaught|unhandled|TypeError|RangeError|"level":60/i);

    const fresh = await WireClient.open(member.port);
    const kids = (await fresh.ok({ type: OpCode.GetChildren, path: '/', watch: false })) as { children: string[] };
    expect(kids.children.filter((c) => c.startsWith('good-'))).toHaveLength(roundTrips);
    await fresh.close();
    await good.close();
  });

  it('a frame larger than jute.maxbuffer closes only that connection', async () => {
    const bystander = await WireClient.open(member.port);
    const offender = await WireClient.open(member.port);
    const huge = Buffer.alloc(MAX_BUFFER + 100);
    offender.socket.write(Buffer.concat([lengthPrefix(huge.length), huge]));
    await offender.closed;
    expect(await bystander.ok({ type: OpCode.Exists, path: '/', watch: false })).toBeDefined();
    // Just under the limit is still fine.
    const big = await bystander.send({ type: OpCode.Create, path: '/big', data: Buffer.alloc(MAX_BUFFER - 200), acl: [...OPEN_ACL_UNSAFE], flags: 0 });
    expect(big.err).toBe(ErrorCode.Ok);
    await bystander.close();
    expect(member.alive).toBe(true);
  });
});
