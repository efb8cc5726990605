import { describe, expect, it } from 'vitest';
import { CONFIG_PATH, CreateMode, ErrorCode, EventType, OpCode, Perms } from '../../../protocol/src/constants.js';
import { parseServerSpec } from '../../src/config/server-line.js';
import { encodeConfig, type MembershipChange } from '../../src/consensus/membership.js';
import { EntryKind, type Membership } from '../../src/consensus/types.js';
import { ReplicatedState } from '../../src/state/apply.js';
import { committedOp } from '../../src/state/committed-entry.js';
import { statOf, ttlOwner, CONTAINER_OWNER } from '../../src/tree/znode.js';
import { TxnKind } from '../../src/state/txn.js';
import { picture } from '../tree/tree-model.js';
import { ALL_BUT, acl, check, create, del, Harness, OPEN, SESSION, set } from './harness.js';
import type { TreeEvent } from '../../src/state/apply.js';

/** Events without the ACL they carry. */
const named = (events: TreeEvent[]) => events.map(({ type, path }) => ({ type, path }));

const E = ErrorCode;

describe('system nodes', () => {
  it('start as in a fresh ZooKeeper 3.8', () => {
    const h = new Harness();
    expect(statOf(h.tree.get('/')!)).toMatchObject({ cversion: -1, numChildren: 1, pzxid: 0 });
    expect(statOf(h.tree.get('/zookeeper')!)).toMatchObject({ cversion: -2, numChildren: 2 });
    expect(statOf(h.tree.get('/zookeeper/config')!)).toMatchObject({ aversion: -1, cversion: 0 });
    expect(h.req(create('/', { flags: CreateMode.PersistentSequential })).response).toEqual({ type: OpCode.Create, path: '/0000000000' });
  });
});

describe('create', () => {
  it('answers by opcode, fires NodeCreated and the parent NodeChildrenChanged', () => {
    const h = new Harness();
    const r = h.req(create('/a', { data: Buffer.from('x') }));
    expect(r).toMatchObject({ err: E.Ok, zxid: h.zxid, response: { type: OpCode.Create, path: '/a' } });
    expect(named(r.events)).toEqual([{ type: EventType.NodeCreated, path: '/a' }, { type: EventType.NodeChildrenChanged, path: '/' }]);
    // Each event carries the ACL its watchers need READ on: the node's, the parent's for NodeChildrenChanged.
    expect(r.events.map((e) => e.acl)).toEqual([h.tree.get('/a')!.acl, h.tree.get('/')!.acl]);
    const r2 = h.req(create('/b', { type: OpCode.Create2 }));
    expect(r2.response).toMatchObject({ type: OpCode.Create2, path: '/b', stat: { czxid: h.zxid, version: 0 } });
    expect(h.req(create('/c', { flags: CreateMode.Container, type: OpCode.CreateContainer })).response)
      .toMatchObject({ type: OpCode.CreateContainer, stat: { ephemeralOwner: 0n } });
    expect(h.tree.get('/c')!.ephemeralOwner).toBe(CONTAINER_OWNER);
    expect(h.req({ type: OpCode.CreateTTL, path: '/t', data: null, acl: OPEN, flags: CreateMode.PersistentWithTTL, ttl: 500 }).err).toBe(E.Ok);
    expect(h.tree.get('/t')!.ephemeralOwner).toBe(ttlOwner(500));
    h.req(create('/e', { flags: CreateMode.Ephemeral }));
    expect(h.tree.get('/e')!.ephemeralOwner).toBe(SESSION);
  });

  it('numbers sequential children by the parent create counter, which deletes do not move back', () => {
    const h = new Harness();
    h.mk('/q');
    const seq = () => (h.req(create('/q/n-', { flags: CreateMode.PersistentSequential })).response as { path: string }).path;
    expect(seq()).toBe('/q/n-0000000000');
    h.mk('/q/plain');
    expect(seq()).toBe('/q/n-0000000002');
    h.req(del('/q/n-0000000000'));
    expect(seq()).toBe('/q/n-0000000003');
    // A failed create does not consume a number.
    expect(h.req(create('/q/plain')).err).toBe(E.NodeExists);
    expect(seq()).toBe('/q/n-0000000004');
  });

  // Each case makes several checks fail at once; the expected code is the one ZooKeeper's
  // PrepRequestProcessor reports first.
  it.each([
    ['unknown create mode before everything', (h: Harness) => h.req(create('/missing/x', { flags: 9, acl: [] })), E.BadArguments],
    ['TTL without extended types', () => new Harness({ extendedTypesEnabled: false }).req({ type: OpCode.CreateTTL, path: '/missing/t', data: null, acl: [], flags: CreateMode.PersistentWithTTL, ttl: 0 }), E.Unimplemented],
    ['TTL of 0', (h: Harness) => h.req({ type: OpCode.CreateTTL, path: '/missing/t', data: null, acl: [], flags: CreateMode.PersistentWithTTL, ttl: 0 }), E.BadArguments],
    ['TTL above 40 bits', (h: Harness) => h.req({ type: OpCode.CreateTTL, path: '/t', data: null, acl: OPEN, flags: CreateMode.PersistentWithTTL, ttl: 2 ** 40 }), E.BadArguments],
    ['a TTL given for a non-TTL mode', (h: Harness) => h.req({ type: OpCode.CreateTTL, path: '/t', data: null, acl: OPEN, flags: CreateMode.Persistent, ttl: 10 }), E.BadArguments],
    ['TTL mode through plain create', (h: Harness) => h.req(create('/t', { flags: CreateMode.PersistentWithTTL })), E.BadArguments],
    ['ephemeral for a closed session before ACL and parent', (h: Harness) => h.req(create('/missing/e', { flags: CreateMode.Ephemeral, acl: [] }), { session: 0x999n }), E.SessionExpired],
    ['a path without a slash before the ACL', (h: Harness) => h.req(create('abc', { acl: [] })), E.BadArguments],
    ['an invalid ACL before the missing parent', (h: Harness) => h.req(create('/missing/x', { acl: [] })), E.InvalidACL],
    ['the missing parent (path syntax is checked later)', (h: Harness) => h.req(create('/missing//x')), E.NoNode],
    ['parent without CREATE before an existing node', (h: Harness) => h.req(create('/locked/child')), E.NoAuth],
    ['a trailing slash, once the parent is found', (h: Harness) => h.req(create('/open/')), E.BadArguments],
    ['an existing node before an ephemeral parent', (h: Harness) => h.req(create('/eph/c')), E.NodeExists],
    ['children of ephemerals', (h: Harness) => h.req(create('/eph/d')), E.NoChildrenForEphemerals],
  ] as Array<[string, (h: Harness) => { err: ErrorCode }, ErrorCode]>)('reports %s', (_name, run, expected) => {
    const h = new Harness();
    h.mk('/locked');
    h.mk('/locked/child');
    h.req({ type: OpCode.SetACL, path: '/locked', acl: ALL_BUT(Perms.Create), version: -1 });
    h.mk('/open');
    h.mk('/eph', { flags: CreateMode.Ephemeral });
    // /eph/c cannot exist in ZooKeeper; planting it directly shows which check comes first.
    h.tree.create('/eph/c', null, OPEN, 0n, ++h.zxid, 0);
    expect(run(h).err).toBe(expected);
  });

  it('a sequential create on "/open/" is valid: the suffix completes the path', () => {
    const h = new Harness();
    h.mk('/open');
    expect(h.req(create('/open/', { flags: CreateMode.PersistentSequential })).response).toMatchObject({ path: '/open/0000000000' });
  });
});

describe('delete, setData, setACL, check: ZooKeeper check order', () => {
  const setup = () => {
    const h = new Harness();
    h.mk('/p');
    h.mk('/p/full');
    h.mk('/p/full/kid');
    h.mk('/p/leaf', { data: 'abc' });
    h.mk('/nodelete');
    h.mk('/nodelete/x');
    h.req({ type: OpCode.SetACL, path: '/nodelete', acl: ALL_BUT(Perms.Delete), version: -1 });
    h.mk('/closed', { acl: acl(0) });
    return h;
  };

  it.each([
    ['delete of /zookeeper', del('/zookeeper'), E.BadArguments],
    ['delete of /', del('/'), E.BadArguments],
    ['delete without a slash', del('abc'), E.BadArguments],
    ['delete under a missing parent', del('/nope/x'), E.NoNode],
    ['delete of a missing node under a parent without DELETE', del('/nodelete/missing'), E.NoAuth],
    ['delete of an existing node under a parent without DELETE, bad version', del('/nodelete/x', 7), E.NoAuth],
    ['delete of a syntactically invalid path whose parent exists', del('/p/'), E.NoNode],
    ['delete with a bad version of a node with children', del('/p/full', 3), E.BadVersion],
    ['delete of a node with children', del('/p/full'), E.NotEmpty],
    ['setData on an invalid path', set('/p//x', 'v'), E.BadArguments],
    ['setData on a missing node', set('/p/none', 'v'), E.NoNode],
    ['setData without WRITE, bad version', set('/closed', 'v', 9), E.NoAuth],
    ['setData with a bad version', set('/p/leaf', 'v', 9), E.BadVersion],
    ['setACL on an invalid path with an invalid ACL', { type: OpCode.SetACL, path: '/p//x', acl: [], version: -1 }, E.BadArguments],
    ['setACL with an invalid ACL on a missing node', { type: OpCode.SetACL, path: '/none', acl: [], version: -1 }, E.InvalidACL],
    ['setACL on a missing node', { type: OpCode.SetACL, path: '/none', acl: OPEN, version: -1 }, E.NoNode],
    ['setACL without ADMIN, bad version', { type: OpCode.SetACL, path: '/closed', acl: OPEN, version: 4 }, E.NoAuth],
    ['setACL with a bad aversion', { type: OpCode.SetACL, path: '/p/leaf', acl: OPEN, version: 4 }, E.BadVersion],
    ['check on an invalid path', check('/p/', 0), E.BadArguments],
    ['check on a missing node', check('/none', 0), E.NoNode],
    ['check without READ', check('/closed', 5), E.NoAuth],
    ['check with a bad version', check('/p/leaf', 5), E.BadVersion],
    ['reconfig on a standalone member', { type: OpCode.Reconfig, joiningServers: '', leavingServers: '', newMembers: '', curConfigId: -1 }, E.ReconfigDisabled],
  ] as Array<[string, Parameters<Harness['req']>[0], ErrorCode]>)('%s', (_name, req, expected) => {
    const h = setup();
    const before = picture(h.tree);
    const r = h.req(req);
    expect(r.err).toBe(expected);
    expect(r.events).toEqual([]);
    expect(r.zxid).toBe(h.zxid);
    expect(h.state.lastZxid).toBe(h.zxid);
    expect(picture(h.tree)).toEqual(before);
  });

  it('successful writes update the stat and fire the right events', () => {
    const h = setup();
    const s = h.req(set('/p/leaf', 'new', 0));
    expect(s.response).toMatchObject({ type: OpCode.SetData, stat: { version: 1, mzxid: h.zxid, dataLength: 3 } });
    expect(named(s.events)).toEqual([{ type: EventType.NodeDataChanged, path: '/p/leaf' }]);
    const a = h.req({ type: OpCode.SetACL, path: '/p/leaf', acl: [...OPEN, ...OPEN], version: 0 });
    expect(a.response).toMatchObject({ stat: { aversion: 1, version: 1 } });
    expect(h.tree.get('/p/leaf')!.acl).toEqual(OPEN);
    expect(a.events).toEqual([]);
    expect(h.req(check('/p/leaf', 1)).err).toBe(E.Ok);
    const d = h.req(del('/p/leaf', 1));
    expect(named(d.events)).toEqual([{ type: EventType.NodeDeleted, path: '/p/leaf' }, { type: EventType.NodeChildrenChanged, path: '/p' }]);
    expect(h.tree.get('/p')!.pzxid).toBe(h.zxid);
  });

  it('the auth scheme expands to the digest identity of the writer', () => {
    const h = new Harness();
    const bob = { scheme: 'digest', id: 'bob:abc' };
    expect(h.req(create('/mine', { acl: [{ perms: Perms.All, id: { scheme: 'auth', id: '' } }] }), { auth: [bob] }).err).toBe(E.Ok);
    expect(h.tree.get('/mine')!.acl).toEqual([{ perms: Perms.All, id: bob }]);
    expect(h.req(set('/mine', 'x')).err).toBe(E.NoAuth);
    expect(h.req(set('/mine', 'x'), { auth: [bob] }).err).toBe(E.Ok);
    expect(h.req(set('/mine', 'y'), { auth: [{ scheme: 'super', id: '' }] }).err).toBe(E.Ok);
  });

  it('skipAcl ignores ACLs', () => {
    const h = new Harness({ skipAcl: true });
    h.mk('/closed', { acl: acl(0) });
    expect(h.req(set('/closed', 'x')).err).toBe(E.Ok);
  });
});

describe('multi', () => {
  it('applies every op and reports each result when all succeed', () => {
    const h = new Harness();
    h.mk('/m', { data: 'v' });
    const r = h.req({ type: OpCode.Multi, ops: [
      create('/m/a'),
      create('/m/b', { type: OpCode.Create2 }),
      create('/m/s-', { flags: CreateMode.PersistentSequential }),
      create('/m/s-', { flags: CreateMode.PersistentSequential }),
      set('/m', 'w', 0),
      check('/m', 1),
      del('/m/a'),
    ] });
    expect(r.err).toBe(E.Ok);
    expect(r.response).toMatchObject({ type: OpCode.Multi, results: [
      { type: OpCode.Create, path: '/m/a' },
      { type: OpCode.Create2, path: '/m/b', stat: { czxid: h.zxid } },
      { type: OpCode.Create, path: '/m/s-0000000002' },
      { type: OpCode.Create, path: '/m/s-0000000003' },
      { type: OpCode.SetData, stat: { version: 1 } },
      { type: OpCode.Check },
      { type: OpCode.Delete },
    ] });
    expect(r.events.map((e) => `${EventType[e.type]} ${e.path}`)).toContain('NodeDeleted /m/a');
    expect([...h.tree.get('/m')!.children].sort()).toEqual(['b', 's-0000000002', 's-0000000003']);
  });

  it('is all-or-nothing: earlier ops OK, the failing op its code, later ops RUNTIMEINCONSISTENCY', () => {
    const h = new Harness();
    h.mk('/m', { data: 'v' });
    const before = picture(h.tree);
    const r = h.req({ type: OpCode.Multi, ops: [create('/m/a'), set('/m', 'x'), check('/m', 0), del('/m/zz'), create('/m/b')] });
    // ZooKeeper answers a failed multi with header err 0 and the per-op errors in the body.
    expect(r.err).toBe(E.Ok);
    expect(r.response).toEqual({ type: OpCode.Multi, results: [
      { type: OpCode.Error, err: E.Ok },
      { type: OpCode.Error, err: E.Ok },
      { type: OpCode.Error, err: E.BadVersion },
      { type: OpCode.Error, err: E.RuntimeInconsistency },
      { type: OpCode.Error, err: E.RuntimeInconsistency },
    ] });
    expect(r.events).toEqual([]);
    expect(picture(h.tree)).toEqual(before);
    expect(h.state.lastZxid).toBe(h.zxid);
  });

  it('an empty multi succeeds with no results', () => {
    expect(new Harness().req({ type: OpCode.Multi, ops: [] }).response).toEqual({ type: OpCode.Multi, results: [] });
  });
});

describe('sessions', () => {
  it('CloseSession removes exactly that session ephemerals, with events, and forgets the session', () => {
    const h = new Harness();
    h.txn({ kind: TxnKind.CreateSession, time: 0, session: 0x200n, timeout: 10_000, passwd: Buffer.alloc(16) });
    h.mk('/app');
    h.req(create('/app/mine', { flags: CreateMode.Ephemeral }));
    h.req(create('/app/s-', { flags: CreateMode.EphemeralSequential }));
    h.req(create('/app/other', { flags: CreateMode.Ephemeral }), { session: 0x200n });
    const r = h.txn({ kind: TxnKind.CloseSession, time: 0, session: SESSION });
    expect(r).toMatchObject({ err: E.Ok, response: { type: OpCode.CloseSession } });
    expect(named(r.events)).toEqual([
      { type: EventType.NodeDeleted, path: '/app/mine' },
      { type: EventType.NodeChildrenChanged, path: '/app' },
      { type: EventType.NodeDeleted, path: '/app/s-0000000001' },
      { type: EventType.NodeChildrenChanged, path: '/app' },
    ]);
    expect([...h.tree.get('/app')!.children]).toEqual(['other']);
    expect(h.state.sessions.has(SESSION)).toBe(false);
    expect(h.state.sessions.has(0x200n)).toBe(true);
    expect(h.req(create('/late', { flags: CreateMode.Ephemeral })).err).toBe(E.SessionExpired);
  });

  it('refuses any write a global session sent before it closed, and leaves the tree alone', () => {
    const h = new Harness();
    h.txn({ kind: TxnKind.CloseSession, time: 0, session: SESSION });
    const before = h.tree.nodeCount;
    const late = h.txn({ kind: TxnKind.Request, time: 0, session: SESSION, cxid: 7, auth: [], req: create('/late'), global: true });
    expect(late).toMatchObject({ err: E.SessionExpired, events: [] });
    expect(h.tree.nodeCount).toBe(before);
    // A local session is not in the replicated table: its writes apply.
    const local = h.txn({ kind: TxnKind.Request, time: 0, session: 0x77n, cxid: 1, auth: [], req: create('/local'), global: false });
    expect(local.err).toBe(E.Ok);
  });

  it('refuses with SESSIONMOVED a write sent through a member the session has moved away from', () => {
    const h = new Harness();
    const write = (path: string, owner: number) => h.txn({ kind: TxnKind.Request, time: 0, session: SESSION, cxid: 1, auth: [], req: create(path), global: true, owner });
    // Never moved: writes from wherever it was created apply.
    expect(write('/a', 1).err).toBe(E.Ok);
    h.txn({ kind: TxnKind.MoveSession, time: 0, session: SESSION, owner: 2 });
    expect(h.state.sessions.get(SESSION)?.owner).toBe(2);
    const before = h.tree.nodeCount;
    expect(write('/left-behind', 1)).toMatchObject({ err: E.SessionMoved, events: [] });
    expect(h.tree.nodeCount).toBe(before);
    expect(write('/b', 2).err).toBe(E.Ok);
    // A move of a session that is gone changes nothing.
    h.txn({ kind: TxnKind.MoveSession, time: 0, session: 0x999n, owner: 3 });
    expect(h.state.sessions.has(0x999n)).toBe(false);
  });

  it('refuses a move decided on an ownership that changed since, and a write left behind by an earlier stay on the same member', () => {
    const h = new Harness();
    const write = (path: string, owner: number, claim: number) =>
      h.txn({ kind: TxnKind.Request, time: 0, session: SESSION, cxid: 1, auth: [], req: create(path), global: true, owner, claim });
    const move = (owner: number, prev: number) => h.txn({ kind: TxnKind.MoveSession, time: 0, session: SESSION, owner, prev });
    expect(move(1, 0).err).toBe(E.Ok);
    const claimA = h.state.sessions.get(SESSION)!.claim!;
    expect(claimA).toBe(h.state.lastZxid);
    // Members 2 and 3 both decide on claimA; 2 commits first, so 3's move is refused and the session stays with 2.
    expect(move(2, claimA).err).toBe(E.Ok);
    const claimB = h.state.sessions.get(SESSION)!.claim!;
    expect(move(3, claimA).err).toBe(E.SessionMoved);
    expect(h.state.sessions.get(SESSION)).toMatchObject({ owner: 2, claim: claimB });
    expect(write('/from-3', 3, claimA).err).toBe(E.SessionMoved);
    // A, B, then A again: what member 1 sent under its first claim no longer applies, what it sends now does.
    expect(move(1, claimB).err).toBe(E.Ok);
    const claimA2 = h.state.sessions.get(SESSION)!.claim!;
    const before = h.tree.nodeCount;
    expect(write('/left-on-1', 1, claimA)).toMatchObject({ err: E.SessionMoved, events: [] });
    expect(h.tree.nodeCount).toBe(before);
    expect(write('/now-on-1', 1, claimA2).err).toBe(E.Ok);
    // A move logged before moves were compare-and-set (no prev) still applies.
    expect(h.txn({ kind: TxnKind.MoveSession, time: 0, session: SESSION, owner: 2 }).err).toBe(E.Ok);
  });
});

describe('DeleteExpired', () => {
  const expire = (h: Harness, path: string, time = h.time) => h.txn({ kind: TxnKind.DeleteExpired, time, path });

  it('removes a container only once it has had a child and is empty again', () => {
    const h = new Harness();
    h.req(create('/c', { flags: CreateMode.Container, type: OpCode.CreateContainer }));
    expect(expire(h, '/c').events).toEqual([]);
    h.mk('/c/kid');
    expect(expire(h, '/c').events).toEqual([]);
    h.req(del('/c/kid'));
    expect(named(expire(h, '/c').events)).toEqual([{ type: EventType.NodeDeleted, path: '/c' }, { type: EventType.NodeChildrenChanged, path: '/' }]);
    expect(h.tree.has('/c')).toBe(false);
    expect(expire(h, '/c').err).toBe(E.Ok); // already gone: nothing to do
  });

  it('removes a childless TTL node only after mtime + ttl, and setData extends it', () => {
    const h = new Harness();
    h.time = 1_000;
    h.req({ type: OpCode.CreateTTL, path: '/t', data: null, acl: OPEN, flags: CreateMode.PersistentWithTTL, ttl: 100 });
    expect(expire(h, '/t', 1_100).events).toEqual([]);
    h.time = 1_050;
    h.req(set('/t', 'touch'));
    expect(expire(h, '/t', 1_101).events).toEqual([]);
    h.mk('/t/kid');
    expect(expire(h, '/t', 5_000).events).toEqual([]);
    h.req(del('/t/kid'));
    expect(expire(h, '/t', 1_151).events.map((e) => e.path)).toEqual(['/t', '/']);
  });

  it('never removes persistent or ephemeral nodes', () => {
    const h = new Harness();
    h.mk('/p');
    h.mk('/e', { flags: CreateMode.Ephemeral });
    expect(expire(h, '/p', 1e12).events).toEqual([]);
    expect(expire(h, '/e', 1e12).events).toEqual([]);
    expect(h.tree.has('/p') && h.tree.has('/e')).toBe(true);
  });
});

describe('committed entries other than transactions', () => {
  const line = (id: number) => parseServerSpec(id, `127.0.0.1:${2880 + id}:${3880 + id}:participant;${2180 + id}`);
  const sets = (voters: number[]) => ({ voters, neverLeaders: [], observers: [] });
  const config = (changes: MembershipChange[], membership: Membership) => committedOp({ index: 1, term: 1, kind: EntryKind.Config, data: encodeConfig({ changes, membership }) });

  it('a config entry changes the server lines and /zookeeper/config (version = its zxid), and says whom it removed', () => {
    const state = new ReplicatedState({ enforceQuota: false, extendedTypesEnabled: false, skipAcl: false });
    state.initServers([line(1), line(2), line(3)], 0x100000000);
    const r = state.apply(config([{ id: 3, role: 'removed', info: { time: 77 } }, { id: 4, role: 'voter', info: { spec: line(4), time: 77 } }], { ...sets([1, 2, 4]), outgoing: sets([1, 2, 3]) }), 0x200000005);
    expect(r).toMatchObject({ zxid: 0x200000005, err: E.Ok, removed: [line(3)] });
    expect(named(r.events)).toEqual([{ type: EventType.NodeDataChanged, path: CONFIG_PATH }]);
    expect([...state.servers.keys()]).toEqual([1, 2, 4]);
    expect(state.configVersion).toBe(0x200000005);
    const node = state.tree.get(CONFIG_PATH)!;
    expect(node.data!.toString()).toMatch(/^server\.1=.*\nserver\.2=.*\nserver\.4=.*\nversion=200000005$/);
    expect(statOf(node)).toMatchObject({ mzxid: 0x200000005, mtime: 77, version: 1 });

    // Leaving the joint configuration changes nothing but the last zxid.
    const left = state.apply(config([], sets([1, 2, 4])), 0x200000006);
    expect(left).toEqual({ zxid: 0x200000006, err: E.Ok, events: [] });
    expect(state.configVersion).toBe(0x200000005);
    expect(state.lastZxid).toBe(0x200000006);
  });

  it("a new leader's no-op only advances the last zxid", () => {
    const h = new Harness();
    const before = h.tree.get('/zookeeper/config')!.mzxid;
    const r = h.state.apply(committedOp({ index: 1, term: 2, kind: EntryKind.Noop, data: new Uint8Array() }), 0x200000001);
    expect(r).toEqual({ zxid: 0x200000001, err: E.Ok, events: [] });
    expect(h.state.lastZxid).toBe(0x200000001);
    expect(h.tree.get('/zookeeper/config')!.mzxid).toBe(before);
  });
});
