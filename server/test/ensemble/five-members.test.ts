// Five real member processes (four participants and a never-leader voter, the remote-datacenter layout): a
// minority of two may be lost at once — the leader among them — or paused, and writes go on; afterwards every
// acknowledged write is on every member and the never-leader never led.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { startEnsemble, type Ensemble } from '../../../test-support/ensemble.js';
import { childrenOn, sleep, workload } from './workload.js';

describe('a five-member ensemble under failures', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant', 'participant', 'neverleader']);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('survives losing two members at once (the leader included) and pausing two, losing no acknowledged write', async () => {
    const neverLeader = ens.members.find((m) => m.role === 'neverleader')!;
    const leaders = new Set<number>();
    let watching = true;
    const leaderWatch = (async () => {
      while (watching) {
        for (const m of ens.members) if ((await m.mode()) === 'leader') leaders.add(m.id);
        await sleep(50);
      }
    })();

    const zk = await ZooKeeperClient.connect(ens.connectString, { sessionTimeout: 10_000, requestTimeout: 8_000 });
    await zk.create('/load5');
    const sessionBefore = zk.sessionId;
    const load = workload(zk, '/load5');
    await sleep(500);

    // The leader and one follower die together: three of five remain, a quorum.
    const leader = await ens.leader();
    const follower = ens.members.find((m) => m.id !== leader.id && m.id !== neverLeader.id)!;
    leader.signal('SIGKILL');
    follower.signal('SIGKILL');
    await sleep(2500);
    const ackedWhileDown = load.acked.length;
    await sleep(1000);
    expect(load.acked.length, 'writes go on with three of five').toBeGreaterThan(ackedWhileDown);
    leader.restart();
    follower.restart();
    await ens.ready();

    // Two members other than the leader pause (a long GC, a stalled VM), then resume.
    const current = await ens.leader();
    const paused = ens.members.filter((m) => m.id !== current.id).slice(0, 2);
    for (const m of paused) m.signal('SIGSTOP');
    await sleep(1500);
    for (const m of paused) m.signal('SIGCONT');
    await ens.ready();
    await sleep(500);
    await load.stop();
    watching = false;
    await leaderWatch;

    expect(load.acked.length).toBeGreaterThan(50);
    expect(zk.sessionId).toBe(sessionBefore);
    expect(leaders.has(neverLeader.id), 'the never-leader led').toBe(false);
    for (const m of ens.members) {
      const present = await childrenOn(m.clientPort, '/load5');
      const missing = load.acked.filter((p) => !present.has(p));
      expect(missing, `member ${m.id} lost acknowledged writes`).toEqual([]);
    }
    await zk.close();
  }, 120_000);
});
