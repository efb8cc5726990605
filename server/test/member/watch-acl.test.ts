// Watch events respect READ permission, as in ZooKeeper from 3.9.2 on (CVE-2024-23944): a persistent recursive
// watch on a readable node must not reveal the paths of the nodes below it that its session cannot read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddWatchMode, CREATOR_ALL_ACL, EventType, ZooKeeperClient, type WatchEvent } from '../../../client/src/index.js';
import { startCorral, type Target } from '../../../test-support/servers.js';

describe('watch events and ACLs', () => {
  let target: Target;
  const clients: ZooKeeperClient[] = [];
  beforeAll(async () => {
    target = await startCorral({});
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await target?.stop();
  });

  const connect = async () => {
    const c = await ZooKeeperClient.connect(target.connectString, { sessionTimeout: 10_000 });
    clients.push(c);
    return c;
  };

  it('a recursive watcher hears only of nodes it may read; their owner hears of all', async () => {
    const [watcher, owner] = [await connect(), await connect()];
    await owner.addAuth('digest', 'alice:pw');
    await watcher.create('/app');
    const heard = (events: string[]) => (e: WatchEvent) => events.push(`${EventType[e.type]} ${e.path}`);
    const stranger: string[] = [];
    const alice: string[] = [];
    await watcher.addWatch('/app', heard(stranger), AddWatchMode.PersistentRecursive);
    await owner.addWatch('/app', heard(alice), AddWatchMode.PersistentRecursive);

    await owner.create('/app/secret-user-42', 'x', { acl: [...CREATOR_ALL_ACL] });
    await owner.setData('/app/secret-user-42', 'y');
    await owner.delete('/app/secret-user-42');
    // The last change is readable: once each session has heard of it, it has heard of everything before it.
    await owner.create('/app/open', 'z');
    const until = async (events: string[]) => {
      while (!events.includes('NodeCreated /app/open')) await new Promise((r) => setTimeout(r, 20));
    };
    await Promise.all([until(stranger), until(alice)]);
    expect(stranger).toEqual(['NodeCreated /app/open']);
    expect(alice).toEqual(['NodeCreated /app/secret-user-42', 'NodeDataChanged /app/secret-user-42',
      'NodeDeleted /app/secret-user-42', 'NodeCreated /app/open']);
  });
});
