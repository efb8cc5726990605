// corral-pod as the member image runs it, without the container: three members read one zoo.cfg (as pods mount
// one ConfigMap), take their ids from their pod names, their server lines and connection limits from
// CORRAL_CONFIG_LINES and the super user's digest from CORRAL_SUPER_DIGEST, as the operator's pods do, and bind the
// same ports on distinct loopback addresses (their POD_IPs), as members sharing the test bed's host network do.
// Needs the built server (npm run build).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { parseMembersReply } from '../../../protocol/src/admin-api.js';
import { fourLetterWord } from '../../../test-support/four-letter-words.js';
import { freePorts } from '../../../test-support/ports.js';
import { startServerProcess, type ServerProcess } from '../../../test-support/processes.js';
import { CORRAL_POD_JS } from '../../../test-support/servers.js';
import { generateDigest } from '../../src/tree/acl.js';

const ids = [1, 2, 3];
/** Pod IPs outside the ranges the e2e test bed hands out (127.1.0.0/16, 127.0.0.11-13). */
const podIp = (id: number) => `127.0.3.${id}`;
const PASSWORD = 'pod-test-password';
const SUPER_DIGEST = generateDigest(`super:${PASSWORD}`);

const refused = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = connect({ host, port });
    sock.once('connect', () => (sock.destroy(), resolve(false)));
    sock.once('error', () => resolve(true));
  });

describe('corral-pod: members sharing one network namespace', () => {
  let dir: string;
  let cfg: string;
  let clientPort: number;
  let adminPort: number;
  let configLines: string;
  const pods = new Map<number, ServerProcess>();

  const startPod = (id: number) => {
    const cwd = join(dir, `pod-${id}`);
    mkdirSync(cwd, { recursive: true });
    const env = {
      ...process.env,
      CORRAL_CONFIG: cfg,
      POD_NAME: `corral-${id}`,
      POD_IP: podIp(id),
      CORRAL_SERVER_ID: '',
      CORRAL_CONFIG_LINES: configLines,
      CORRAL_SUPER_DIGEST: SUPER_DIGEST,
    };
    pods.set(id, startServerProcess(process.execPath, [CORRAL_POD_JS], { cwd, env, logPath: join(cwd, 'member.log') }));
  };

  beforeAll(async () => {
    if (!existsSync(CORRAL_POD_JS)) throw new Error(`${CORRAL_POD_JS} missing: run npm run build`);
    dir = mkdtempSync(join(tmpdir(), 'corral-pod-'));
    let quorumPort, electionPort;
    [clientPort, quorumPort, electionPort, adminPort] = await freePorts(4);
    cfg = join(dir, 'zoo.cfg');
    // One file for all: a relative dataDir resolves against each member's working directory (its own volume).
    writeFileSync(
      cfg,
      ['tickTime=500', 'initLimit=10', 'syncLimit=5', 'dataDir=data', 'quorumListenOnAllIPs=true', '4lw.commands.whitelist=*',
        'reconfigEnabled=true', 'standaloneEnabled=false', `admin.serverPort=${adminPort}`].join('\n'),
    );
    const servers = ids.map((id) => `server.${id}=${podIp(id)}:${quorumPort}:${electionPort}:participant;${clientPort}`);
    configLines = [...servers, 'maxClientCnxns=50', 'maxCnxns=500'].join('\n');
    for (const id of ids) startPod(id);
  });

  afterAll(async () => {
    await Promise.all([...pods.values()].map((p) => p.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mode = (id: number) => fourLetterWord(podIp(id), clientPort, 'srvr', 2000).then((t) => /Mode: (\w+)/.exec(t)?.[1], () => undefined);
  const admin = (id: number, path: string, headers: Record<string, string> = {}) => fetch(`http://${podIp(id)}:${adminPort}${path}`, { headers });

  it('forms an ensemble on the same ports, each member on its pod IP only, ids from the pod names', async () => {
    const deadline = Date.now() + 30_000;
    let modes: (string | undefined)[] = [];
    while (Date.now() < deadline) {
      modes = await Promise.all(ids.map(mode));
      if (modes.every((m) => m !== undefined) && modes.includes('leader')) break;
      if ([...pods.values()].some((p) => p.exited())) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(modes.sort(), [...pods.values()].map((p) => p.logTail(15)).join('\n')).toEqual(['follower', 'follower', 'leader']);
    for (const id of ids) expect(readFileSync(join(dir, `pod-${id}`, 'data', 'myid'), 'utf8')).toBe(`${id}\n`);
    // Nothing took the wildcard address: the client and admin ports are free on any other loopback address.
    expect(await refused('127.0.0.1', clientPort)).toBe(true);
    expect(await refused('127.0.0.1', adminPort)).toBe(true);
    const ruok = await admin(2, '/commands/ruok');
    expect(ruok.status).toBe(200);

    const writer = await ZooKeeperClient.connect(`${podIp(1)}:${clientPort}`, { sessionTimeout: 10_000 });
    const reader = await ZooKeeperClient.connect(`${podIp(3)}:${clientPort}`, { sessionTimeout: 10_000 });
    try {
      await writer.create('/shared-host', Buffer.from('one zoo.cfg'));
      await reader.sync('/shared-host');
      expect((await reader.getData('/shared-host')).data?.toString()).toBe('one zoo.cfg');
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });

  it('takes its connection limits from CORRAL_CONFIG_LINES and the super user from CORRAL_SUPER_DIGEST, which nothing shows', async () => {
    const members = parseMembersReply(await (await admin(1, '/commands/members')).json());
    expect(members.self).toMatchObject({ id: 1, ready: true, connection_limits: { per_client_address: 50, total: 500 } });
    // The digest works: the super user changes the limits live.
    const set = await admin(1, '/commands/connection_limits?total=400', { Authorization: `digest super:${PASSWORD}` });
    expect([set.status, await set.json()]).toEqual([200, { per_client_address: 50, total: 400, command: 'connection_limits', error: null }]);
    const zk = await ZooKeeperClient.connect(`${podIp(2)}:${clientPort}`, { sessionTimeout: 10_000 });
    try {
      await zk.addAuth('digest', `super:${PASSWORD}`);
      expect(await zk.exists('/')).toBeTruthy();
    } finally {
      await zk.close();
    }
    // Neither the digest nor its hash part appears in any configuration dump, report or log line.
    const secret = SUPER_DIGEST.split(':')[1]!;
    const names = [...(await (await admin(1, '/commands')).text()).matchAll(/href="\/commands\/(\w+)"/g)].map((m) => m[1]!);
    const sideEffects = new Set(['connection_stat_reset', 'stat_reset', 'set_trace_mask', 'transfer_leadership']);
    for (const name of names.filter((n) => !sideEffects.has(n))) {
      expect(await (await admin(1, `/commands/${name}`)).text(), name).not.toContain(secret);
    }
    for (const word of ['conf', 'envi', 'icfg', 'mntr', 'srvr', 'stat', 'dump', 'dirs']) {
      expect(await fourLetterWord(podIp(1), clientPort, word, 2000), word).not.toContain(secret);
    }
    for (const id of ids) expect(readFileSync(join(dir, `pod-${id}`, 'member.log'), 'utf8')).not.toContain(secret);
  });

  it('a member with data follows the membership it committed, though CORRAL_CONFIG_LINES still lists the old one', async () => {
    const zk = await ZooKeeperClient.connect(`${podIp(1)}:${clientPort}`, { sessionTimeout: 10_000 });
    try {
      await zk.addAuth('digest', `super:${PASSWORD}`);
      await zk.reconfig({ leaving: '3' });
    } finally {
      await zk.close();
    }
    await pods.get(3)!.stop();
    // Member 2 starts again from the same environment, whose server lines still name 3.
    await pods.get(2)!.stop();
    startPod(2);
    const deadline = Date.now() + 30_000;
    let listed: number[] = [];
    while (Date.now() < deadline) {
      const reply = await admin(2, '/commands/members').then(async (r) => parseMembersReply(await r.json()), () => undefined);
      listed = reply?.members.map((m) => m.id) ?? [];
      if (reply?.self.ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed, pods.get(2)!.logTail(20)).toEqual([1, 2]);
    // The ensemble of two takes writes, and its configuration no longer names 3.
    const writer = await ZooKeeperClient.connect(`${podIp(2)}:${clientPort}`, { sessionTimeout: 10_000 });
    try {
      await writer.create('/after-removal', null);
      expect((await writer.getConfig()).config).not.toMatch(/^server\.3=/m);
    } finally {
      await writer.close();
    }
  });
});
