// /ready and /commands/members on real member processes, as the operator's readiness probe and observer read them:
// a member is ready when it serves and has caught up with the leader, and a leader only while it has a quorum;
// members answers in the shared shape (the operator's parseMembersReply) even while the member does not serve.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { parseMembersReply, type MembersReply } from '../../../protocol/src/admin-api.js';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../../../test-support/ensemble.js';

interface ReadyAnswer {
  status: number;
  body: { ready: boolean; reason?: string; server_state: string; last_zxid: string };
}

const admin = (m: EnsembleMember, path: string) => fetch(`http://127.0.0.1:${m.adminPort}${path}`, { signal: AbortSignal.timeout(5000) });

/** The member's /ready answer, or undefined while nothing listens (the process is starting). */
async function ready(m: EnsembleMember): Promise<ReadyAnswer | undefined> {
  try {
    const res = await admin(m, '/ready');
    return { status: res.status, body: (await res.json()) as ReadyAnswer['body'] };
  } catch {
    return undefined;
  }
}

async function members(m: EnsembleMember): Promise<MembersReply> {
  return parseMembersReply(await (await admin(m, '/commands/members')).json());
}

/** Polls until `test` holds for the member's /ready answer; returns every answer seen, the last one passing. */
async function readyUntil(m: EnsembleMember, test: (a: ReadyAnswer) => boolean, timeoutMs: number): Promise<ReadyAnswer[]> {
  const seen: ReadyAnswer[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await ready(m);
    if (answer) seen.push(answer);
    if (answer && test(answer)) return seen;
    if (Date.now() > deadline) throw new Error(`member ${m.id}: /ready not as expected within ${timeoutMs} ms; last ${JSON.stringify(answer)}\n${m.process?.logTail(20)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const isReady = (a: ReadyAnswer) => a.status === 200;

/** Writes `count` nodes through `member` and returns the zxid of the last one. */
async function burst(member: EnsembleMember, prefix: string, count: number): Promise<bigint> {
  const zk = await ZooKeeperClient.connect(`127.0.0.1:${member.clientPort}`, { sessionTimeout: 20_000 });
  try {
    await zk.create(prefix, null);
    const data = Buffer.alloc(512, 7);
    for (let i = 0; i < count; i += 250) {
      await Promise.all(Array.from({ length: Math.min(250, count - i) }, (_, j) => zk.create(`${prefix}/n${i + j}`, data)));
    }
    return BigInt((await zk.exists(`${prefix}/n${count - 1}`))!.czxid);
  } finally {
    await zk.close();
  }
}

/** Every ready answer must come from a member that has applied the burst. */
function expectReadyOnlyCaughtUp(answers: ReadyAnswer[], zxid: bigint): void {
  for (const a of answers.filter(isReady)) expect(BigInt(a.body.last_zxid) >= zxid, `ready at ${a.body.last_zxid} before 0x${zxid.toString(16)}`).toBe(true);
}

describe('readiness and the members view on real members', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant']);
    for (const m of ens.members) await readyUntil(m, isReady, 20_000);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('every member answers members in the shared shape, as itself, ready, with its limits', async () => {
    const leader = await ens.leader();
    for (const m of ens.members) {
      const reply = await members(m);
      expect(reply.self).toMatchObject({ id: m.id, server_state: m === leader ? 'leader' : 'follower', ready: true });
      expect(reply.self.connection_limits).toEqual({ per_client_address: 60, total: 0 });
      expect(reply.members.map((e) => [e.id, e.is_leader])).toEqual(ens.members.map((e) => [e.id, e === leader]));
    }
  });

  it('a follower paused through a write burst is ready again only once it has applied it', async () => {
    const leader = await ens.leader();
    const follower = ens.members.find((m) => m !== leader)!;
    follower.signal('SIGSTOP');
    let zxid: bigint;
    try {
      zxid = await burst(leader, '/paused', 3000);
    } finally {
      follower.signal('SIGCONT');
    }
    expectReadyOnlyCaughtUp(await readyUntil(follower, isReady, 30_000), zxid);
  });

  it('a follower restarted behind a write burst is not ready while it cannot catch up, and ready once it has', async () => {
    const leader = await ens.leader();
    const [follower, other] = ens.members.filter((m) => m !== leader) as [EnsembleMember, EnsembleMember];
    follower.signal('SIGKILL');
    while (!follower.process!.exited()) await new Promise((r) => setTimeout(r, 5));
    const zxid = await burst(leader, '/restarted', 3000);
    // With the other two paused it has nobody to catch up from.
    leader.signal('SIGSTOP');
    other.signal('SIGSTOP');
    try {
      follower.restart();
      const behind = await readyUntil(follower, () => true, 20_000);
      const until = Date.now() + 1500;
      while (Date.now() < until) behind.push(...(await readyUntil(follower, () => true, 5000)));
      expect(behind.every((a) => a.status === 503 && a.body.ready === false && typeof a.body.reason === 'string')).toBe(true);
      // The members view answers while the member does not serve, saying it is not ready.
      const reply = await members(follower);
      expect(reply.self).toMatchObject({ id: follower.id, ready: false });
      expect(BigInt(reply.self.last_zxid) < zxid).toBe(true);
    } finally {
      leader.signal('SIGCONT');
      other.signal('SIGCONT');
    }
    expectReadyOnlyCaughtUp(await readyUntil(follower, isReady, 30_000), zxid);
  });

  it('a leader whose followers are gone is not ready, and says why; ready again once they are back', async () => {
    const leader = await ens.leader();
    const followers = ens.members.filter((m) => m !== leader);
    for (const f of followers) f.signal('SIGKILL');
    for (const f of followers) while (!f.process!.exited()) await new Promise((r) => setTimeout(r, 5));
    const answers = await readyUntil(leader, (a) => a.status === 503, 10_000);
    expect(answers.at(-1)!.body.reason).toMatch(/quorum/);
    const reply = await members(leader);
    expect(reply.self.ready).toBe(false);
    expect(reply.members.filter((e) => e.id !== leader.id).every((e) => !e.connected)).toBe(true);
    for (const f of followers) f.restart();
    for (const m of ens.members) await readyUntil(m, isReady, 30_000);
  });
});
