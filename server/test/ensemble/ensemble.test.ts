// Real member processes on loopback: a client workload runs while members are killed, paused and restarted;
// afterwards every acknowledged write is on every member, sessions survived the moves, and ephemerals went
// exactly when their session expired.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliMt, runKazoo, runZkCli } from '../../../test-support/clients.js';
import { fourLetterWord, parseMntr } from '../../../test-support/four-letter-words.js';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { startEnsemble, type Ensemble, type EnsembleMember } from '../../../test-support/ensemble.js';
import { WireClient } from '../member/wire-client.js';
import { childrenOn, sleep, workload } from './workload.js';
import { OpCode } from '../../../protocol/src/constants.js';
import { generateDigest } from '../../src/tree/acl.js';

describe('a three-member ensemble under failures', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant']);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('keeps every acknowledged write through leader and follower kills, pauses and restarts', async () => {
    const zk = await ZooKeeperClient.connect(ens.connectString, { sessionTimeout: 10_000, requestTimeout: 8_000 });
    await zk.create('/load');
    const sessionBefore = zk.sessionId;
    const load = workload(zk, '/load');
    await sleep(500);

    const leader = await ens.leader();
    leader.signal('SIGKILL');
    await sleep(2500);
    leader.restart();
    await ens.ready();

    const follower = ens.members.find((m) => m.id !== leader.id)!;
    const newLeader = await ens.leader();
    const other = ens.members.find((m) => m.id !== newLeader.id && m.id !== follower.id) ?? follower;
    other.signal('SIGSTOP');
    await sleep(1500);
    other.signal('SIGCONT');
    const victim = ens.members.find((m) => m.id !== newLeader.id)!;
    victim.signal('SIGKILL');
    await sleep(1000);
    victim.restart();
    await ens.ready();
    await sleep(500);
    await load.stop();

    expect(load.acked.length).toBeGreaterThan(50);
    expect(zk.sessionId).toBe(sessionBefore);
    for (const m of ens.members) {
      const present = await childrenOn(m.clientPort, '/load');
      const missing = load.acked.filter((p) => !present.has(p));
      expect(missing, `member ${m.id} lost acknowledged writes`).toEqual([]);
    }
    await zk.close();
  }, 90_000);

  it('removes an ephemeral on every member exactly when its session expires', async () => {
    const leader = await ens.leader();
    const follower = ens.members.find((m) => m.id !== leader.id)!;
    // A raw session on a follower, 2 s timeout, that simply goes silent.
    const raw = await WireClient.open(follower.clientPort, 2000);
    const created = await raw.send({ type: OpCode.Create, path: '/eph', data: null, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 1 });
    expect(created.err).toBe(0);
    raw.socket.destroy();
    for (const m of ens.members) expect((await childrenOn(m.clientPort, '/')).has('/eph')).toBe(true);
    // Still there well inside the timeout (the session may move and come back), gone after it on every member.
    await sleep(1000);
    expect((await childrenOn(leader.clientPort, '/')).has('/eph')).toBe(true);
    await sleep(3500);
    for (const m of ens.members) expect((await childrenOn(m.clientPort, '/')).has('/eph'), `member ${m.id}`).toBe(false);
  }, 60_000);

  it('hands leadership over on demand, never to the member asked to give it up', async () => {
    const leader = await ens.leader();
    const res = await fetch(`http://127.0.0.1:${leader.adminPort}/commands/transfer_leadership?to=any`);
    const body = (await res.json()) as { from: number; to: number; elapsed_ms: number; error: string | null };
    expect(body.error).toBeNull();
    expect(body.from).toBe(leader.id);
    expect(body.to).not.toBe(leader.id);
    const next = await ens.leader();
    expect(next.id).toBe(body.to);
    // The admin surface reports the ensemble as ZooKeeper's does.
    const deadline = Date.now() + 10_000;
    let mntr = parseMntr(await fourLetterWord('127.0.0.1', next.clientPort, 'mntr'));
    while (mntr.get('zk_synced_followers') !== '2' && Date.now() < deadline) {
      await sleep(100);
      mntr = parseMntr(await fourLetterWord('127.0.0.1', next.clientPort, 'mntr'));
    }
    expect(mntr.get('zk_server_state')).toBe('leader');
    expect(mntr.get('zk_synced_followers')).toBe('2');
    const leaderCmd = (await (await fetch(`http://127.0.0.1:${leader.adminPort}/commands/leader`)).json()) as { is_leader: boolean; leader_id: number };
    expect(leaderCmd).toMatchObject({ is_leader: false, leader_id: next.id });
  }, 30_000);

  it('a follower restarted while nothing is written serves again, and one that missed writes serves them at once', async () => {
    const leader = await ens.leader();
    const follower = ens.members.find((m) => m.id !== leader.id)!;
    // Nothing new reaches its log after the restart: it serves once synced with the leader, not at the next write.
    await follower.process?.stop();
    follower.restart();
    await ens.ready(20_000, [follower]);

    await follower.process?.stop();
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${leader.clientPort}`, { sessionTimeout: 10_000 });
    await zk.create('/written-while-down');
    await zk.close();
    follower.restart();
    await ens.ready(20_000, [follower]);
    const direct = await ZooKeeperClient.connect(`127.0.0.1:${follower.clientPort}`, { sessionTimeout: 10_000 });
    expect(await direct.exists('/written-while-down')).toBeTruthy(); // no sync: serving means caught up
    await direct.close();
  }, 60_000);
});

describe('roles from zoo.cfg', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'neverleader', 'observer']);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('an observer serves reads and writes but does not vote; a never-leader votes but never leads', async () => {
    const observer = ens.members[3]!;
    const neverLeader = ens.members[2]!;
    expect(await observer.mode()).toBe('observer');
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${observer.clientPort}`, { sessionTimeout: 10_000 });
    await zk.create('/via-observer', Buffer.from('1'));
    expect((await zk.getData('/via-observer')).data?.toString()).toBe('1');
    await zk.close();
    // Kill the leader: the remaining participant and the never-leader still form a quorum (3 voters), and
    // the participant must be the one that leads.
    const leader = await ens.leader();
    leader.signal('SIGKILL');
    const next = await ens.leader(15_000);
    expect(next.id).not.toBe(neverLeader.id);
    expect(next.role).toBe('participant');
    const members = (await (await fetch(`http://127.0.0.1:${next.adminPort}/commands/members`)).json()) as {
      members: Array<{ id: number; role: string; never_leader: boolean }>;
    };
    expect(members.members.find((m) => m.id === neverLeader.id)).toMatchObject({ role: 'neverleader', never_leader: true });
    leader.restart();
  }, 60_000);
});

describe('dynamic reconfig', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(
      ['participant', 'participant', 'participant'],
      { reconfigEnabled: true, 'DigestAuthenticationProvider.superDigest': generateDigest('super:secret') },
      ['participant'],
    );
  }, 60_000);
  afterAll(() => ens?.stop());

  it('adds and removes a member one change at a time, keeping /zookeeper/config current everywhere', async () => {
    const joiner = ens.members[3]!;
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${ens.members[0]!.clientPort}`, { sessionTimeout: 10_000 });
    await expect(zk.reconfig({ joining: joiner.serverLine })).rejects.toMatchObject({ codeName: 'NOAUTH' });
    await zk.addAuth('digest', 'super:secret');
    const before = await zk.getConfig();
    expect(before.config.split('\n').filter((l) => l.startsWith('server.'))).toHaveLength(3);
    await expect(zk.reconfig({ joining: joiner.serverLine, fromConfig: 12345 })).rejects.toMatchObject({ codeName: 'BADVERSION' });
    await expect(zk.reconfig({ leaving: '9' })).rejects.toMatchObject({ codeName: 'BADARGUMENTS' }); // not a member

    const added = await zk.reconfig({ joining: joiner.serverLine });
    // ZooKeeper's /zookeeper/config spells a bare client port as 0.0.0.0:port.
    expect(added.config).toContain(joiner.serverLine.replace(';', ';0.0.0.0:'));
    expect(added.config).toMatch(/version=[0-9a-f]+$/);
    // The new member catches up and serves; every member shows the new configuration.
    const viaJoiner = await ZooKeeperClient.connect(`127.0.0.1:${joiner.clientPort}`, { sessionTimeout: 10_000 });
    await viaJoiner.create('/joined', Buffer.from('yes'));
    await viaJoiner.close();
    for (const m of ens.members) {
      const c = await ZooKeeperClient.connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
      await c.sync('/');
      expect((await c.getConfig()).config, `member ${m.id}`).toBe(added.config);
      expect((await c.getData('/joined')).data?.toString()).toBe('yes');
      await c.close();
    }

    const removed = await zk.reconfig({ leaving: '4' });
    expect(removed.config).not.toContain('server.4=');
    expect(removed.config.split('\n').filter((l) => l.startsWith('server.'))).toHaveLength(3);
    await zk.close();
  }, 60_000);
});

describe('read-only mode', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant'], { 'readonlymode.enabled': true });
  }, 60_000);
  afterAll(() => ens?.stop());

  it('a member cut off from quorum serves read-only clients, refuses writes, and returns to read-write with quorum', async () => {
    const [survivor, a, b] = ens.members as [EnsembleMember, EnsembleMember, EnsembleMember];
    const rw = await ZooKeeperClient.connect(ens.connectString, { sessionTimeout: 10_000 });
    await rw.create('/ro-data', Buffer.from('before'));
    await rw.close();
    a.signal('SIGKILL');
    b.signal('SIGKILL');
    const deadline = Date.now() + 30_000;
    while ((await survivor.mode()) !== 'read-only' && Date.now() < deadline) await sleep(100);
    expect(await survivor.mode()).toBe('read-only');

    const ro = await ZooKeeperClient.connect(`127.0.0.1:${survivor.clientPort}`, { sessionTimeout: 10_000, canBeReadOnly: true, connectTimeout: 20_000 });
    expect(ro.state).toBe('read-only');
    expect((await ro.getData('/ro-data')).data?.toString()).toBe('before');
    await expect(ro.create('/nope')).rejects.toMatchObject({ codeName: 'NOTREADONLY' });

    a.restart();
    b.restart();
    await ens.ready();
    // The read-only connection is dropped when quorum returns; the client reconnects read-write.
    const back = Date.now() + 20_000;
    while (ro.state !== 'connected' && Date.now() < back) await sleep(100);
    expect(ro.state).toBe('connected');
    await ro.close();
    await ens.leader();
    const again = await ZooKeeperClient.connect(`127.0.0.1:${survivor.clientPort}`, { sessionTimeout: 10_000, connectTimeout: 20_000 });
    await again.create('/after');
    await again.close();
  }, 120_000);
});

describe('catch-up by snapshot', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    // Snapshots every 50 entries: a member away for a few hundred writes can only come back through one.
    ens = await startEnsemble(['participant', 'participant', 'participant'], { snapCount: 50 });
  }, 60_000);
  afterAll(() => ens?.stop());

  it('a member that missed compacted entries is sent a snapshot and ends up with the same data', async () => {
    const leader = await ens.leader();
    const away = ens.members.find((m) => m.id !== leader.id)!;
    away.signal('SIGKILL');
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${leader.clientPort}`, { sessionTimeout: 10_000 });
    await zk.create('/snap');
    for (let i = 0; i < 300; i++) await zk.create(`/snap/n${i}`, Buffer.from(String(i)));
    await zk.close();
    away.restart();
    await ens.ready(20_000, [away]);
    const back = await ZooKeeperClient.connect(`127.0.0.1:${away.clientPort}`, { sessionTimeout: 10_000 });
    await back.sync('/snap');
    expect((await back.getChildren('/snap')).length).toBe(300);
    expect((await back.getData('/snap/n299')).data?.toString()).toBe('299');
    await back.close();
    expect(away.process!.logTail(200)).toContain('installed snapshot from the leader');
  }, 60_000);
});

describe('real clients against the ensemble', () => {
  let ens: Ensemble;
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant']);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('kazoo moves its session to another member when its member dies; its ephemeral follows the session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-move-'));
    const request = join(dir, 'port');
    const reply = join(dir, 'killed');
    const run = runKazoo(fileURLToPath(new URL('./kazoo/move_between_members.py', import.meta.url)), ens.connectString, { args: [request, reply] });
    const deadline = Date.now() + 30_000;
    while (!existsSync(request) && Date.now() < deadline) await sleep(50);
    const port = Number(readFileSync(request, 'utf8'));
    const victim = ens.members.find((m) => m.clientPort === port)!;
    victim.signal('SIGKILL');
    writeFileSync(reply, 'done');
    const out = await run;
    victim.restart();
    await ens.ready();
    expect(out.stdout, out.stderr).toContain('same session: True');
    expect(out.stdout).toContain('ephemeral kept: True');
    expect(out.stdout).toContain('reads after move: v1');
    expect(out.stdout).toContain('ephemeral gone after close: True');
  }, 90_000);

  it('zkCli.sh and cli_mt work against the ensemble connect string', async () => {
    const zkcli = await runZkCli(ens.connectString, ['create /cli-java j', 'get /cli-java']);
    expect(zkcli.output).toMatch(/^j$/m);
    const climt = await runCliMt(ens.connectString, ['create /cli-c']);
    expect(climt.output).toMatch(/\[\/cli-c\]: rc = 0/);
    const check = await ZooKeeperClient.connect(ens.connectString, { sessionTimeout: 10_000 });
    await check.sync('/');
    expect(await check.exists('/cli-c')).not.toBeNull();
    await check.close();
  }, 90_000);
});
