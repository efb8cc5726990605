// A member that was down while another was removed, added back and made leader restarts with a configuration that
// does not name its leader. The leader's Hello announces where it listens, so the member lets it in, answers it
// there, catches up through it and serves (before, it refused the leader's connection and never caught up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../../../test-support/ensemble.js';
import { generateDigest } from '../../src/tree/acl.js';
import { sleep } from './workload.js';

const SUPER = { reconfigEnabled: true, 'DigestAuthenticationProvider.superDigest': generateDigest('super:secret') };

async function memberIds(m: EnsembleMember): Promise<number[]> {
  const body = (await (await fetch(`http://127.0.0.1:${m.adminPort}/commands/members`)).json()) as { members: Array<{ id: number }> };
  return body.members.map((x) => x.id).sort((a, b) => a - b);
}

/** Polls `read` until it returns `expected` or the time is up; returns the last value read. */
async function until<T>(read: () => Promise<T>, expected: T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read().catch(() => undefined);
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await sleep(100);
    value = await read().catch(() => undefined);
  }
  return value as T;
}

/** The leader's id, after asking it to hand over to `x` if it is another member. */
async function leadership(ens: Ensemble, x: EnsembleMember): Promise<number> {
  const leader = await ens.leader();
  if (leader === x) return x.id;
  await fetch(`http://127.0.0.1:${leader.adminPort}/commands/transfer_leadership?to=${x.id}`);
  return (await ens.leader()).id;
}

describe('a member whose configuration does not name the leader', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant', 'participant'], SUPER);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('lets the leader in on the address it announces, catches up and serves', async () => {
    const leader = await ens.leader();
    const [x, m] = ens.members.filter((e) => e !== leader) as [EnsembleMember, EnsembleMember];
    const all = ens.members.map((e) => e.id);
    const withoutX = all.filter((id) => id !== x.id);
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${leader.clientPort}`, { sessionTimeout: 10_000 });
    await zk.addAuth('digest', 'super:secret');

    // m applies the removal of x, then goes down.
    await zk.reconfig({ leaving: String(x.id) });
    expect(await until(() => memberIds(m), withoutX)).toEqual(withoutX);
    await m.process?.stop();

    // x comes back (three of four voters up: quorum). The others restart, so nothing they queued for m while it was
    // down (the appends adding x back) can reach it: only x, which m's configuration does not name, can tell it.
    const added = await zk.reconfig({ joining: x.serverLine });
    await zk.close();
    for (const other of ens.members.filter((e) => e !== x && e !== m)) {
      await other.process?.stop();
      other.restart();
      await ens.ready(30_000, [other]);
    }
    // x takes the lead, and a write follows that m has not seen.
    expect(await until(() => leadership(ens, x), x.id)).toBe(x.id);
    const onX = await ZooKeeperClient.connect(`127.0.0.1:${x.clientPort}`, { sessionTimeout: 10_000 });
    await onX.create('/while-m-was-down', new TextEncoder().encode('x leads'));
    await onX.close();

    // m restarts with x outside its configuration: it must catch up through x and serve.
    m.restart();
    await ens.ready(30_000, [m]);
    expect(await until(() => memberIds(m), all)).toEqual(all);
    const onM = await ZooKeeperClient.connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
    try {
      await onM.sync('/');
      expect(new TextDecoder().decode((await onM.getData('/while-m-was-down')).data)).toBe('x leads');
      expect((await onM.getConfig()).config).toBe(added.config);
    } finally {
      await onM.close();
    }
    // The fix is the announced address, not a connection given up on: m logged letting the leader in.
    expect(m.process?.logTail(1000)).toMatch(/answering it at the address it announced/);
  }, 120_000);
});
