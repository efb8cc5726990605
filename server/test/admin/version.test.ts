// The version a running member reports, on every surface that reports one, and what a client that gates
// features on it makes of it: kazoo's server_version() reads the leading digits of envi's zookeeper.version.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORRAL_VERSION, SERVER_VERSION, ZOOKEEPER_RELEASE } from '../../src/version.js';
import { fourLetterWord, parseMntr } from '../../../test-support/four-letter-words.js';
import { freePort } from '../../../test-support/ports.js';
import { runProgram } from '../../../test-support/processes.js';
import { startCorral, type Target } from '../../../test-support/servers.js';
import { kazooPythonPath } from '../../../test-support/tools.js';

describe('the version string', () => {
  it("leads with a ZooKeeper 3.9 release and carries Corral's own version, package.json's", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(CORRAL_VERSION).toBe(pkg.version);
    expect(ZOOKEEPER_RELEASE).toMatch(/^3\.9\.\d+$/);
    expect(SERVER_VERSION).toBe(`${ZOOKEEPER_RELEASE}-corral-${pkg.version}`);
  });
});

describe('a running member reports it', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startCorral({ 'admin.enableServer': true, 'admin.serverAddress': '127.0.0.1', 'admin.serverPort': await freePort() });
  });
  afterAll(() => target?.stop());

  const word = (w: string) => fourLetterWord(target.host, target.port, w);
  const admin = async (path: string) => (await fetch(`http://127.0.0.1:${target.adminPort}${path}`)).text();
  // As ZooKeeper's, followed by when it was built.
  const full = new RegExp(`^${SERVER_VERSION.replaceAll('.', '\\.')}, built on \\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d GMT$`);
  const line = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length);

  it('in envi, srvr, stat and mntr', async () => {
    expect(line(await word('envi'), 'zookeeper.version=')).toMatch(full);
    expect(line(await word('srvr'), 'Zookeeper version: ')).toMatch(full);
    expect(line(await word('stat'), 'Zookeeper version: ')).toMatch(full);
    expect(parseMntr(await word('mntr')).get('zk_version')).toMatch(full);
  });

  it('on the AdminServer and in its Prometheus metrics', async () => {
    expect(JSON.parse(await admin('/commands/srvr')).version).toMatch(full);
    expect(JSON.parse(await admin('/commands/monitor')).version).toMatch(full);
    expect(JSON.parse(await admin('/commands/environment'))['zookeeper.version']).toMatch(full);
    expect(await admin('/metrics')).toContain(`\nbuild_info{version="${SERVER_VERSION}"} 1\n`);
  });

  it("kazoo's server_version() sees the ZooKeeper release, so it runs its 3.5+ features", async () => {
    const script = [
      'import sys', 'from kazoo.client import KazooClient',
      'zk = KazooClient(sys.argv[1]); zk.start(30)', 'print(zk.server_version())', 'zk.stop()',
    ].join('\n');
    const res = await runProgram(kazooPythonPath(), ['-c', script, target.connectString], { timeoutMs: 60_000 });
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe(`(${ZOOKEEPER_RELEASE.split('.').join(', ')})`);
  });
});
