// The corral CLI: scripted one-shot runs against Apache ZooKeeper and Corral, checking stdout, stderr and exit
// codes; one run goes through the compiled entry point as a real process.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProgram } from '../../test-support/processes.js';
import { runCli } from '../src/cli/run.js';
import { splitWords } from '../src/cli/shell.js';
import { formatLimits, parseStatsTrack } from '../../protocol/src/quota.js';
import { TARGET_KINDS, startClientTarget, type Target } from './helpers/targets.js';

const MAIN_JS = fileURLToPath(new URL('../../dist/client/src/cli/main.js', import.meta.url));

describe('CLI helpers', () => {
  it('splits shell lines with quotes', () => {
    expect(splitWords(`create /a "x y" 'p q'  z`)).toEqual(['create', '/a', 'x y', 'p q', 'z']);
    expect(splitWords('  ')).toEqual([]);
  });

  it('writes and reads StatsTrack text as ZooKeeper 3.8 does', () => {
    const text = formatLimits({ count: 10, bytes: -1, countHardLimit: -1, byteHardLimit: 100 });
    expect(text).toBe('count=10,bytes=-1=;byteHardLimit=100;countHardLimit=-1');
    expect(parseStatsTrack(text)).toEqual({ count: 10, bytes: -1, byteHardLimit: 100, countHardLimit: -1 });
    expect(parseStatsTrack('count=3,bytes=4')).toEqual({ count: 3, bytes: 4 });
  });
});

describe.each(TARGET_KINDS)('corral CLI against %s', (kind) => {
  let target: Target;
  let n = 0;
  beforeAll(async () => {
    target = await startClientTarget(kind);
  });
  afterAll(async () => {
    await target?.stop();
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['--server', target.connectString, '--timeout', '4000', ...args], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  const fresh = () => `/cli-${kind}-${++n}`;

  it('create, ls, get, set, stat, delete, deleteall', async () => {
    const r = fresh();
    expect(await cli('create', r, 'hello')).toEqual({ code: 0, out: `Created ${r}`, err: '' });
    expect((await cli('create', '-s', `${r}/s-`)).out).toMatch(new RegExp(`^Created ${r}/s-\\d{10}$`));
    expect((await cli('create', `${r}/b`)).code).toBe(0);
    expect((await cli('create', '-c', `${r}/c`)).code).toBe(0);
    expect((await cli('create', '-t', '60000', `${r}/t`)).code).toBe(0);
    expect((await cli('ls', r)).out).toMatch(/^\[b, c, s-\d{10}, t\]$/);
    expect(await cli('get', r)).toEqual({ code: 0, out: 'hello', err: '' });
    expect((await cli('get', `${r}/b`)).out).toBe('null');
    expect((await cli('set', '-s', r, 'bye')).out).toMatch(/^cZxid = 0x[0-9a-f]+\nctime = \w{3} \w{3} \d\d \d\d:\d\d:\d\d \S+ \d{4}\n/);
    const stat = await cli('stat', r);
    expect(stat.out.split('\n').map((l) => l.split(' = ')[0])).toEqual([
      'cZxid', 'ctime', 'mZxid', 'mtime', 'pZxid', 'cversion', 'dataVersion', 'aclVersion', 'ephemeralOwner', 'dataLength', 'numChildren',
    ]);
    expect(stat.out).toContain('dataVersion = 1\n');
    expect(stat.out).toContain('numChildren = 4');
    const got = await cli('get', '-s', r);
    expect(got.out.startsWith('bye\ncZxid = ')).toBe(true);
    expect((await cli('ls', '-R', r)).out.split('\n')).toEqual([r, `${r}/b`, `${r}/c`, expect.stringMatching(/s-\d{10}$/), `${r}/t`]);
    expect(await cli('set', '-v', '0', r, 'x')).toMatchObject({ code: 1, out: '', err: `BADVERSION: Bad version: ${r}` });
    expect(await cli('delete', r)).toMatchObject({ code: 1, err: `NOTEMPTY: Directory not empty: ${r}` });
    expect(await cli('deleteall', r)).toEqual({ code: 0, out: '', err: '' });
    expect(await cli('stat', r)).toMatchObject({ code: 1, err: `NONODE: Node does not exist: ${r}` });
    expect(await cli('get', r)).toMatchObject({ code: 1, err: expect.stringMatching(/^NONODE: /) });
  });

  it('ACLs, auth and whoami', async () => {
    const r = fresh();
    expect((await cli('create', r, 'x', 'world:anyone:r')).code).toBe(0);
    expect((await cli('getAcl', r)).out).toBe("'world,'anyone\n: r");
    expect(await cli('set', r, 'y')).toMatchObject({ code: 1, err: expect.stringMatching(/^NOAUTH: /) });
    expect(await cli('setAcl', r, 'world:anyone:cdrwa')).toMatchObject({ code: 1, err: expect.stringMatching(/^NOAUTH: /) });
    expect((await cli('--auth', 'digest:bob:pw', 'create', `${r}-d`, 'x', 'auth::cdrwa')).code).toBe(0);
    expect((await cli('get', `${r}-d`)).code).toBe(1);
    expect((await cli('--auth', 'digest:bob:pw', 'get', `${r}-d`)).out).toBe('x');
    expect((await cli('--auth', 'digest:bob:pw', 'getAcl', `${r}-d`)).out).toMatch(/^'digest,'bob:.+\n: cdrwa$/);
    const who = await cli('--auth', 'digest:bob:pw', 'whoami');
    expect(who.out.split('\n')).toEqual(['Auth scheme: User', 'digest: bob', 'ip: 127.0.0.1']);
  });

  it('quotas as zkCli writes them', async () => {
    const r = fresh();
    await cli('create', r);
    await cli('create', `${r}/kid`, 'abc');
    expect(await cli('setquota', '-n', '10', r)).toEqual({ code: 0, out: '', err: '' });
    expect(await cli('setquota', '-B', '100', r)).toEqual({ code: 0, out: '', err: '' });
    expect((await cli('get', `/zookeeper/quota${r}/zookeeper_limits`)).out).toBe('count=10,bytes=-1=;byteHardLimit=100;countHardLimit=-1');
    const list = await cli('listquota', r);
    expect(list.out.split('\n')).toEqual([
      `absolute path is /zookeeper/quota${r}/zookeeper_limits`,
      `Output quota for ${r} count=10,bytes=-1=;byteHardLimit=100;countHardLimit=-1`,
      // The server maintains zookeeper_stats: 2 nodes, 3 bytes in the subtree.
      `Output stat for ${r} count=2,bytes=3`,
    ]);
    expect(await cli('setquota', '-n', '1', `${r}/kid`)).toMatchObject({ code: 1, err: `${r}/kid has a parent ${r} which has a quota` });
    expect(await cli('setquota', '-n', '1', '/zookeeper/quota/x')).toMatchObject({ code: 1 });
    expect(await cli('setquota', r)).toMatchObject({ code: 2 });
    expect(await cli('setquota', '-n', '1', `${r}/none`)).toMatchObject({ code: 1, err: expect.stringMatching(/^NONODE: /) });
    expect((await cli('delquota', '-n', r)).code).toBe(0);
    expect((await cli('get', `/zookeeper/quota${r}/zookeeper_limits`)).out).toBe('count=-1,bytes=-1=;byteHardLimit=100;countHardLimit=-1');
    expect((await cli('delquota', r)).code).toBe(0);
    expect((await cli('stat', `/zookeeper/quota${r}`)).code).toBe(1);
    expect(await cli('listquota', r)).toMatchObject({ code: 1, err: `quota for ${r} does not exist.` });
  });

  it('sync, config, getEphemerals, getAllChildrenNumber, watches and usage errors', async () => {
    const r = fresh();
    await cli('create', r);
    await cli('create', `${r}/a`);
    expect(await cli('sync', r)).toEqual({ code: 0, out: 'Sync is OK', err: '' });
    expect((await cli('getAllChildrenNumber', r)).out).toBe('1');
    expect(await cli('getEphemerals', r)).toEqual({ code: 0, out: '[]', err: '' });
    expect((await cli('config')).code).toBe(0);
    expect(await cli('reconfig', '-remove', '3')).toMatchObject({ code: 1, err: expect.stringMatching(/^RECONFIGDISABLED: /) });
    expect((await cli('addWatch', '-m', 'PERSISTENT', r)).code).toBe(0);
    expect(await cli('addWatch', '-m', 'SOMETIMES', r)).toMatchObject({ code: 2 });
    expect(await cli('removewatches', r)).toMatchObject({ code: 1, err: expect.stringMatching(/^NOWATCHER: /) });
    expect(await cli('create', '-e', '-t', '10', `${r}/x`)).toMatchObject({ code: 2 });
    expect((await cli('bogus')).code).toBe(2);
    expect((await cli('get')).code).toBe(2);
    expect((await cli('set', '-v', 'abc', r, 'x')).code).toBe(2);
  });

  it('runs as a process: stdout, stderr and exit codes', async () => {
    expect(existsSync(MAIN_JS), `${MAIN_JS} missing: run npm run build`).toBe(true);
    const r = fresh();
    const run = (...args: string[]) => runProgram(process.execPath, [MAIN_JS, '-server', target.connectString, ...args], { timeoutMs: 20_000 });
    expect(await run('create', r, 'v')).toMatchObject({ code: 0, stdout: `Created ${r}\n`, stderr: '' });
    expect(await run('get', `${r}/none`)).toMatchObject({ code: 1, stdout: '', stderr: `NONODE: Node does not exist: ${r}/none\n` });
    expect(await run('ls')).toMatchObject({ code: 2 });
    const admin = await runProgram(process.execPath, [MAIN_JS, 'admin', target.connectString, 'ruok'], { timeoutMs: 20_000 });
    expect(admin).toMatchObject({ code: 0, stdout: 'imok\n' });
    const shell = await runProgram(process.execPath, [MAIN_JS, '-server', target.connectString], {
      input: `get ${r}\nset ${r} "two words"\nget ${r}\nquit\n`,
      timeoutMs: 20_000,
    });
    expect(shell.code).toBe(0);
    expect(shell.stdout).toContain('v\n');
    expect(shell.stdout).toContain('two words\n');
  });
});
