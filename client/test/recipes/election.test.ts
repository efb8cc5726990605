// Leader election against ZooKeeper and Corral: one leader at a time, succession on session death, and the
// leadership-lost notification for suspension, expiry and stop().
import { describe, expect, it } from 'vitest';
import { LeaderElection, SessionExpiredError, type LeadershipLossReason } from '../../src/index.js';
import { TARGET_KINDS, waitFor } from '../helpers/targets.js';
import { useTarget } from './harness.js';

describe.each(TARGET_KINDS)('leader election against %s', (kind) => {
  const h = useTarget(kind);

  it('one leader at a time; killing the leader\'s session elects the next, which is told', async () => {
    const path = h.path('election');
    const clients = await Promise.all(Array.from({ length: 5 }, () => h.connect({ expirable: true })));
    const elections = clients.map((c, i) => new LeaderElection(c, path, { id: `p${i}` }));
    const log: string[] = [];
    const lost: LeadershipLossReason[][] = elections.map(() => []);
    elections.forEach((e, i) => {
      e.on('elected', () => log.push(`+p${i}`));
      e.on('lost', (reason) => {
        log.push(`-p${i}`);
        lost[i]!.push(reason);
      });
    });
    // Join one by one, so the queue order (and thus the succession) is p0, p1, ...
    for (const e of elections) {
      e.start();
      const deadline = Date.now() + 5000;
      while ((await e.participants()).length < elections.indexOf(e) + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    }
    await elections[0]!.waitForLeadership({ timeout: 5000 });
    expect(elections.map((e) => e.isLeader)).toEqual([true, false, false, false, false]);
    expect(await elections[3]!.leader()).toBe('p0');
    expect(await elections[3]!.participants()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);

    const ended = new Promise((resolve) => elections[0]!.once('ended', resolve));
    await h.expire(clients[0]!);
    expect(await ended).toBe('expired');
    await elections[1]!.waitForLeadership({ timeout: 5000 });
    await expect(elections[0]!.waitForLeadership()).rejects.toBeInstanceOf(SessionExpiredError);
    // The old leader lost leadership when its connection went (before it even knew of the expiry).
    expect(lost[0]).toEqual(['suspended']);

    // A follower in the middle dies: nothing changes for the leader.
    await h.expire(clients[3]!);
    await elections[2]!.stop();
    expect(await elections[4]!.participants()).toEqual(['p1', 'p4']);
    expect(elections[1]!.isLeader).toBe(true);

    await elections[1]!.stop();
    expect(lost[1]).toEqual(['stopped']);
    await elections[4]!.waitForLeadership({ timeout: 5000 });
    // Never two leaders at once: the log alternates gain and loss.
    expect(log).toEqual(['+p0', '-p0', '+p1', '-p1', '+p4']);
    await elections[4]!.stop();
  });

  it('a suspended leader leads again when its session survives the disconnection', async () => {
    const path = h.path('election');
    const zk = await h.connect();
    const election = new LeaderElection(zk, path);
    const events: string[] = [];
    election.on('elected', () => events.push('elected'));
    election.on('lost', (reason) => events.push(`lost:${reason}`));
    election.start();
    await election.waitForLeadership({ timeout: 5000 });
    zk.dropConnection();
    await waitFor(() => events.length === 3, 'loss and re-election');
    expect(events).toEqual(['elected', 'lost:suspended', 'elected']);
    expect(await election.leader()).toBe(election.id);
    await election.stop();
  });

  it('waitForLeadership honours its timeout', async () => {
    const path = h.path('election');
    const [a, b] = await Promise.all([h.connect(), h.connect()]);
    const leader = new LeaderElection(a!, path);
    leader.start();
    await leader.waitForLeadership();
    const follower = new LeaderElection(b!, path);
    follower.start();
    const err = await follower.waitForLeadership({ timeout: 200 }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(follower.isLeader).toBe(false);
    await leader.stop();
    await follower.waitForLeadership({ timeout: 5000 });
    await follower.stop();
  });
});
