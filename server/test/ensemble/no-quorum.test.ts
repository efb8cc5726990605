// Three real members, two stop: the third cannot serve (no quorum, read-only mode off), so, as ZooKeeper does, it
// drops its clients at once and refuses new ones, and a client moves on instead of waiting; once quorum is back
// the client reconnects with its session. Once with the leader left alone (its followers stopped with SIGTERM),
// once with a follower left alone (leader and other follower killed). And the other side of that decision: while
// a quorum remains, a dead leader costs the other members' clients nothing but a pause.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { CreateMode, ErrorCode, OpCode, Perms } from '../../../protocol/src/constants.js';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../../../test-support/ensemble.js';
import { WireClient } from '../member/wire-client.js';

/** How long a member without quorum may keep a client before dropping it ("within a second or two"). */
const DROP_WITHIN_MS = 2000;
const OPEN_ACL = [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }];

async function stopped(m: EnsembleMember, how: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  if (how === 'SIGTERM') return m.process!.stop();
  m.signal('SIGKILL');
  while (!m.process!.exited()) await new Promise((r) => setTimeout(r, 5));
}

/** `promise`'s value, or a rejection naming `what` if it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Milliseconds from `since` until `promise` settles (either way); rejects if it takes longer than `ms`. */
const settledAfter = (promise: Promise<unknown>, since: number, ms: number, what: string): Promise<number> =>
  within(promise.then(() => performance.now(), () => performance.now()), ms, what).then((at) => at - since);

describe('a member that loses its quorum', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant']);
  }, 60_000);
  afterAll(() => ens?.stop());

  const scenarios = [
    { left: 'the leader', how: 'SIGTERM' as const, pick: (leader: EnsembleMember) => leader },
    { left: 'a follower', how: 'SIGKILL' as const, pick: (leader: EnsembleMember, all: EnsembleMember[]) => all.find((m) => m !== leader)! },
  ];

  it('keeps the clients of the members that still make a quorum when the leader dies: the election ends within the grace', async () => {
    const leader = await ens.leader();
    const followers = ens.members.filter((m) => m !== leader);
    const raws = await Promise.all(followers.map((f) => WireClient.open(f.clientPort, 20_000)));
    const dropped: number[] = [];
    followers.forEach((f, i) => void raws[i]!.closed.then(() => dropped.push(f.id)));
    await stopped(leader, 'SIGKILL');
    const next = await ens.leader(15_000);
    for (const raw of raws) {
      const created = await raw.send({ type: OpCode.Create, path: '/after-election-', data: null, acl: OPEN_ACL, flags: CreateMode.PersistentSequential });
      expect(created.err).toBe(ErrorCode.Ok);
    }
    expect(dropped, `connections dropped on members ${dropped} (new leader ${next.id})`).toEqual([]);
    leader.restart();
    await ens.ready();
    await Promise.all(raws.map((r) => r.close()));
  }, 60_000);

  for (const { left, how, pick } of scenarios) {
    it(`drops its clients within ${DROP_WITHIN_MS} ms when ${left} is left alone; the client gets its session back with quorum`, async () => {
      const survivor = pick(await ens.leader(), ens.members);
      const others = ens.members.filter((m) => m !== survivor);
      const address = `127.0.0.1:${survivor.clientPort}`;
      const zk = await ZooKeeperClient.connect(address, { sessionTimeout: 20_000, requestTimeout: 5_000 });
      const session = zk.sessionId;
      const mine = await zk.create('/no-quorum-', null, { mode: CreateMode.EphemeralSequential });
      const disconnected = new Promise<void>((resolve) => zk.once('disconnected', () => resolve()));
      const raw = await WireClient.open(survivor.clientPort, 20_000);

      for (const m of others) await stopped(m, how);
      const quorumGone = performance.now();
      const rawDropMs = await settledAfter(raw.closed, quorumGone, 10_000, 'raw connection dropped');
      const clientDropMs = await settledAfter(disconnected, quorumGone, 10_000, 'client disconnected');
      console.log(`${left} alone (others stopped with ${how}): raw connection dropped after ${rawDropMs.toFixed(0)} ms, client disconnected after ${clientDropMs.toFixed(0)} ms`);
      expect(rawDropMs).toBeLessThan(DROP_WITHIN_MS);
      expect(clientDropMs).toBeLessThan(DROP_WITHIN_MS);

      // New clients are turned away at once (the connection closes), not left waiting for a session.
      const asked = performance.now();
      const attempt = WireClient.open(survivor.clientPort).then(
        async (c) => (await c.close(), 'granted a session'),
        () => 'refused',
      );
      expect(await within(attempt, 5_000, 'handshake answered')).toBe('refused');
      expect(performance.now() - asked).toBeLessThan(1000);

      for (const m of others) m.restart();
      await within(new Promise<void>((resolve) => (zk.state === 'connected' ? resolve() : zk.once('connected', () => resolve()))), 30_000, 'client reconnected');
      expect(zk.sessionId).toBe(session);
      await zk.sync('/');
      expect(await zk.getChildren('/')).toContain(mine.slice(1));
      await zk.delete(mine);
      await zk.close();
      await ens.ready();
    }, 60_000);
  }
});
