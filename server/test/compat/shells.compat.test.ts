import { afterAll, describe, expect, it } from 'vitest';
import { runCliMt, runZkCli, type ShellResult } from '../../../test-support/clients.js';
import type { Target } from '../../../test-support/servers.js';
import { normalizeTranscript, tagShellOutput } from '../../../test-support/transcript.js';
import { expectSameBehaviour, TargetPool } from './differential.js';

// Quotas are enforced only with enforceQuota=true; TTL nodes need extendedTypesEnabled.
const pool = new TargetPool({ enforceQuota: true, extendedTypesEnabled: true });
afterAll(() => pool.stopAll());

function shellTranscript(tool: string, target: Target, res: ShellResult): string {
  if (res.timedOut) throw new Error(`${tool} against ${target.kind} timed out:\n${res.output}`);
  return normalizeTranscript(tagShellOutput(res.output));
}

/** zkCli.sh, the Java client's shell: quotas, TTL/container creation, 3.5+ commands, stat output. */
const ZKCLI_STEPS = [
  'create /q',
  'setquota -N 2 /q',
  'listquota /q',
  'create /q/a',
  'create /q/b',
  'create /b data',
  'setquota -B 5 /b',
  'set /b 123',
  'set /b 123456',
  'get /b',
  'stat /b',
  'listquota /b',
  'delquota /b',
  'set /b 123456',
  'ls /zookeeper/quota',
  'get /zookeeper/quota/q/zookeeper_limits',
  'get /zookeeper/quota/q/zookeeper_stats',
  'create -t 5000 /ttl x',
  'create -c /cont',
  'create -e /eph',
  'create -s /seq-',
  'getAllChildrenNumber /q',
  'getEphemerals /',
  'whoami',
  'addauth digest dana:pw',
  'whoami',
  'create /secret s digest:dana:8uzDoIVHLpR24BuQM7sCV5Ct1jE=:cdrwa',
  'getAcl /secret',
  'setAcl /secret world:anyone:r',
  'getAcl /secret',
  'set /secret x',
  'sync /q',
  'config',
  'reconfig -remove 2',
  'delete /nonexistent',
  'stat /q/zz',
  'get -s /q',
  'ls -s /q',
  'deleteall /q',
  'ls /',
];

/** cli_mt, the C client's shell: create flags, watches, sequential names, errors by number. */
const CLI_MT_STEPS = [
  'create /m',
  'wexists /m/w',
  'create /m/w',
  'create +e /m/e',
  'create +s /m/s',
  'create +s /m/s',
  'create +es /m/es',
  'create +c /m/c',
  'create +t=5000 /m/t',
  'create /m/e/under-ephemeral',
  'create /m/w',
  'ls /m',
  'get /m/w',
  'set /m/w hello',
  'get /m/w',
  'exists /m/nope',
  'delete /m/e',
  'delete /m',
  'sync /m',
  'addauth digest eve:pw',
  'reconfig -remove 2',
  'config',
  'get /nope',
];

describe('shell clients, Apache ZooKeeper vs Corral', () => {
  it('zkCli.sh: quotas, TTL and container nodes, ACL commands, 3.5+ commands', async () => {
    await expectSameBehaviour(pool, 'zkcli',
      async (t) => shellTranscript('zkCli.sh', t, await runZkCli(t.connectString, ZKCLI_STEPS)),
      (t) => {
        expect(t).toContain('Created /q/a\nQuota has exceeded : /q/b');
        expect(t).toMatch(/Output quota for \/q count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2\nOutput stat for \/q count=1,bytes=0/);
        expect(t).toMatch(/Quota has exceeded : \/b\n123\n/);
        expect(t).toContain('countHardLimit=2');
        expect(t).toContain('Auth scheme: User\nip: 127.0.0.1\nAuth scheme: User\ndigest: dana\nip: 127.0.0.1');
        expect(t).toContain("'world,'anyone\n: r");
        expect(t).toContain('Insufficient permission : /secret');
        expect(t).toContain('Sync is OK');
        expect(t).toContain('Reconfig is disabled');
        expect(t).toContain('Node does not exist: /nonexistent');
      });
  });

  it('cli_mt: create flags, watches, errors', async () => {
    await expectSameBehaviour(pool, 'cli_mt',
      async (t) => shellTranscript('cli_mt', t, await runCliMt(t.connectString, CLI_MT_STEPS)),
      (t) => {
        expect(t).toContain('Watcher CREATED_EVENT state = CONNECTED_STATE for path /m/w');
        expect(t).toMatch(/\[\/m\/s\]: rc = 0\n\tname = \/m\/s0000000002/);
        expect(t).toMatch(/\[\/m\/e\/under-ephemeral\]: rc = -108/);
        expect(t).toMatch(/\[\/m\/w\]: rc = -110/);
        expect(t).toMatch(/\/m: rc = -111/);
      });
  });
});
