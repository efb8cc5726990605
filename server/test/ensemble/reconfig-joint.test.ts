// Reconfig of several members in one request, on real member processes: two members join in one request and
// two leave in another (the leader among them, which receives that request, hands over first and still answers
// it) while a client writes; /zookeeper/config gets one new version per request, every member of the final
// configuration shows it, and no acknowledged write is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { startEnsemble, type Ensemble } from '../../../test-support/ensemble.js';
import { generateDigest } from '../../src/tree/acl.js';
import { childrenOn, sleep, workload } from './workload.js';

const serverLines = (config: string) => config.split('\n').filter((l) => l.startsWith('server.'));
const versionOf = (config: string) => /^version=([0-9a-f]+)$/m.exec(config)?.[1];

describe('reconfig of several members at once (joint consensus)', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(
      ['participant', 'participant', 'participant'],
      { reconfigEnabled: true, 'DigestAuthenticationProvider.superDigest': generateDigest('super:secret') },
      ['participant', 'participant'],
    );
  }, 60_000);
  afterAll(() => ens?.stop());

  it('adds two members in one request and removes two, the leader included, in another, losing no acknowledged write', async () => {
    const [, , , four, five] = ens.members;
    const leader = await ens.leader();
    const originals = ens.members.slice(0, 3);
    const other = originals.find((m) => m.id !== leader.id)!;
    const stays = originals.find((m) => m.id !== leader.id && m.id !== other.id)!;

    const zk = await ZooKeeperClient.connect(`127.0.0.1:${stays.clientPort}`, { sessionTimeout: 10_000 });
    await zk.addAuth('digest', 'super:secret');
    await zk.create('/joint');
    const load = workload(zk, '/joint');
    await sleep(300);

    const before = (await zk.getConfig()).config;
    const added = await zk.reconfig({ joining: `${four!.serverLine},${five!.serverLine}` });
    // ZooKeeper's /zookeeper/config spells a bare client port as 0.0.0.0:port.
    const joined = [four!.serverLine, five!.serverLine].map((l) => l.replace(';', ';0.0.0.0:'));
    expect(serverLines(added.config)).toEqual([...serverLines(before), ...joined]);
    expect(versionOf(added.config)).not.toBe(versionOf(before));
    expect(added.stat.mzxid.toString(16)).toBe(versionOf(added.config)); // one version, the joint entry's zxid
    await ens.ready(20_000, [four!, five!]);
    await sleep(500);

    const onLeader = await ZooKeeperClient.connect(`127.0.0.1:${leader.clientPort}`, { sessionTimeout: 10_000 });
    await onLeader.addAuth('digest', 'super:secret');
    const removed = await onLeader.reconfig({ leaving: `${leader.id},${other.id}`, fromConfig: parseInt(versionOf(added.config)!, 16) });
    await onLeader.close();
    expect(serverLines(removed.config).map((l) => l.split('=')[0])).toEqual([`server.${stays.id}`, 'server.4', 'server.5']);
    await sleep(500);
    await load.stop();
    expect(load.acked.length).toBeGreaterThan(20);

    // A member of the new configuration leads; every one of them holds every acknowledged write and the config.
    const remaining = [stays, four!, five!];
    const deadline = Date.now() + 15_000;
    while (!(await Promise.all(remaining.map((m) => m.mode()))).includes('leader') && Date.now() < deadline) await sleep(100);
    expect(await Promise.all(remaining.map((m) => m.mode()))).toContain('leader');
    for (const m of remaining) {
      const held = await childrenOn(m.clientPort, '/joint');
      expect(load.acked.filter((name) => !held.has(name)), `member ${m.id}`).toEqual([]);
      const c = await ZooKeeperClient.connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
      await c.sync('/');
      expect((await c.getConfig()).config, `member ${m.id}`).toBe(removed.config);
      await c.close();
    }
    await zk.close();
  }, 90_000);
});
