import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from '../../src/tree/acl.js';
import { DataTree } from '../../src/tree/datatree.js';
import { parentOf } from '../../src/tree/paths.js';
import { CONTAINER_OWNER, isEphemeralOwner, statOf, ttlOf, ttlOwner, type ZNode } from '../../src/tree/znode.js';
import { applyRawOp, picture, rawOp } from './tree-model.js';

const buf = (s: string) => Buffer.from(s);

describe('DataTree stats', () => {
  it('create sets the new node stat and moves the parent counter and pzxid', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    const n = t.create('/a', buf('xyz'), READ_ACL_UNSAFE, 0n, 7, 700);
    expect(statOf(n)).toEqual({
      czxid: 7, mzxid: 7, pzxid: 7, ctime: 700, mtime: 700, version: 0, cversion: 0, aversion: 0,
      ephemeralOwner: 0n, dataLength: 3, numChildren: 0,
    });
    expect(n.acl).toBe(READ_ACL_UNSAFE);
    const root = statOf(t.get('/')!);
    expect(root).toMatchObject({ cversion: 1, numChildren: 1, pzxid: 7, mzxid: 0, version: 0 });
    expect(t.approximateDataSize).toBe(1 + 2 + 3);
  });

  it('clients see cversion = creates + deletes (ZooKeeper stores creates, shows 2*creates - children)', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    t.create('/p', null, OPEN_ACL_UNSAFE, 0n, 1, 1);
    t.create('/p/a', null, OPEN_ACL_UNSAFE, 0n, 2, 2);
    t.create('/p/b', null, OPEN_ACL_UNSAFE, 0n, 3, 3);
    t.delete('/p/a', 4);
    const p = t.get('/p')!;
    expect(p.cversion).toBe(2); // stored: creates only, also the next sequential number
    expect(statOf(p)).toMatchObject({ cversion: 3, numChildren: 1, pzxid: 4 });
    t.delete('/p/b', 5);
    expect(statOf(p)).toMatchObject({ cversion: 4, numChildren: 0, pzxid: 5 });
  });

  it('delete only moves the parent pzxid forward', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    t.create('/p', null, OPEN_ACL_UNSAFE, 0n, 1, 1);
    t.create('/p/a', null, OPEN_ACL_UNSAFE, 0n, 2, 2);
    t.create('/p/b', null, OPEN_ACL_UNSAFE, 0n, 9, 9);
    t.delete('/p/a', 5);
    expect(t.get('/p')!.pzxid).toBe(9);
  });

  it('setData bumps version, mzxid and mtime and keeps null data distinct from empty', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    t.create('/a', buf('one'), OPEN_ACL_UNSAFE, 0n, 1, 100);
    const n = t.setData('/a', null, 2, 200);
    expect(n.data).toBeNull();
    expect(statOf(n)).toMatchObject({ version: 1, mzxid: 2, mtime: 200, czxid: 1, ctime: 100, dataLength: 0 });
    t.setData('/a', Buffer.alloc(0), 3, 300);
    expect(t.get('/a')!.data).toEqual(Buffer.alloc(0));
    expect(t.approximateDataSize).toBe(1 + 2);
  });

  it('setRawData changes data but no stat field; setAcl bumps aversion only', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    t.create('/a', buf('1'), OPEN_ACL_UNSAFE, 0n, 1, 100);
    const before = statOf(t.get('/a')!);
    t.setRawData('/a', buf('four'));
    expect(statOf(t.get('/a')!)).toEqual({ ...before, dataLength: 4 });
    t.setAcl('/a', READ_ACL_UNSAFE);
    expect(statOf(t.get('/a')!)).toEqual({ ...before, dataLength: 4, aversion: 1 });
    expect(t.get('/a')!.acl).toBe(READ_ACL_UNSAFE);
  });

  it('nodes with equal ACLs share one list (created, set or restored), and world:anyone ALL is the shared constant', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    const digest = () => [{ perms: 1, id: { scheme: 'digest', id: 'u:x' } }, { perms: 31, id: { scheme: 'ip', id: '10.0.0.1' } }];
    t.create('/open', null, [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], 0n, 1, 1);
    t.create('/a', null, digest(), 0n, 2, 1);
    t.create('/b', null, READ_ACL_UNSAFE, 0n, 3, 1);
    t.setAcl('/b', digest());
    t.restore('/c', { ...t.get('/a')!, acl: digest(), children: new Set() });
    expect(t.get('/open')!.acl).toBe(OPEN_ACL_UNSAFE);
    expect(t.get('/b')!.acl).toBe(t.get('/a')!.acl);
    expect(t.get('/c')!.acl).toBe(t.get('/a')!.acl);
    // The same entries in another order are another list.
    t.create('/d', null, digest().reverse(), 0n, 4, 1);
    expect(t.get('/d')!.acl).not.toBe(t.get('/a')!.acl);
    expect(t.get('/d')!.acl).toEqual(digest().reverse());
    // One entry whose id spells out two entries is another list, whatever separators a key could use.
    ['\u0000', ',', ';', '|'].forEach((sep, i) => {
      const two = [{ perms: 1, id: { scheme: 'digest', id: 'a:b' } }, { perms: 1, id: { scheme: 'ip', id: '10.0.0.1' } }];
      const one = [{ perms: 1, id: { scheme: 'digest', id: ['a:b', '1', 'ip', '10.0.0.1'].join(sep) } }];
      t.create(`/two${i}`, null, two, 0n, 5, 1);
      t.create(`/one${i}`, null, one, 0n, 6, 1);
      expect(t.get(`/one${i}`)!.acl).toEqual(one);
    });
  });

  it('indexes ephemerals by session, containers and TTL nodes, and drops them on delete', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    t.create('/e1', null, OPEN_ACL_UNSAFE, 5n, 1, 1);
    t.create('/e2', null, OPEN_ACL_UNSAFE, 5n, 2, 2);
    t.create('/c', null, OPEN_ACL_UNSAFE, CONTAINER_OWNER, 3, 3);
    t.create('/t', null, OPEN_ACL_UNSAFE, ttlOwner(1000), 4, 4);
    expect([...t.ephemeralsOf(5n)].sort()).toEqual(['/e1', '/e2']);
    expect([...t.containers]).toEqual(['/c']);
    expect([...t.ttlNodes]).toEqual(['/t']);
    t.delete('/e1', 5);
    t.delete('/e2', 6);
    t.delete('/c', 7);
    t.delete('/t', 8);
    expect([...t.sessionsWithEphemerals()]).toEqual([]);
    expect(t.ephemeralsOf(5n).size).toBe(0);
    expect(t.containers.size + t.ttlNodes.size).toBe(0);
  });

  it('tells the observer about each node before it changes', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    const seen: Array<[string, string | undefined]> = [];
    t.setObserver({ beforeChange: (path, node) => seen.push([path, node?.data?.toString()]) });
    t.create('/a', buf('v1'), OPEN_ACL_UNSAFE, 0n, 1, 1);
    t.setData('/a', buf('v2'), 2, 2);
    t.delete('/a', 3);
    expect(seen).toEqual([['/', ''], ['/a', undefined], ['/a', 'v1'], ['/', ''], ['/a', 'v2']]);
  });

  it('descendants lists parents before children', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    for (const p of ['/a', '/a/b', '/a/b/c', '/a/d']) t.create(p, null, OPEN_ACL_UNSAFE, 0n, 1, 1);
    const order = [...t.descendants('/a')];
    expect(order.sort()).toEqual(['/a/b', '/a/b/c', '/a/d']);
    const listed = [...t.descendants('/a')];
    expect(listed.indexOf('/a/b')).toBeLessThan(listed.indexOf('/a/b/c'));
  });
});

describe('znode owner encoding', () => {
  it('TTL owners round-trip and are told apart from containers and ephemerals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffffffffff }), (ttl) => {
        const owner = ttlOwner(ttl);
        expect(owner).toBeLessThan(0n); // 0xFF top byte: negative as a Java long
        expect(ttlOf(owner)).toBe(ttl);
        expect(isEphemeralOwner(owner)).toBe(false);
      }),
    );
    expect(ttlOf(CONTAINER_OWNER)).toBeUndefined();
    expect(ttlOf(0x123n)).toBeUndefined();
    expect(isEphemeralOwner(0x123n)).toBe(true);
    expect(isEphemeralOwner(CONTAINER_OWNER)).toBe(false);
    expect(isEphemeralOwner(0n)).toBe(false);
  });

  it('clients see ephemeralOwner 0 for containers and TTL nodes, the session for ephemerals', () => {
    const node = (owner: bigint): ZNode => ({ data: null, acl: [], czxid: 0, mzxid: 0, pzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: owner, children: new Set() });
    expect(statOf(node(CONTAINER_OWNER)).ephemeralOwner).toBe(0n);
    expect(statOf(node(ttlOwner(100))).ephemeralOwner).toBe(0n);
    expect(statOf(node(0x1234n)).ephemeralOwner).toBe(0x1234n);
  });
});

describe('DataTree.atomically', () => {
  const ops = fc.array(rawOp, { maxLength: 25 });

  it('a block that throws leaves a deep-equal tree (indexes and approximateDataSize included)', () => {
    fc.assert(
      fc.property(ops, ops, (before, inside) => {
        const t = new DataTree(OPEN_ACL_UNSAFE);
        let zxid = 1;
        for (const op of before) applyRawOp(t, op, zxid++);
        const expected = picture(t);
        const boom = new Error('boom');
        expect(() =>
          t.atomically(() => {
            for (const op of inside) applyRawOp(t, op, zxid++);
            throw boom;
          }),
        ).toThrow(boom);
        expect(picture(t)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('nested blocks: an inner failure undoes only the inner changes; an outer failure undoes both', () => {
    fc.assert(
      fc.property(ops, ops, ops, (pre, outerOps, innerOps) => {
        const t = new DataTree(OPEN_ACL_UNSAFE);
        let zxid = 1;
        for (const op of pre) applyRawOp(t, op, zxid++);
        const start = picture(t);
        let afterOuterOps: ReturnType<typeof picture> | undefined;
        t.atomically(() => {
          for (const op of outerOps) applyRawOp(t, op, zxid++);
          afterOuterOps = picture(t);
          expect(() => t.atomically(() => {
            for (const op of innerOps) applyRawOp(t, op, zxid++);
            throw new Error('inner');
          })).toThrow('inner');
          expect(picture(t)).toEqual(afterOuterOps);
        });
        expect(picture(t)).toEqual(afterOuterOps);
        // Now the other way round: the inner block commits, the outer one fails.
        const committed = picture(t);
        expect(() => t.atomically(() => {
          t.atomically(() => {
            for (const op of innerOps) applyRawOp(t, op, zxid++);
          });
          throw new Error('outer');
        })).toThrow('outer');
        expect(picture(t)).toEqual(committed);
        expect(start.nodes[0]!.path).toBe('/');
      }),
      { numRuns: 150 },
    );
  });

  it('recordUndo steps run in reverse order with the tree changes, only on failure', () => {
    const t = new DataTree(OPEN_ACL_UNSAFE);
    const log: string[] = [];
    t.recordUndo(() => log.push('outside')); // no journal: ignored
    expect(() => t.atomically(() => {
      t.recordUndo(() => log.push('first'));
      t.create('/x', null, OPEN_ACL_UNSAFE, 0n, 1, 1);
      t.recordUndo(() => log.push(`second, /x exists: ${t.has('/x')}`));
      throw new Error('x');
    })).toThrow();
    expect(log).toEqual(['second, /x exists: true', 'first']);
    t.atomically(() => t.recordUndo(() => log.push('never')));
    expect(log).toHaveLength(2);
  });
});

describe('DataTree invariants under random mutation', () => {
  it('indexes, sizes and client-visible cversion agree with a scan of the nodes', () => {
    fc.assert(
      fc.property(fc.array(rawOp, { maxLength: 60 }), (ops) => {
        const t = new DataTree(OPEN_ACL_UNSAFE);
        // Model: per live parent, the creates and deletes of its children since it was created.
        const changes = new Map<string, number>([['/', 0]]);
        let zxid = 1;
        for (const op of ops) {
          const done = applyRawOp(t, op, zxid++);
          if (done?.kind === 'create') {
            changes.set(done.path, 0);
            changes.set(parentOf(done.path), changes.get(parentOf(done.path))! + 1);
          } else if (done?.kind === 'delete') {
            changes.delete(done.path);
            changes.set(parentOf(done.path), changes.get(parentOf(done.path))! + 1);
          }
        }
        let size = 0;
        const eph = new Map<bigint, string[]>();
        const containers: string[] = [];
        const ttls: string[] = [];
        for (const [path, n] of t.entries()) {
          size += path.length + (n.data?.length ?? 0);
          if (isEphemeralOwner(n.ephemeralOwner)) eph.set(n.ephemeralOwner, [...(eph.get(n.ephemeralOwner) ?? []), path]);
          if (n.ephemeralOwner === CONTAINER_OWNER) containers.push(path);
          if (ttlOf(n.ephemeralOwner) !== undefined) ttls.push(path);
          for (const c of n.children) expect(t.has(path === '/' ? `/${c}` : `${path}/${c}`)).toBe(true);
          if (path !== '/') expect(t.get(parentOf(path))!.children.has(path.slice(path.lastIndexOf('/') + 1))).toBe(true);
          expect(statOf(n).cversion).toBe(changes.get(path));
        }
        expect(t.approximateDataSize).toBe(size);
        expect([...t.containers].sort()).toEqual(containers.sort());
        expect([...t.ttlNodes].sort()).toEqual(ttls.sort());
        expect(new Map([...t.sessionsWithEphemerals()].map((s) => [s, [...t.ephemeralsOf(s)].sort()]))).toEqual(
          new Map([...eph].map(([s, p]) => [s, p.sort()])),
        );
      }),
      { numRuns: 300 },
    );
  });
});
