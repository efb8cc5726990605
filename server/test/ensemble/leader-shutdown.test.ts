// A leader told to stop (SIGTERM: a pod deleted, a rolling restart) hands leadership to an up-to-date voter before
// it exits, so the ensemble does not have to notice the loss and hold an election while writes wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { startEnsemble, type Ensemble } from '../../../test-support/ensemble.js';
import { sleep, workload } from './workload.js';

describe('a leader shutting down', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant']);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('hands leadership over before it exits, and writes go on', async () => {
    const leader = await ens.leader();
    const follower = ens.members.find((m) => m.id !== leader.id)!;
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${follower.clientPort}`, { sessionTimeout: 10_000 });
    await zk.create('/s');
    const load = workload(zk, '/s');
    await sleep(300);

    const proc = leader.process!;
    leader.signal('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (!proc.exited() && Date.now() < deadline) await sleep(20);
    expect(proc.exited()).toBe(true);
    const handed = proc
      .logTail(400)
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as { msg: string; to?: number }];
        } catch {
          return [];
        }
      })
      .find((l) => l.msg === 'handed leadership over before shutting down');
    expect(handed?.to).not.toBe(leader.id);
    expect(ens.members.find((m) => m.id === handed?.to)).toBeDefined();
    expect(await ens.members.find((m) => m.id === handed!.to)!.mode()).toBe('leader');

    const before = load.acked.length;
    const until = Date.now() + 10_000;
    while (load.acked.length <= before && Date.now() < until) await sleep(20);
    expect(load.acked.length).toBeGreaterThan(before);
    await load.stop();
    await zk.close();
  }, 60_000);
});
