// corral-pod as the member image runs it, without the container: three members read one zoo.cfg (as pods mount
// one ConfigMap), take their ids from their pod names and bind the same ports on distinct loopback addresses
// (their POD_IPs), as members sharing the test bed's host network do. Needs the built server (npm run build).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../client/src/index.js';
import { fourLetterWord } from '../../../test-support/four-letter-words.js';
import { freePorts } from '../../../test-support/ports.js';
import { startServerProcess, type ServerProcess } from '../../../test-support/processes.js';
import { CORRAL_POD_JS } from '../../../test-support/servers.js';

const ids = [1, 2, 3];
/** Pod IPs outside the ranges the e2e test bed hands out (127.1.0.0/16, 127.0.0.11-13). */
const podIp = (id: number) => `127.0.3.${id}`;

const refused = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = connect({ host, port });
    sock.once('connect', () => (sock.destroy(), resolve(false)));
    sock.once('error', () => resolve(true));
  });

describe('corral-pod: members sharing one network namespace', () => {
  let dir: string;
  let clientPort: number;
  let adminPort: number;
  let pods: ServerProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(CORRAL_POD_JS)) throw new Error(`${CORRAL_POD_JS} missing: run npm run build`);
    dir = mkdtempSync(join(tmpdir(), 'corral-pod-'));
    let quorumPort, electionPort;
    [clientPort, quorumPort, electionPort, adminPort] = await freePorts(4);
    const cfg = join(dir, 'zoo.cfg');
    // One file for all: a relative dataDir resolves against each member's working directory (its own volume).
    writeFileSync(
      cfg,
      ['tickTime=500', 'initLimit=10', 'syncLimit=5', 'dataDir=data', 'quorumListenOnAllIPs=true', '4lw.commands.whitelist=*',
        `admin.serverPort=${adminPort}`, ...ids.map((id) => `server.${id}=${podIp(id)}:${quorumPort}:${electionPort};${clientPort}`)].join('\n'),
    );
    pods = ids.map((id) => {
      const cwd = join(dir, `pod-${id}`);
      mkdirSync(cwd);
      const env = { ...process.env, CORRAL_CONFIG: cfg, POD_NAME: `corral-${id}`, POD_IP: podIp(id), CORRAL_SERVER_ID: '' };
      return startServerProcess(process.execPath, [CORRAL_POD_JS], { cwd, env, logPath: join(cwd, 'member.log') });
    });
  });

  afterAll(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const mode = (id: number) => fourLetterWord(podIp(id), clientPort, 'srvr', 2000).then((t) => /Mode: (\w+)/.exec(t)?.[1], () => undefined);

  it('forms an ensemble on the same ports, each member on its pod IP only, ids from the pod names', async () => {
    const deadline = Date.now() + 30_000;
    let modes: (string | undefined)[] = [];
    while (Date.now() < deadline) {
      modes = await Promise.all(ids.map(mode));
      if (modes.every((m) => m !== undefined) && modes.includes('leader')) break;
      if (pods.some((p) => p.exited())) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(modes.sort(), pods.map((p) => p.logTail(15)).join('\n')).toEqual(['follower', 'follower', 'leader']);
    for (const id of ids) expect(readFileSync(join(dir, `pod-${id}`, 'data', 'myid'), 'utf8')).toBe(`${id}\n`);
    // Nothing took the wildcard address: the client and admin ports are free on any other loopback address.
    expect(await refused('127.0.0.1', clientPort)).toBe(true);
    expect(await refused('127.0.0.1', adminPort)).toBe(true);
    const ruok = await fetch(`http://${podIp(2)}:${adminPort}/commands/ruok`);
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
});
