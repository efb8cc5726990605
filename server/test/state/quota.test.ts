import { describe, expect, it } from 'vitest';
import { ErrorCode, OpCode } from '../../../protocol/src/constants.js';
import { limitsPath, parseLimits, statsPath } from '../../../protocol/src/quota.js';
import { create, del, Harness, set } from './harness.js';

const E = ErrorCode;

/** What zkCli setquota does: the limits node under /zookeeper/quota, then the stats node (counted by the server). */
function setQuota(h: Harness, path: string, limits: string): void {
  h.mk(`/zookeeper/quota${path}`);
  h.mk(limitsPath(path), { data: limits });
  h.mk(statsPath(path), { data: 'count=0,bytes=0' });
}

const usage = (h: Harness, path: string) => {
  const { count, bytes } = parseLimits(h.tree.get(statsPath(path))!.data);
  return { count, bytes };
};

describe('quota stats', () => {
  it('the stats node counts the subtree when created and follows creates, deletes and setData', () => {
    const h = new Harness({ enforceQuota: false });
    h.mk('/app', { data: 'ab' });
    h.mk('/app/x', { data: 'cde' });
    setQuota(h, '/app', 'count=100,bytes=-1');
    expect(usage(h, '/app')).toEqual({ count: 2, bytes: 5 });
    const statVersion = h.tree.get(statsPath('/app'))!.version;
    h.mk('/app/x/y', { data: '1234' });
    expect(usage(h, '/app')).toEqual({ count: 3, bytes: 9 });
    h.req(set('/app/x', 'c'));
    expect(usage(h, '/app')).toEqual({ count: 3, bytes: 7 });
    h.req(del('/app/x/y'));
    expect(usage(h, '/app')).toEqual({ count: 2, bytes: 3 });
    expect(h.tree.get(statsPath('/app'))!.version).toBe(statVersion); // server updates do not bump the version
    h.mk('/other', { data: 'zzz' });
    expect(usage(h, '/app')).toEqual({ count: 2, bytes: 3 });
  });

  it('only the deepest quota above a path counts it', () => {
    const h = new Harness({ enforceQuota: false });
    h.mk('/a');
    h.mk('/a/b');
    setQuota(h, '/a', 'count=10,bytes=-1');
    setQuota(h, '/a/b', 'count=10,bytes=-1');
    h.mk('/a/b/c', { data: 'xy' });
    expect(usage(h, '/a/b')).toEqual({ count: 2, bytes: 2 });
    expect(usage(h, '/a')).toEqual({ count: 2, bytes: 0 });
  });
});

describe('quota enforcement', () => {
  it('hard limits refuse creates and setData with QUOTAEXCEEDED; soft limits do not', () => {
    const h = new Harness();
    h.mk('/hard');
    setQuota(h, '/hard', 'count=-1,bytes=-1,countHardLimit=3,byteHardLimit=10');
    h.mk('/hard/a', { data: '12345' });
    h.mk('/hard/b', { data: '12345' });
    expect(h.req(create('/hard/c')).err).toBe(E.QuotaExceeded);
    expect(h.req(set('/hard/a', '123456')).err).toBe(E.QuotaExceeded);
    expect(h.req(set('/hard/a', '1234')).err).toBe(E.Ok);
    expect(h.req(set('/hard/a', '12345')).err).toBe(E.Ok);
    expect(usage(h, '/hard')).toEqual({ count: 3, bytes: 10 });
    // ZooKeeper checks the quota before the version.
    expect(h.req(set('/hard/a', '123456', 99)).err).toBe(E.QuotaExceeded);
    h.mk('/soft');
    setQuota(h, '/soft', 'count=1,bytes=1');
    h.mk('/soft/a', { data: 'way over' });
    expect(usage(h, '/soft')).toEqual({ count: 2, bytes: 8 });
  });

  it('nothing is refused with enforceQuota off', () => {
    const h = new Harness({ enforceQuota: false });
    h.mk('/hard');
    setQuota(h, '/hard', 'count=-1,bytes=-1,countHardLimit=1,byteHardLimit=1');
    expect(h.req(create('/hard/c', { data: Buffer.from('data') })).err).toBe(E.Ok);
  });

  it('a failed multi that deleted the limits node leaves the quota in force', () => {
    const h = new Harness();
    h.mk('/hard');
    setQuota(h, '/hard', 'count=-1,bytes=-1,countHardLimit=2,byteHardLimit=-1');
    const r = h.req({ type: OpCode.Multi, ops: [del(limitsPath('/hard')), del('/missing')] });
    expect((r.response as { results: Array<{ err: number }> }).results.map((x) => x.err)).toEqual([E.Ok, E.NoNode]);
    h.mk('/hard/a');
    expect(h.req(create('/hard/b')).err).toBe(E.QuotaExceeded);
    expect(usage(h, '/hard')).toEqual({ count: 2, bytes: 0 });
  });

  it('a failed multi that created a limits node does not leave a quota behind', () => {
    const h = new Harness({ enforceQuota: false });
    h.mk('/q');
    h.mk('/zookeeper/quota/q');
    h.req({ type: OpCode.Multi, ops: [create(limitsPath('/q'), { data: Buffer.from('count=5,bytes=-1') }), del('/missing')] });
    // A stats node without a limits node is not a quota: creates below /q must not touch it.
    h.mk(statsPath('/q'), { data: 'count=0,bytes=0' });
    const counted = usage(h, '/q');
    h.mk('/q/a', { data: 'abc' });
    expect(usage(h, '/q')).toEqual(counted);
  });
});
