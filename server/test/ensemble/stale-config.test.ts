// A member restarted with a zoo.cfg whose server lines are stale (an old volume, an old ConfigMap) or ahead of the
// ensemble (an operator's desired list) follows the configuration its data dir holds: it starts although the file
// lacks its own id, counts and dials only the committed members, and serves the committed /zookeeper/config. A
// member with an empty data dir has nothing to follow: without its own line in zoo.cfg it refuses to start.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { rewriteServerLines, startEnsemble, type Ensemble, type EnsembleMember } from '../../../test-support/ensemble.js';
import { freePorts } from '../../../test-support/ports.js';
import { runProgram } from '../../../test-support/processes.js';
import { CORRAL_SERVER_JS } from '../../../test-support/servers.js';
import { writeZooCfg } from '../../../test-support/zoo-cfg.js';
import { decodeValue, FrameDecoder, FrameKind, HELLO_MAX_BYTES, toHello } from '../../src/peer/wire.js';
import { generateDigest } from '../../src/tree/acl.js';
import { sleep } from './workload.js';

const SUPER = { reconfigEnabled: true, 'DigestAuthenticationProvider.superDigest': generateDigest('super:secret') };

/** Stops `m`, runs `whileDown`, and starts it again with `lines` as its server lines. */
async function restartWith(ens: Ensemble, m: EnsembleMember, lines: string[], whileDown = async () => {}): Promise<void> {
  await m.process?.stop();
  await whileDown();
  rewriteServerLines(m, lines);
  m.restart();
  await ens.ready(30_000, [m]);
}

async function memberIds(m: EnsembleMember): Promise<number[]> {
  const body = (await (await fetch(`http://127.0.0.1:${m.adminPort}/commands/members`)).json()) as { members: Array<{ id: number }> };
  return body.members.map((x) => x.id);
}

/** The members `m` counts, once they are `expected` (or what they still are after a while, for the failure message). */
async function settledMemberIds(m: EnsembleMember, expected: number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let ids = await memberIds(m);
  while (JSON.stringify(ids) !== JSON.stringify(expected) && Date.now() < deadline) {
    await sleep(100);
    ids = await memberIds(m);
  }
  return ids;
}

/** /zookeeper/config as member `m` serves it once it has caught up with the leader. */
async function configOn(m: EnsembleMember): Promise<string> {
  const zk = await ZooKeeperClient.connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
  try {
    await zk.sync('/');
    return (await zk.getConfig()).config;
  } finally {
    await zk.close();
  }
}

async function superClient(m: EnsembleMember): Promise<ZooKeeperClient> {
  const zk = await ZooKeeperClient.connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout: 10_000 });
  await zk.addAuth('digest', 'super:secret');
  return zk;
}

/** Listens where a server outside the configuration would: records which members dial it (from their Hello). */
async function listenAs(port: number): Promise<{ server: Server; dialers: Set<number> }> {
  const dialers = new Set<number>();
  const server = createServer((socket) => {
    const frames = new FrameDecoder(HELLO_MAX_BYTES);
    socket.on('error', () => {});
    socket.on('data', (data) => {
      for (const f of frames.push(data)) if (f.kind === FrameKind.Hello) dialers.add(toHello(decodeValue(f.payload)).from);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, dialers };
}

describe('a member restarted with stale server lines follows the configuration in its data dir', () => {
  let ens: Ensemble;
  let lines: string[];
  beforeAll(async () => {
    ens = await startEnsemble(['participant', 'participant', 'participant'], SUPER, ['participant', 'participant']);
    lines = ens.members.map((m) => m.serverLine);
  }, 60_000);
  afterAll(() => ens?.stop());

  it('counts only the committed members when zoo.cfg lists members the ensemble has not added', async () => {
    const [, , three] = ens.members;
    // An operator's fresh file naming the desired five, before any reconfig.
    await restartWith(ens, three!, lines);
    expect(await settledMemberIds(three!, [1, 2, 3])).toEqual([1, 2, 3]);
  }, 60_000);

  it('a joiner started with the desired members joins through the leader\'s catch-up and serves the committed config', async () => {
    const [one, , , four] = ens.members;
    const zk = await superClient(one!);
    const added = await zk.reconfig({ joining: four!.serverLine });
    await zk.close();
    await ens.ready(30_000, [four!]);
    expect(await settledMemberIds(four!, [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
    expect(await configOn(four!)).toBe(added.config);
  }, 60_000);

  it('a member added by reconfig starts with the old three-member file, which lacks its own id', async () => {
    const [one, , , four, five] = ens.members;
    const zk = await superClient(one!);
    const added = await zk.reconfig({ joining: five!.serverLine });
    for (let i = 0; i < 20; i++) await zk.create(`/before-restart-${i}`);
    await zk.close();
    await ens.ready(30_000, [five!]);
    for (const m of [four!, five!, one!]) {
      await restartWith(ens, m, lines.slice(0, 3));
      expect(await settledMemberIds(m, [1, 2, 3, 4, 5]), `member ${m.id}`).toEqual([1, 2, 3, 4, 5]);
      expect(await configOn(m), `member ${m.id}`).toBe(added.config);
    }
    // Said at warn level, with both lists.
    const log = readFileSync(join(four!.dataDir, '..', 'server.log'), 'utf8');
    expect(log).toMatch(/"level":40,[^\n]*"zooCfg":\[1,2,3\],"dataDir":\[1,2,3,4,5\][^\n]*following the data dir's/);
  }, 120_000);

  it('recovers the configuration from a snapshot as well as from the log', async () => {
    const [one] = ens.members;
    const snapshots = join(one!.dataDir, 'corral-v1', 'snapshots');
    const beyondSeed = () => readdirSync(snapshots).some((f) => /^snapshot\.(?!0{16}$)/.test(f));
    writeFileSync(one!.configPath, `${readFileSync(one!.configPath, 'utf8')}snapCount=2\n`);
    await restartWith(ens, one!, lines.slice(0, 3));
    const zk = await ZooKeeperClient.connect(`127.0.0.1:${one!.clientPort}`, { sessionTimeout: 10_000 });
    const deadline = Date.now() + 20_000;
    for (let i = 0; !beyondSeed() && Date.now() < deadline; i++) await zk.create(`/snap-${i}`);
    await zk.close();
    expect(beyondSeed()).toBe(true);
    const config = await configOn(ens.members[1]!);
    await restartWith(ens, one!, lines.slice(0, 3));
    expect(await settledMemberIds(one!, [1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5]);
    expect(await configOn(one!)).toBe(config);
  }, 120_000);

  it('neither counts nor dials a member the ensemble removed, nor one it never had', async () => {
    const [one, two, , , five] = ens.members;
    const zk = await superClient(one!);
    const removed = await zk.reconfig({ leaving: '5' });
    await zk.close();
    await five!.process?.stop();
    // Member 2's log adds server 5 and then removes it; server 6 is only in the file it is restarted with.
    const fivePort = Number(/=127\.0\.0\.1:(\d+):/.exec(five!.serverLine)![1]);
    const [quorumPort, electionPort, clientPort] = await freePorts(3);
    let listeners: Array<Awaited<ReturnType<typeof listenAs>>> = [];
    try {
      // Listening only once member 2 is down: before, it still dialled 5 for the grace period after the removal.
      const listen = async () => void (listeners = await Promise.all([listenAs(fivePort), listenAs(quorumPort!)]));
      await restartWith(ens, two!, [...lines, `server.6=127.0.0.1:${quorumPort}:${electionPort}:participant;${clientPort}`], listen);
      expect(await settledMemberIds(two!, [1, 2, 3, 4])).toEqual([1, 2, 3, 4]);
      expect(await configOn(two!)).toBe(removed.config);
      for (const l of listeners) expect([...l.dialers]).not.toContain(two!.id);
    } finally {
      for (const l of listeners) l.server.close();
    }
  }, 60_000);
});

describe('a member with an empty data dir', () => {
  it('refuses to start when zoo.cfg has no line for its own id: it cannot know whom to join', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-stale-'));
    try {
      const dataDir = join(dir, 'data');
      mkdirSync(dataDir);
      writeFileSync(join(dataDir, 'myid'), '4\n');
      const ports = await freePorts(6);
      const cfg = writeZooCfg(dir, {
        tickTime: 1000, initLimit: 10, syncLimit: 5, dataDir, 'admin.enableServer': false,
        'server.1': `127.0.0.1:${ports[0]}:${ports[1]};${ports[2]}`,
        'server.2': `127.0.0.1:${ports[3]}:${ports[4]};${ports[5]}`,
      });
      const run = await runProgram(process.execPath, [CORRAL_SERVER_JS, cfg], { cwd: dir, timeoutMs: 20_000 });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/invalid configuration: myid: .* holds 4, but .*no server\.4 line/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
