import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../client/src/index.js';
import { fourLetterWord } from '../../test-support/four-letter-words.js';
import { Podman } from '../node-agent/src/runtime/podman.js';
import { testImage } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// The member image under podman as the node agent runs pods (host network, one loopback address per member),
// without Kubernetes: zoo.cfg and the data directory are mounted, the id and the address come from the
// environment. Addresses 127.0.1.x: the agent hands out 127.1.0.0/16, so the two never meet.
const GRACE_SECONDS = 10;
/** What e2e/image/build.sh builds. */
const IMAGE = testImage;
/** The node agent's podman driver: the flags pods run with on these machines (runc, host network, rlimits). */
const podman = new Podman();
const containerLogs = (name: string) => podman.check(['logs', name]);

describe.skipIf(process.env.CORRAL_E2E_TARGET === 'kind')('the member image on podman', () => {
  const prefix = `corral-image-e2e-${process.pid}`;
  const started: string[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'corral-image-e2e-'));
  });
  afterAll(async () => {
    await podman.remove(started);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A directory for /etc/corral holding this zoo.cfg. */
  const configDir = (name: string, lines: string[]) => {
    const path = join(dir, name);
    mkdirSync(path);
    writeFileSync(join(path, 'zoo.cfg'), lines.join('\n') + '\n');
    return path;
  };
  /** A data volume; world-writable as the agent's volumes are (the image runs as uid 1000). */
  const volume = (name: string) => {
    const path = join(dir, name);
    mkdirSync(path);
    chmodSync(path, 0o777);
    return path;
  };
  const startMember = async (name: string, ip: string, cfg: string, data: string) => {
    started.push(name);
    const id = await podman.create({
      name,
      image: IMAGE,
      labels: {},
      env: new Map([['POD_IP', ip]]),
      hostname: name,
      mounts: [{ source: cfg, target: '/etc/corral', readOnly: true }, { source: data, target: '/data', readOnly: false }],
    });
    await podman.start(id);
  };
  const mode = (ip: string) => fourLetterWord(ip, 2181, 'srvr', 2000).then((t) => /^Mode: (\w+)/m.exec(t)?.[1], () => undefined);
  const serving = (ip: string, name: string) =>
    waitUntil(`${name} serving on ${ip}:2181`, () => mode(ip), { timeoutMs: 60_000, intervalMs: 200 });
  const withClient = async <T>(connect: string, f: (zk: ZooKeeperClient) => Promise<T>): Promise<T> => {
    const zk = await ZooKeeperClient.connect(connect, { sessionTimeout: 10_000 });
    try {
      return await f(zk);
    } finally {
      await zk.close();
    }
  };
  /** SIGTERM through podman stop: the member exits by itself, with code 0, well within the grace period. */
  const stopCleanly = async (name: string) => {
    const stopping = Date.now();
    await podman.stop(name, GRACE_SECONDS);
    const elapsedMs = Date.now() - stopping;
    expect((await podman.inspect(name))?.State.ExitCode, await containerLogs(name)).toBe(0);
    expect(elapsedMs).toBeLessThan(GRACE_SECONDS * 1000);
    expect(await containerLogs(name)).toMatch(/"signal":"SIGTERM".*"shutting down"/);
  };

  it('serves clients as a standalone member on its pod IP, stops on SIGTERM, and a new container finds the data', async () => {
    const cfg = configDir('standalone', ['tickTime=2000', 'dataDir=/data', 'clientPort=2181', '4lw.commands.whitelist=*']);
    const data = volume('standalone-data');
    const ip = '127.0.1.10';
    await startMember(`${prefix}-standalone`, ip, cfg, data);
    expect(await serving(ip, 'the standalone member')).toBe('standalone');
    await withClient(`${ip}:2181`, (zk) => zk.create('/from-the-image', Buffer.from('kept')));
    await stopCleanly(`${prefix}-standalone`);

    // A pod recreated on its volume.
    await startMember(`${prefix}-standalone-again`, ip, cfg, data);
    await serving(ip, 'the recreated member');
    const read = await withClient(`${ip}:2181`, (zk) => zk.getData('/from-the-image'));
    expect(read.data?.toString()).toBe('kept');
    await stopCleanly(`${prefix}-standalone-again`);
  });

  it('forms an ensemble of three containers from one zoo.cfg; a stopped leader hands over, and restarted it serves again', async () => {
    const ips = ['127.0.1.1', '127.0.1.2', '127.0.1.3'];
    const cfg = configDir('ensemble', [
      'tickTime=2000', 'initLimit=10', 'syncLimit=5', 'dataDir=/data', 'quorumListenOnAllIPs=true', '4lw.commands.whitelist=*',
      ...ips.map((ip, i) => `server.${i + 1}=${ip}:2888:3888;2181`),
    ]);
    // Named <prefix>-N: each takes server id N from its host name and writes it to its own myid.
    const names = ips.map((_, i) => `${prefix}-${i + 1}`);
    await Promise.all(ips.map((ip, i) => startMember(names[i]!, ip, cfg, volume(`ensemble-data-${i + 1}`))));
    const modes = await waitUntil('a leader and two followers', async () => {
      const m = await Promise.all(ips.map(mode));
      return m.filter((x) => x === 'leader').length === 1 && m.filter((x) => x === 'follower').length === 2 && m;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    const leader = modes.indexOf('leader');

    const connect = ips.map((ip) => `${ip}:2181`).join(',');
    await withClient(`${ips[(leader + 1) % 3]}:2181`, (zk) => zk.create('/ensemble', Buffer.from('replicated')));
    const onThird = await withClient(`${ips[(leader + 2) % 3]}:2181`, async (zk) => {
      await zk.sync('/ensemble');
      return zk.getData('/ensemble');
    });
    expect(onThird.data?.toString()).toBe('replicated');

    await stopCleanly(names[leader]!);
    expect(await containerLogs(names[leader]!)).toMatch(/handed leadership over before shutting down/);
    await waitUntil('a new leader among the other two', async () => {
      const m = await Promise.all(ips.map((ip, i) => (i === leader ? undefined : mode(ip))));
      return m.includes('leader');
    });
    // Restarted on its data while nobody writes, it catches up with the leader and serves again.
    await podman.start(names[leader]!);
    expect(await serving(ips[leader]!, 'the restarted member')).toBe('follower');
    const read = await withClient(connect, (zk) => zk.getData('/ensemble'));
    expect(read.data?.toString()).toBe('replicated');
    for (const name of names) await stopCleanly(name);
  });
});
