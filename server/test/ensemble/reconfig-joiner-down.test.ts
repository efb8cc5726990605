// A reconfig that needs joining servers for the new configuration's quorum is refused with NEWCONFIGNOQUORUM while
// they are down, as in ZooKeeper: accepted, it could never commit, and the joint configuration it starts would
// stop every later write. The leader catches joiners up before proposing: one that is down never answers, and
// after syncLimit ticks the leader stops waiting for it; one that is up is synced and counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { startEnsemble, type Ensemble } from '../../../test-support/ensemble.js';
import { generateDigest } from '../../src/tree/acl.js';
import { sleep } from './workload.js';

describe('reconfig adding servers that are down', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(
      ['participant', 'participant', 'participant'],
      { reconfigEnabled: true, 'DigestAuthenticationProvider.superDigest': generateDigest('super:secret') },
      ['participant', 'participant', 'participant'],
    );
  }, 60_000);
  afterAll(() => ens?.stop());

  it('is refused while the new quorum would need them, and goes through once one of them is up', async () => {
    const joiners = ens.members.slice(3);
    for (const j of joiners) j.signal('SIGKILL');
    await ens.leader();
    const zk = await ZooKeeperClient.connect(ens.connectString.split(',').slice(0, 3).join(','), { sessionTimeout: 10_000 });
    await zk.addAuth('digest', 'super:secret');
    const joining = joiners.map((j) => j.serverLine).join(',');
    // Six voters need four up: the three members alone are not enough.
    await expect(zk.reconfig({ joining })).rejects.toMatchObject({ codeName: 'NEWCONFIGNOQUORUM' });
    await zk.create('/still-writable');

    joiners[0]!.restart();
    // Each attempt may wait syncLimit ticks (5 s here) for the joiners that are still down.
    const deadline = Date.now() + 40_000;
    let added: Awaited<ReturnType<typeof zk.reconfig>> | undefined;
    while (!added && Date.now() < deadline) {
      added = await zk.reconfig({ joining }).catch((err: { codeName?: string }) => {
        if (err.codeName !== 'NEWCONFIGNOQUORUM') throw err;
        return undefined;
      });
      if (!added) await sleep(200);
    }
    expect(added?.config).toContain(joiners[2]!.serverLine.split('=')[1]!.split(';')[0]);
    // Four of six are up: the change committed, and so do later writes.
    await zk.create('/after-reconfig');
    expect(await zk.exists('/after-reconfig')).toBeTruthy();
    await zk.close();
  }, 90_000);
});
