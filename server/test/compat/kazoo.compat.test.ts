import { afterAll, describe, expect, it } from 'vitest';
import { expectSameBehaviour, kazooTranscript, line, superDigest, TargetPool } from './differential.js';

// tickTime 500 makes the session-expiry scenario quick (minimum session timeout 1 s).
const pool = new TargetPool({
  tickTime: 500,
  extendedTypesEnabled: true,
  'DigestAuthenticationProvider.superDigest': superDigest('super', 'secret'),
});
afterAll(() => pool.stopAll());

const noAnomalies = (t: string) => {
  expect(t).not.toMatch(/\(BAD\)|TIMEOUT/);
  expect(t.trimEnd().endsWith('done')).toBe(true);
};

describe('kazoo scenarios, Apache ZooKeeper vs Corral', () => {
  it('plain znode operations', async () => {
    await expectSameBehaviour(pool, 'basic_ops', (t) => kazooTranscript(t, 'basic_ops.py'), (t) => {
      noAnomalies(t);
      expect(line(t, 'create2 persistent')).toMatch(/czxid=(Z\d+) mzxid=\1 pzxid=\1 mtime=ctime version=0 cversion=0 aversion=0 owner=0 dataLength=4 numChildren=0/);
      expect(line(t, 'create existing')).toContain('!! NODEEXISTS');
      expect(line(t, 'create without parent')).toContain('!! NONODE');
      expect(line(t, 'create under ephemeral')).toContain('!! NOCHILDRENFOREPHEMERALS');
      expect(line(t, 'create2 ephemeral')).toMatch(/owner=S1 /);
      expect(line(t, 'create2 sequential')).toContain("'/basic/s-0000000002'");
      expect(line(t, 'create sequential after delete')).toContain("'/basic/s-0000000005'");
      expect(line(t, 'sequential child of fresh node')).toContain("'/basic/p/0000000000'");
      expect(line(t, 'exists missing')).toBe('exists missing -> None');
      expect(line(t, 'set wrong version')).toContain('!! BADVERSION');
      expect(line(t, 'set right version')).toContain('version=2');
      expect(line(t, 'delete not empty')).toContain('!! NOTEMPTY');
      expect(line(t, 'stat of parent after deletes')).toContain('cversion=8');
      expect(line(t, 'delete /zookeeper')).toContain('!! BADARGUMENTS');
      expect(line(t, 'create under /zookeeper')).toContain("-> '/zookeeper/x'");
      expect(line(t, 'stat of big')).toContain('dataLength=1048376');
    });
  });

  it('one-shot watches and their order', async () => {
    await expectSameBehaviour(pool, 'watches', (t) => kazooTranscript(t, 'watches.py'), (t) => {
      noAnomalies(t);
      expect(t).toContain("[a] event NodeCreated SyncConnected /watches/n\na: create -> '/watches/n'");
      expect(t).toMatch(/\[a\] event NodeDataChanged SyncConnected \/watches\/n\na: set \(fires own data watch before reply\)/);
      expect(t).toMatch(/b: delete -> True\n\[a\] event NodeDeleted SyncConnected \/watches\/n\n\[a\] event NodeChildrenChanged SyncConnected \/watches\n/);
      expect(t).toMatch(/b: setACL \(no event\) -> .*\nb: failed set \(no event\) !! BADVERSION\nb: set -> /);
      // exists and getData watches on one node from one session: a single event
      expect(t).toMatch(/b: set -> [^\n]*\n\[a\] event NodeDataChanged SyncConnected \/watches\/c2\ndone/);
    });
  });

  it('ACLs and authentication', async () => {
    await expectSameBehaviour(pool, 'acl_auth', (t) => kazooTranscript(t, 'acl_auth.py'), (t) => {
      noAnomalies(t);
      expect(line(t, 'default ACL')).toContain('[31:world:anyone]');
      expect(line(t, 'u: ACL stored for auth scheme')).toContain('31:digest:alice:V55/p2T0OpjQ+low3NVAH4aLvm0=');
      expect(line(t, 'a: read alice node')).toContain('!! NOAUTH');
      expect(line(t, 'a: getACL needs READ or ADMIN')).toContain('!! NOAUTH');
      expect(line(t, 'v: read with wrong password')).toContain('!! NOAUTH');
      expect(line(t, 'create with auth ACL, no auth')).toContain('!! INVALIDACL');
      expect(line(t, 'a: setACL with ADMIN')).toContain('aversion=1');
      expect(line(t, 'a: read other-net node')).toContain('!! NOAUTH');
      expect(line(t, 's: super reads other-net node')).toContain("(b''");
      expect(line(t, 'a: read after super opened it')).toContain("(b''");
    });
  });

  it('multi and multiRead', async () => {
    await expectSameBehaviour(pool, 'multi', (t) => kazooTranscript(t, 'multi.py'), (t) => {
      noAnomalies(t);
      expect(line(t, 'a: multi failing in the middle')).toContain('[!OK, !NONODE, !RUNTIMEINCONSISTENCY, !RUNTIMEINCONSISTENCY]');
      expect(line(t, 'a: multi failing on check')).toContain('[!OK, !BADVERSION]');
      expect(line(t, 'a: multi failing first op')).toContain('[!NODEEXISTS, !RUNTIMEINCONSISTENCY]');
      expect(line(t, 'a: nothing applied')).toBe('a: nothing applied -> None');
      expect(line(t, 'a: empty multi')).toBe('a: empty multi -> []');
      // every op of a multi shares one zxid
      expect(line(t, 'a: state after success')).toMatch(/czxid=(Z\d+) mzxid=\1 pzxid=\1 mtime=ctime version=1/);
      expect(line(t, 'a: multiRead')).toMatch(/\['e', 's-0000000001'\], '!NONODE', '!NONODE', \(b'', stat\(.*owner=S1 /);
    });
  });

  it('sessions: expiry, reattach, wrong password, close', async () => {
    await expectSameBehaviour(pool, 'sessions', (t) => kazooTranscript(t, 'sessions.py'), (t) => {
      noAnomalies(t);
      expect(t).toContain('[a] event NodeDeleted SyncConnected /sessions/doomed\n[a] event NodeChildrenChanged SyncConnected /sessions\nexpired within 10 s: True');
      expect(t).toContain('w: wrong password gave a different session: True');
      expect(t).toContain('b: reattached to the same session: True');
      expect(line(t, 'b: its ephemeral survived')).toContain('-> True');
      expect(line(t, 'a: ephemerals of closed session gone')).toContain('[None, None]');
    });
  }, 60_000);

  it('3.5+ requests: container, TTL, getEphemerals, getAllChildrenNumber, whoAmI, addWatch, removeWatches', async () => {
    await expectSameBehaviour(pool, 'modern_ops', (t) => kazooTranscript(t, 'modern_ops.py'), (t) => {
      noAnomalies(t);
      // Clients see ephemeralOwner 0 on TTL and container nodes: the server keeps its markers to itself.
      expect(line(t, 'a: TTL node')).toContain('owner=0 dataLength=1');
      expect(line(t, 'a: exists on container')).toContain('owner=0');
      expect(line(t, 'a: create2 with TTL flags')).toContain('!! BADARGUMENTS');
      expect(line(t, 'a: TTL zero')).toContain('!! BADARGUMENTS');
      expect(line(t, 'a: TTL with a non-TTL mode')).toContain('!! BADARGUMENTS');
      expect(line(t, 'a: getEphemerals under root')).toContain("['/modern/box/e2', '/modern/e1']");
      expect(line(t, 'a: getAllChildrenNumber')).toMatch(/-> \d+$/);
      expect(line(t, 'b: whoAmI')).toContain("['digest:carol', 'ip:127.0.0.1']");
      expect(t).toMatch(/\[a\] event NodeDataChanged SyncConnected \/modern\/pw\na: own write fires own persistent watch first/);
      expect(t).not.toMatch(/NodeChildrenChanged SyncConnected \/modern\/rw/);
      expect(line(t, 'a: checkWatches none')).toContain('!! NOWATCHER');
      expect(line(t, 'a: reconfig on a standalone server')).toContain('!! RECONFIGDISABLED');
    });
  });
});
