// Pure parts of the client: connection strings, path rules, chroot mapping, watch bookkeeping, setWatches
// batching, error classes and ACL text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventType, WatcherType } from '../../protocol/src/index.js';
import { parseACL, permsToString } from '../src/acl.js';
import { parseConnectString, shuffled } from '../src/connect-string.js';
import { NoNodeError, ZooKeeperError, errorFor, SessionExpiredError } from '../src/errors.js';
import { addChroot, stripChroot, validatePath } from '../src/paths.js';
import { batchPaths } from '../src/session.js';
import { WatchRegistry, kindsOf } from '../src/watch-registry.js';

const segment = fc.stringMatching(/^[a-z0-9_-]{1,6}$/);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);

describe('connection strings', () => {
  it('parses hosts, default ports, IPv6 and a chroot', () => {
    expect(parseConnectString('h1:2181,h2:2182/app/x')).toEqual({
      hosts: [{ host: 'h1', port: 2181 }, { host: 'h2', port: 2182 }],
      chroot: '/app/x',
    });
    expect(parseConnectString('[::1]:3000,zk')).toEqual({ hosts: [{ host: '::1', port: 3000 }, { host: 'zk', port: 2181 }], chroot: '' });
    expect(parseConnectString('h:1/').chroot).toBe('');
    expect(() => parseConnectString('/app')).toThrow(/no host/);
    expect(() => parseConnectString('h:99999')).toThrow(/bad port/);
    expect(() => parseConnectString('h:1/app/')).toThrow(/invalid path/);
  });

  it('shuffling is a permutation', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.infiniteStream(fc.double({ min: 0, max: 0.999999, noNaN: true })), (items, rnd) => {
        const it = rnd[Symbol.iterator]();
        const out = shuffled(items, () => it.next().value as number);
        expect([...out].sort()).toEqual([...items].sort());
      }),
    );
  });
});

describe('paths and chroot', () => {
  it('accepts what ZooKeeper accepts and refuses the rest', () => {
    for (const ok of ['/', '/a', '/a/b.c', '/zookeeper/quota']) expect(() => validatePath(ok)).not.toThrow();
    for (const bad of ['', 'a', '/a/', '//a', '/a/./b', '/a/../b', '/a\u0000', '/\u0001']) expect(() => validatePath(bad)).toThrow();
    expect(() => validatePath('/seq/', true)).not.toThrow();
  });

  it('strips what it adds', () => {
    fc.assert(
      fc.property(fc.option(path, { nil: undefined }), fc.oneof(path, fc.constant('/')), (chroot, p) => {
        const c = chroot ?? '';
        const server = addChroot(c, p);
        validatePath(server);
        expect(stripChroot(c, server)).toBe(p);
      }),
    );
    expect(stripChroot('/app', '/zookeeper/config')).toBe('/zookeeper/config');
    expect(stripChroot('/app', '/apple')).toBe('/apple');
  });
});

describe('watch registry', () => {
  it('routes node events to the watch kinds ZooKeeper defines', () => {
    const r = new WatchRegistry();
    const calls: string[] = [];
    const w = (name: string) => () => calls.push(name);
    const data = w('data');
    const child = w('child');
    const rec = w('rec');
    const flat = w('flat');
    r.add('data', '/a', data);
    r.add('exist', '/a', data);
    r.add('child', '/a', child);
    r.add('persistentRecursive', '/', rec);
    r.add('persistent', '/a', flat);
    expect([...r.triggered(EventType.NodeChildrenChanged, '/a')]).toEqual([child, flat]);
    expect([...r.triggered(EventType.NodeDataChanged, '/a')]).toEqual([data, flat, rec]); // data+exist: one watcher, once
    expect([...r.triggered(EventType.NodeDataChanged, '/a')]).toEqual([flat, rec]); // one-shot ones are gone
    expect([...r.triggered(EventType.NodeCreated, '/a/b/c')]).toEqual([rec]);
    expect(r.paths('persistent')).toEqual(['/a']);
    expect(kindsOf(WatcherType.Data)).toEqual(['data', 'exist']);
  });

  it('one-shot watchers fire at most once whatever the event sequence', () => {
    const kinds = ['data', 'exist', 'child'] as const;
    const types = [EventType.NodeCreated, EventType.NodeDeleted, EventType.NodeDataChanged, EventType.NodeChildrenChanged];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.constantFrom('/a', '/b'))),
        fc.array(fc.tuple(fc.constantFrom(...types), fc.constantFrom('/a', '/b'))),
        (adds, events) => {
          const r = new WatchRegistry();
          const fired = new Map<number, number>();
          adds.forEach(([k, p], i) => r.add(k, p, () => fired.set(i, (fired.get(i) ?? 0) + 1)));
          for (const [t, p] of events) for (const w of r.triggered(t, p)) w({ type: t, state: 3, path: p });
          for (const count of fired.values()) expect(count).toBe(1);
        },
      ),
    );
  });
});

describe('setWatches batching', () => {
  it('keeps every path, in order, in batches near the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.array(path, { maxLength: 30 }), { minLength: 5, maxLength: 5 }), fc.integer({ min: 1, max: 60 }), (lists, limit) => {
        const batches = batchPaths(lists, limit);
        lists.forEach((list, k) => expect(batches.flatMap((b) => b[k]!)).toEqual(list));
        for (const b of batches) {
          const sizes = b.flat().map((p) => p.length);
          const total = sizes.reduce((x, y) => x + y, 0);
          expect(total <= limit || sizes.length === 1).toBe(true);
          expect(sizes.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});

describe('errors and ACL text', () => {
  it('maps codes to typed errors', () => {
    const e = errorFor(-101, '/x');
    expect(e).toBeInstanceOf(NoNodeError);
    expect(e).toBeInstanceOf(ZooKeeperError);
    expect(e).toMatchObject({ code: -101, codeName: 'NONODE', path: '/x', name: 'NoNodeError', message: 'Node does not exist: /x' });
    expect(new SessionExpiredError().code).toBe(-112);
    expect(errorFor(-999)).toMatchObject({ code: -999, codeName: 'UNKNOWN(-999)' });
  });

  it('parses zkCli ACL syntax', () => {
    expect(parseACL('world:anyone:cdrwa,digest:u:abc=:r,ip:10.0.0.1:rw')).toEqual([
      { perms: 31, id: { scheme: 'world', id: 'anyone' } },
      { perms: 1, id: { scheme: 'digest', id: 'u:abc=' } },
      { perms: 3, id: { scheme: 'ip', id: '10.0.0.1' } },
    ]);
    expect(permsToString(31)).toBe('cdrwa');
    expect(() => parseACL('world:anyone:x')).toThrow(/unknown permission/);
  });
});
