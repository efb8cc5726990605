// Recovering from a lost quorum with real member processes: two of three members killed and their data dirs wiped,
// the third rebuilt as the sole voter of a new configuration through the AdminServer's `recover_quorum` (POST, super
// user, refused while a quorum serves, a no-op when repeated), every write acknowledged before the loss still there,
// a lost member coming back with its old data given no vote, the recovery durable across a restart, then fresh members
// added back by reconfig as an operator would.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { rewriteServerLines, startEnsemble, type Ensemble, type EnsembleMember } from '../../../test-support/ensemble.js';
import { generateDigest } from '../../src/tree/acl.js';
import { sleep } from './workload.js';

const SUPER_AUTH = 'digest super:secret';
const CFG = { reconfigEnabled: true, 'DigestAuthenticationProvider.superDigest': generateDigest('super:secret') };
const WRITES = 40;

type Answer = { status: number; json: Record<string, unknown> };

async function recover(m: EnsembleMember, headers: Record<string, string> = { Authorization: SUPER_AUTH }, method = 'POST'): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${m.adminPort}/commands/recover_quorum`, { method, headers });
  const text = await res.text();
  return { status: res.status, json: res.headers.get('content-type') === 'application/json' ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

/** Asks until the member takes the request (it refuses while it still knows a leader or reaches a quorum). */
async function recoverWhenLost(m: EnsembleMember, timeoutMs = 20_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await recover(m);
    if (answer.json.error === null || Date.now() > deadline) return answer;
    await sleep(100);
  }
}

async function client(m: EnsembleMember): Promise<ZooKeeperClient> {
  const zk = await ZooKeeperClient.connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
  await zk.addAuth('digest', 'super:secret');
  return zk;
}

const serverIds = (config: string) => [...config.matchAll(/^server\.(\d+)=/gm)].map((x) => Number(x[1]));
const versionOf = (config: string) => BigInt(`0x${/^version=([0-9a-f]+)$/m.exec(config)![1]}`);

/** Wipes a member's data dir, as a lost volume, keeping only its myid (a pod's id comes from its name). */
function wipe(m: EnsembleMember): void {
  rmSync(m.dataDir, { recursive: true, force: true });
  mkdirSync(m.dataDir, { recursive: true });
  writeFileSync(join(m.dataDir, 'myid'), `${m.id}\n`);
}

describe('quorum recovery from one surviving member', () => {
  let ens: Ensemble;
  let one: EnsembleMember, two: EnsembleMember, three: EnsembleMember;
  let versionBefore: bigint;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant'], CFG);
    [one, two, three] = ens.members as [EnsembleMember, EnsembleMember, EnsembleMember];
  }, 60_000);
  afterAll(() => ens?.stop());

  it('is refused while the quorum serves, without the super user, and on GET', async () => {
    const zk = await client(one);
    for (let i = 0; i < WRITES; i++) await zk.create(`/before-${i}`, Buffer.from(String(i)));
    versionBefore = versionOf((await zk.getConfig()).config);
    await zk.close();
    const serving = await recover(one);
    expect(serving.status).toBe(200);
    expect(serving.json.error).toMatch(/part of a serving quorum/);
    expect((await recover(one, {})).status).toBe(401);
    expect((await recover(one, { Authorization: 'digest super:guess' })).status).toBe(403);
    expect((await recover(one, { Authorization: SUPER_AUTH }, 'GET')).status).toBe(405);
  }, 60_000);

  it('rebuilds the ensemble on the survivor with every acknowledged write, once two members and their data are gone', async () => {
    for (const m of [two, three]) {
      m.signal('SIGKILL');
      await m.process!.stop();
    }
    wipe(two); // three keeps its data: see the next test
    const answer = await recoverWhenLost(one);
    expect(answer).toMatchObject({ status: 200, json: { recovered: true, leader: 1, removed: [2, 3], error: null } });
    expect(await one.mode()).toBe('leader');

    const zk = await client(one);
    const { config } = await zk.getConfig();
    expect(serverIds(config)).toEqual([1]);
    expect(versionOf(config)).toBeGreaterThan(versionBefore);
    expect(`0x${versionOf(config).toString(16)}`).toBe(answer.json.config_version);
    for (let i = 0; i < WRITES; i++) expect((await zk.getData(`/before-${i}`)).data?.toString()).toBe(String(i));
    await zk.create('/after-recovery', Buffer.from('x'));
    await zk.close();

    // Asking again changes nothing.
    expect(await recover(one)).toMatchObject({ status: 200, json: { recovered: false, leader: 1, removed: [], config_version: answer.json.config_version } });
  }, 60_000);

  it('a lost member that comes back with its old data gets no vote from the survivor, disrupts nothing and serves nothing', async () => {
    three.restart(); // its old data dir and old zoo.cfg: it still counts on a quorum of {1, 2, 3}
    const viewOf = async (m: EnsembleMember) =>
      (await (await fetch(`http://127.0.0.1:${m.adminPort}/commands/members`)).json()) as {
        members: Array<{ id: number; connected: boolean }>;
        self: { server_state: string };
      };
    const deadline = Date.now() + 15_000;
    let seen = await viewOf(three).catch(() => undefined);
    while (!seen && Date.now() < deadline) {
      await sleep(100);
      seen = await viewOf(three).catch(() => undefined);
    }
    // Through several of its election timeouts (tickTime 1000: 1-2 s each) it finds no quorum: the survivor lets it
    // connect (it announces its address) but, counting only itself, ignores its vote requests; member 2 is gone.
    const watchUntil = Date.now() + 5_000;
    while (Date.now() < watchUntil) {
      const view = await viewOf(three);
      expect(view.self.server_state).toBe('looking');
      expect(await one.mode()).toBe('leader');
      await sleep(250);
    }
    expect(await three.mode()).toBeUndefined(); // it serves no client
    expect((await viewOf(one)).members.map((m) => m.id)).toEqual([1]);
    expect(await one.mode()).toBe('leader');
    await three.process!.stop();
    wipe(three);
  }, 60_000);

  it('survives a restart of the survivor: the new configuration is in its log', async () => {
    await one.process!.stop();
    one.restart();
    await ens.ready(30_000, [one]);
    await ens.leader();
    const zk = await client(one);
    expect(serverIds((await zk.getConfig()).config)).toEqual([1]);
    expect((await zk.getData('/after-recovery')).data?.toString()).toBe('x');
    await zk.close();
  }, 60_000);

  it('grows back to three through reconfig with fresh members, which catch up with the survivor\'s data', async () => {
    // As the operator starts a joiner: an empty data dir, and server lines naming the current members and itself.
    const survivorLine = one.serverLine;
    for (const m of [two, three]) {
      rewriteServerLines(m, [survivorLine, ...(m === three ? [two.serverLine] : []), m.serverLine]);
      m.restart();
      const zk = await client(one);
      await zk.reconfig({ joining: m.serverLine });
      await zk.close();
      await ens.ready(30_000, [m]);
    }
    const zk = await client(three);
    await zk.sync('/');
    expect(serverIds((await zk.getConfig()).config)).toEqual([1, 2, 3]);
    for (let i = 0; i < WRITES; i++) expect((await zk.getData(`/before-${i}`)).data?.toString()).toBe(String(i));
    expect((await zk.getData('/after-recovery')).data?.toString()).toBe('x');
    await zk.close();
    // A quorum serves again, so a second recovery is refused.
    expect((await recover(two)).json.error).toMatch(/serving quorum|connected to a quorum/);
  }, 90_000);
});
