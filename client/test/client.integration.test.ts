// The client against real servers: every opcode, watches, multi, chroot, auth, reconnects, expiry and timeouts.
// The same assertions run against Apache ZooKeeper and Corral.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AddWatchMode,
  AuthFailedError,
  BadVersionError,
  CreateMode,
  EventType,
  KeeperState,
  NoAuthError,
  NoNodeError,
  NoWatcherError,
  NodeExistsError,
  NotEmptyError,
  Perms,
  RequestTimeoutError,
  SessionExpiredError,
  WatcherType,
  ZooKeeperError,
  ZooKeeperClient,
  digestId,
  type ClientOptions,
  type ClientState,
  type WatchEvent,
} from '../src/index.js';
import { startProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { TARGET_KINDS, startClientTarget, waitFor, type Target } from './helpers/targets.js';

describe.each(TARGET_KINDS)('client against %s', (kind) => {
  let target: Target;
  const clients: ZooKeeperClient[] = [];
  const proxies: TcpProxy[] = [];
  let n = 0;
  /** A fresh top-level path per test so tests never see each other's nodes. */
  let root: string;

  beforeAll(async () => {
    target = await startClientTarget(kind);
  });
  afterAll(async () => {
    await target?.stop();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  async function client(options: ClientOptions & { connectString?: string } = {}): Promise<ZooKeeperClient> {
    const c = new ZooKeeperClient(options.connectString ?? target.connectString, { sessionTimeout: 4000, ...options });
    clients.push(c);
    await c.connect();
    return c;
  }

  async function proxy(): Promise<TcpProxy> {
    const p = await startProxy(target.host, target.port);
    proxies.push(p);
    return p;
  }

  async function fresh(): Promise<{ zk: ZooKeeperClient; root: string }> {
    const zk = await client();
    root = `/${kind}-${process.pid}-${++n}`;
    await zk.create(root);
    return { zk, root };
  }

  function recorder(): { events: WatchEvent[]; watcher: (e: WatchEvent) => void } {
    const events: WatchEvent[] = [];
    return { events, watcher: (e) => events.push(e) };
  }

  it('connects, negotiates the timeout and reports state changes', async () => {
    const c = new ZooKeeperClient(target.connectString, { sessionTimeout: 4000 });
    clients.push(c);
    const states: ClientState[] = [];
    c.on('state', (s: ClientState) => states.push(s));
    expect(c.state).toBe('connecting');
    await c.connect();
    expect(c.state).toBe('connected');
    expect(c.sessionId).not.toBe(0n);
    expect(c.sessionPassword.length).toBe(16);
    expect(c.sessionTimeout).toBe(4000);
    await c.close();
    expect(states).toEqual(['connected', 'closed']);
    await expect(c.exists('/')).rejects.toBeInstanceOf(SessionExpiredError);
  });

  it('creates nodes in every mode and returns their stats', async () => {
    const { zk, root } = await fresh();
    expect(await zk.create(`${root}/p`, 'data')).toBe(`${root}/p`);
    const { path, stat } = await zk.create2(`${root}/p2`, Buffer.from([1, 2, 3]));
    expect(path).toBe(`${root}/p2`);
    expect(stat).toMatchObject({ version: 0, cversion: 0, aversion: 0, dataLength: 3, numChildren: 0, ephemeralOwner: 0n });
    expect(stat.czxid).toBe(stat.mzxid);

    const eph = await zk.create2(`${root}/e`, null, { mode: CreateMode.Ephemeral });
    expect(eph.stat.ephemeralOwner).toBe(zk.sessionId);

    const s1 = await zk.create(`${root}/s-`, null, { mode: CreateMode.PersistentSequential });
    const s2 = await zk.create(`${root}/s-`, null, { mode: CreateMode.EphemeralSequential });
    expect(s1).toMatch(new RegExp(`^${root}/s-\\d{10}$`));
    expect(Number(s2.slice(-10))).toBeGreaterThan(Number(s1.slice(-10)));

    // Container and TTL markers live in the server's ephemeralOwner; clients are shown 0.
    const container = await zk.create2(`${root}/c`, null, { mode: CreateMode.Container });
    expect(container.stat.ephemeralOwner).toBe(0n);
    expect(container.path).toBe(`${root}/c`);
    const ttl = await zk.create2(`${root}/ttl`, null, { mode: CreateMode.PersistentWithTTL, ttl: 60_000 });
    expect(ttl.stat.ephemeralOwner).toBe(0n);
    expect((await zk.exists(`${root}/ttl`))?.ephemeralOwner).toBe(0n);
    await expect(zk.create(`${root}/bad-ttl`, null, { mode: CreateMode.PersistentWithTTL })).rejects.toBeInstanceOf(RangeError);
    const seqTtl = await zk.create(`${root}/ttls-`, null, { mode: CreateMode.PersistentSequentialWithTTL, ttl: 1000 });
    expect(seqTtl).toMatch(/ttls-\d{10}$/);

    const err = await zk.create(`${root}/p`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeExistsError);
    expect(err).toBeInstanceOf(ZooKeeperError);
    expect(err).toMatchObject({ code: -110, codeName: 'NODEEXISTS', path: `${root}/p` });
    await expect(zk.create(`${root}/missing/child`)).rejects.toMatchObject({ code: -101, path: `${root}/missing/child` });
    await expect(zk.create(`${root}/e/child`)).rejects.toMatchObject({ codeName: 'NOCHILDRENFOREPHEMERALS' });
  });

  it('reads, writes and deletes with version checks', async () => {
    const { zk, root } = await fresh();
    const p = `${root}/n`;
    await zk.create(p, 'one');
    let got = await zk.getData(p);
    expect(got.data?.toString()).toBe('one');
    expect(got.stat.version).toBe(0);
    const stat = await zk.setData(p, 'two', 0);
    expect(stat.version).toBe(1);
    await expect(zk.setData(p, 'three', 0)).rejects.toBeInstanceOf(BadVersionError);
    got = await zk.getData(p);
    expect(got.data?.toString()).toBe('two');
    await zk.setData(p, null);
    expect((await zk.getData(p)).data).toBeNull();

    expect(await zk.exists(`${root}/nope`)).toBeNull();
    expect((await zk.exists(p))?.version).toBe(2);
    await expect(zk.getData(`${root}/nope`)).rejects.toBeInstanceOf(NoNodeError);

    await zk.create(`${p}/child`);
    await expect(zk.delete(p)).rejects.toBeInstanceOf(NotEmptyError);
    await expect(zk.delete(`${p}/child`, 5)).rejects.toBeInstanceOf(BadVersionError);
    await zk.delete(`${p}/child`, 0);
    await zk.delete(p);
    expect(await zk.exists(p)).toBeNull();
    await expect(zk.delete(p)).rejects.toBeInstanceOf(NoNodeError);
  });

  it('lists children, counts descendants, lists ephemerals and syncs', async () => {
    const { zk, root } = await fresh();
    await zk.create(`${root}/a`);
    await zk.create(`${root}/a/x`);
    await zk.create(`${root}/b`, null, { mode: CreateMode.Ephemeral });
    await zk.create(`${root}/a/y`, null, { mode: CreateMode.Ephemeral });
    expect((await zk.getChildren(root)).sort()).toEqual(['a', 'b']);
    const { children, stat } = await zk.getChildren2(`${root}/a`);
    expect(children.sort()).toEqual(['x', 'y']);
    expect(stat.numChildren).toBe(2);
    expect(await zk.getAllChildrenNumber(root)).toBe(4);
    expect((await zk.getEphemerals(root)).sort()).toEqual([`${root}/a/y`, `${root}/b`]);
    expect(await zk.getEphemerals(`${root}/a`)).toEqual([`${root}/a/y`]);
    expect(await zk.sync(root)).toBe(root);
    await expect(zk.getChildren(`${root}/zz`)).rejects.toBeInstanceOf(NoNodeError);
  });

  it('gets and sets ACLs; digest auth is enforced and re-sent after a reconnect', async () => {
    const { zk, root } = await fresh();
    const p = `${root}/secret`;
    await zk.create(p, 'hidden', { acl: [{ perms: Perms.All, id: { scheme: 'digest', id: digestId('alice', 'pw') } }] });
    await expect(zk.getData(p)).rejects.toBeInstanceOf(NoAuthError);
    await expect(zk.getACL(p)).rejects.toBeInstanceOf(NoAuthError); // 3.8 wants READ or ADMIN for getACL

    const alice = await client();
    await alice.addAuth('digest', 'alice:pw');
    const { acl, stat } = await alice.getACL(p);
    expect(acl).toEqual([{ perms: 31, id: { scheme: 'digest', id: digestId('alice', 'pw') } }]);
    expect(stat.aversion).toBe(0);
    expect((await alice.getData(p)).data?.toString()).toBe('hidden');
    const who = await alice.whoAmI();
    expect(who).toContainEqual({ authScheme: 'digest', user: 'alice' });
    expect(who.some((w) => w.authScheme === 'ip')).toBe(true);

    alice.dropConnection();
    await waitFor(() => alice.state === 'disconnected' || alice.state === 'connected', 'reconnect');
    expect((await alice.getData(p)).data?.toString()).toBe('hidden');

    await expect(zk.setACL(p, acl, 0)).rejects.toBeInstanceOf(NoAuthError);
    await expect(alice.setACL(p, acl, 3)).rejects.toMatchObject({ codeName: 'BADVERSION' });
    await expect(alice.setACL(p, [], 0)).rejects.toMatchObject({ codeName: 'INVALIDACL' });
    const newStat = await alice.setACL(p, [{ perms: Perms.Read, id: { scheme: 'world', id: 'anyone' } }], 0);
    expect(newStat.aversion).toBe(1);
    expect((await zk.getData(p)).data?.toString()).toBe('hidden');
  });

  it('an unknown auth scheme fails the session', async () => {
    const c = await client();
    await expect(c.addAuth('nosuchscheme', 'x')).rejects.toBeInstanceOf(AuthFailedError);
    await waitFor(() => c.state === 'auth-failed', 'auth-failed state');
    await expect(c.exists('/')).rejects.toBeInstanceOf(AuthFailedError);
  });

  it('multi applies all or nothing and reports per-op results', async () => {
    const { zk, root } = await fresh();
    const results = await zk
      .transaction()
      .create(`${root}/m`, 'x')
      .create(`${root}/m/s-`, null, { mode: CreateMode.PersistentSequential })
      .setData(`${root}/m`, 'y', 0)
      .check(`${root}/m`, 1)
      .create(`${root}/ttl`, null, { mode: CreateMode.PersistentWithTTL, ttl: 5000 })
      .delete(`${root}/ttl`)
      .commit();
    expect(results.map((r) => r.type)).toEqual(['create', 'create', 'setData', 'check', 'create', 'delete']);
    expect(results[0]).toEqual({ type: 'create', path: `${root}/m` });
    expect(results[1]).toMatchObject({ type: 'create', path: `${root}/m/s-0000000000` });
    expect(results[2]).toMatchObject({ type: 'setData', stat: { version: 1 } });

    const err = await zk
      .transaction()
      .create(`${root}/never`)
      .delete(`${root}/missing`)
      .setData(`${root}/m`, 'z')
      .commit()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoNodeError);
    expect((err as NoNodeError).path).toBe(`${root}/missing`);
    expect((err as NoNodeError).results?.map((r) => (r.type === 'error' ? r.code : r.type))).toEqual([0, -101, -2]);
    expect(await zk.exists(`${root}/never`)).toBeNull();
    expect((await zk.getData(`${root}/m`)).data?.toString()).toBe('y');

    await expect(zk.transaction().check(`${root}/m`, 7).commit()).rejects.toBeInstanceOf(BadVersionError);
    expect(await zk.multi([])).toEqual([]);
  });

  it('multiRead returns data, children and per-op errors', async () => {
    const { zk, root } = await fresh();
    await zk.create(`${root}/r`, 'v');
    await zk.create(`${root}/r/c`);
    const res = await zk.multiRead([
      { type: 'getData', path: `${root}/r` },
      { type: 'getChildren', path: `${root}/r` },
      { type: 'getData', path: `${root}/none` },
    ]);
    expect(res[0]).toMatchObject({ type: 'getData', stat: { numChildren: 1 } });
    expect(res[0]!.type === 'getData' && res[0]!.data?.toString()).toBe('v');
    expect(res[1]).toEqual({ type: 'getChildren', children: ['c'] });
    expect(res[2]).toMatchObject({ type: 'error', code: -101 });
    expect(res[2]!.type === 'error' && res[2]!.error).toBeInstanceOf(NoNodeError);
  });

  it('one-shot watches fire once, before the reply that follows them', async () => {
    const { zk, root } = await fresh();
    const p = `${root}/w`;
    const onData = recorder();
    const onExists = recorder();
    const onChildren = recorder();
    expect(await zk.exists(p, onExists.watcher)).toBeNull();
    await zk.create(p, 'a');
    // The notification precedes the create's reply on the wire, so it has been delivered by now.
    expect(onExists.events).toEqual([{ type: EventType.NodeCreated, state: KeeperState.SyncConnected, path: p }]);

    await zk.getData(p, onData.watcher);
    await zk.getChildren(p, onChildren.watcher);
    await zk.setData(p, 'b');
    await zk.setData(p, 'c');
    expect(onData.events.map((e) => e.type)).toEqual([EventType.NodeDataChanged]);

    await zk.create(`${p}/kid`);
    expect(onChildren.events).toEqual([{ type: EventType.NodeChildrenChanged, state: KeeperState.SyncConnected, path: p }]);

    const onDelete = recorder();
    await zk.getData(`${p}/kid`, onDelete.watcher);
    await zk.exists(`${p}/kid`, onDelete.watcher);
    await zk.delete(`${p}/kid`);
    expect(onDelete.events.map((e) => e.type)).toEqual([EventType.NodeDeleted]); // one watcher, one event

    // A failed getData registers no watch.
    const never = recorder();
    await expect(zk.getData(`${root}/x`, never.watcher)).rejects.toBeInstanceOf(NoNodeError);
    await zk.create(`${root}/x`);
    expect(never.events).toEqual([]);
  });

  it('watches fire for changes made by other sessions', async () => {
    const { zk, root } = await fresh();
    const other = await client();
    const rec = recorder();
    await zk.create(`${root}/o`);
    await zk.getData(`${root}/o`, rec.watcher);
    await other.setData(`${root}/o`, 'changed');
    await waitFor(() => rec.events.length === 1, 'data watch');
    expect(rec.events[0]).toMatchObject({ type: EventType.NodeDataChanged, path: `${root}/o` });
  });

  it('persistent and persistent recursive watches keep firing', async () => {
    const { zk, root } = await fresh();
    const p = `${root}/pw`;
    await zk.create(p);
    const flat = recorder();
    const deep = recorder();
    // A session holds one persistent mode per path on the server, so the recursive one gets its own session.
    const zk2 = await client();
    await zk.addWatch(p, flat.watcher, AddWatchMode.Persistent);
    await zk2.addWatch(p, deep.watcher, AddWatchMode.PersistentRecursive);
    await zk.setData(p, '1');
    await zk.setData(p, '2');
    await zk.create(`${p}/c`);
    await zk.create(`${p}/c/d`);
    await zk.setData(`${p}/c/d`, 'x');
    await zk.delete(`${p}/c/d`);
    await waitFor(() => deep.events.length >= 6, 'recursive events');
    expect(flat.events.map((e) => [e.type, e.path])).toEqual([
      [EventType.NodeDataChanged, p],
      [EventType.NodeDataChanged, p],
      [EventType.NodeChildrenChanged, p],
    ]);
    expect(deep.events.map((e) => [e.type, e.path])).toEqual([
      [EventType.NodeDataChanged, p],
      [EventType.NodeDataChanged, p],
      [EventType.NodeCreated, `${p}/c`],
      [EventType.NodeCreated, `${p}/c/d`],
      [EventType.NodeDataChanged, `${p}/c/d`],
      [EventType.NodeDeleted, `${p}/c/d`],
    ]);
    await zk.checkWatches(p, WatcherType.Any);
    await zk2.checkWatches(p, WatcherType.Any);
  });

  it('persistent watches as async iterators; leaving the loop removes the watch', async () => {
    const { zk, root } = await fresh();
    const p = `${root}/it`;
    await zk.create(p);
    const stream = zk.watch(p, { recursive: true });
    await stream.ready;
    await zk.checkWatches(p, WatcherType.Any);
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of stream) {
        seen.push(`${EventType[ev.type]} ${ev.path}`);
        if (seen.length === 3) break;
      }
    })();
    await zk.setData(p, 'a');
    await zk.create(`${p}/k`);
    await zk.delete(`${p}/k`);
    await done;
    expect(seen).toEqual([`NodeDataChanged ${p}`, `NodeCreated ${p}/k`, `NodeDeleted ${p}/k`]);
    await expect(zk.checkWatches(p, WatcherType.Any)).rejects.toBeInstanceOf(NoWatcherError);

    // Events that arrive before anyone reads are buffered, not lost.
    const buffered = zk.watch(p);
    await buffered.ready;
    await zk.setData(p, 'b');
    await zk.setData(p, 'c');
    const first = await buffered.next();
    const second = await buffered.next();
    expect([first.value?.type, second.value?.type]).toEqual([EventType.NodeDataChanged, EventType.NodeDataChanged]);
    await buffered.close();
    expect((await buffered.next()).done).toBe(true);
  });

  it('removeWatches and checkWatches', async () => {
    const { zk, root } = await fresh();
    const p = `${root}/rw`;
    await zk.create(p);
    const rec = recorder();
    await zk.getData(p, rec.watcher);
    await zk.getChildren(p, rec.watcher);
    await zk.checkWatches(p, WatcherType.Data);
    await zk.checkWatches(p, WatcherType.Children);
    await zk.removeWatches(p, WatcherType.Data);
    expect(rec.events).toEqual([{ type: EventType.DataWatchRemoved, state: KeeperState.SyncConnected, path: p }]);
    await expect(zk.checkWatches(p, WatcherType.Data)).rejects.toMatchObject({ codeName: 'NOWATCHER', path: p });
    await zk.checkWatches(p, WatcherType.Children);
    await zk.setData(p, 'x');
    expect(rec.events).toHaveLength(1);
    await zk.removeWatches(p, WatcherType.Any);
    expect(rec.events.map((e) => e.type)).toEqual([EventType.DataWatchRemoved, EventType.ChildWatchRemoved]);
    await expect(zk.removeWatches(p, WatcherType.Children)).rejects.toBeInstanceOf(NoWatcherError);
    await expect(zk.removeWatches(p, WatcherType.Children, { local: true })).rejects.toBeInstanceOf(NoWatcherError);
  });

  it('translates paths under a chroot', async () => {
    const { zk, root } = await fresh();
    const chrooted = await client({ connectString: `${target.connectString}${root}` });
    expect(chrooted.chroot).toBe(root);
    expect(await chrooted.create('/a', 'x')).toBe('/a');
    expect(await chrooted.create('/s-', null, { mode: CreateMode.EphemeralSequential })).toMatch(/^\/s-\d{10}$/);
    expect((await zk.getData(`${root}/a`)).data?.toString()).toBe('x');
    expect((await chrooted.getChildren('/')).sort()).toEqual(['a', expect.stringMatching(/^s-\d{10}$/)]);
    expect(await chrooted.getEphemerals('/')).toEqual([expect.stringMatching(/^\/s-\d{10}$/)]);
    expect(await chrooted.sync('/a')).toBe('/a');
    const rec = recorder();
    await chrooted.getData('/a', rec.watcher);
    await chrooted.addWatch('/', rec.watcher, AddWatchMode.PersistentRecursive);
    await zk.setData(`${root}/a`, 'y');
    await waitFor(() => rec.events.length === 1, 'chrooted watch');
    expect(rec.events).toEqual([{ type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: '/a' }]);
    const results = await chrooted.transaction().create('/b').commit();
    expect(results).toEqual([{ type: 'create', path: '/b' }]);
    await expect(chrooted.getData('/nope')).rejects.toMatchObject({ path: '/nope' });
  });

  // Without persistent watches the client re-registers with setWatches (servers before 3.6), else setWatches2.
  it.each([['setWatches2', true], ['setWatches', false]])('reconnects to another server with the same session; %s restores watches', async (_name, withPersistent) => {
    const { zk: other, root } = await fresh();
    const [p1, p2] = [await proxy(), await proxy()];
    const zk = await client({ connectString: `${p1.address},${p2.address}`, shuffleHosts: false });
    expect(zk.currentServer).toBe(p1.address);
    const sessionId = zk.sessionId;
    const p = `${root}/rc`;
    await zk.create(p, 'v0');
    await zk.create(`${root}/eph`, null, { mode: CreateMode.Ephemeral });
    const data = recorder();
    const created = recorder();
    const persistent = recorder();
    await zk.getData(p, data.watcher);
    await zk.exists(`${p}/later`, created.watcher);
    if (withPersistent) await zk.addWatch(p, persistent.watcher, AddWatchMode.Persistent);

    // Cut the connection; hold the handshake on the second address while another session changes the node,
    // so the change happens while the client is away and must be reported through setWatches.
    p2.stall(true);
    const states: ClientState[] = [];
    zk.on('state', (s: ClientState) => states.push(s));
    p1.dropAll();
    await waitFor(() => p2.accepted === 1, 'connection attempt to the second server');
    await other.setData(p, 'v1');
    p2.stall(false);
    await waitFor(() => zk.state === 'connected', 'reconnect');
    expect(states).toEqual(['disconnected', 'connected']);
    expect(zk.sessionId).toBe(sessionId);
    expect(zk.currentServer).toBe(p2.address);
    await waitFor(() => data.events.length === 1 && persistent.events.length === (withPersistent ? 1 : 0), 'watches fired for the missed change');
    expect(data.events[0]).toMatchObject({ type: EventType.NodeDataChanged, path: p });

    // The exists watch and the persistent watch are registered again on the new connection.
    await other.create(`${p}/later`);
    await waitFor(() => created.events.length === 1 && persistent.events.length === (withPersistent ? 2 : 0), 'watches after reconnect');
    expect(created.events[0]).toMatchObject({ type: EventType.NodeCreated, path: `${p}/later` });
    if (withPersistent) expect(persistent.events[1]).toMatchObject({ type: EventType.NodeChildrenChanged, path: p });
    // The session (and its ephemeral) survived.
    expect((await other.exists(`${root}/eph`))?.ephemeralOwner).toBe(sessionId);
  });

  it('re-attaches to a session by id and password; the server drops the session\'s older connection', async () => {
    const { root } = await fresh();
    const p = await proxy();
    // A long session timeout, so that the client's own read timeout (2/3 of it) cannot explain a disconnection.
    const orig = await client({ connectString: p.address, sessionTimeout: 10_000 });
    await orig.create(`${root}/mine`, null, { mode: CreateMode.Ephemeral });
    const states: ClientState[] = [];
    orig.on('state', (s: ClientState) => states.push(s));
    // Keep the original client from reconnecting, so the two do not take the session from each other.
    p.stall(true);
    const twin = new ZooKeeperClient(target.connectString, { sessionId: orig.sessionId, sessionPassword: orig.sessionPassword });
    clients.push(twin);
    await twin.connect();
    expect(twin.sessionId).toBe(orig.sessionId);
    expect(await twin.getEphemerals(root)).toEqual([`${root}/mine`]);
    // ZooKeeper closes the connection the session had before (the client then sees a disconnection).
    await waitFor(() => states.includes('disconnected'), 'the older connection to be closed by the server', 2000);

    const wrong = new ZooKeeperClient(target.connectString, { sessionId: orig.sessionId, sessionPassword: Buffer.alloc(16, 7) });
    clients.push(wrong);
    await expect(wrong.connect()).rejects.toBeInstanceOf(SessionExpiredError);
  });

  it('reports session expiry to listeners, pending calls, watchers and iterators', async () => {
    const { zk: other, root } = await fresh();
    const p = await proxy();
    const zk = await client({ connectString: p.address, sessionTimeout: 1000 });
    expect(zk.sessionTimeout).toBe(1000);
    await zk.create(`${root}/mine`, null, { mode: CreateMode.Ephemeral });
    const stream = zk.watch(root);
    await stream.ready;
    // Settled into a value at once: the rejection comes at expiry, long before the assertion below awaits it.
    const iteration = (async () => {
      for await (const _ of stream) {
        // no events expected before expiry
      }
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    const oneShot = recorder();
    await zk.getData(root, oneShot.watcher);
    const states: ClientState[] = [];
    zk.on('state', (s: ClientState) => states.push(s));
    // Cut the client off for longer than its session timeout: the server expires the session.
    p.stall(true);
    p.dropAll();
    await waitFor(() => states.includes('disconnected'), 'disconnected');
    const deadline = Date.now() + 10_000;
    while ((await other.exists(`${root}/mine`)) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    p.stall(false);
    await waitFor(() => zk.state === 'expired', 'expired state');
    expect(states).toEqual(['disconnected', 'expired']);
    expect(await iteration).toBeInstanceOf(SessionExpiredError);
    expect(oneShot.events).toEqual([{ type: EventType.None, state: KeeperState.Expired, path: '' }]);
    await expect(zk.getData(root)).rejects.toBeInstanceOf(SessionExpiredError);
  });

  it('times out requests the server does not answer, then recovers', async () => {
    const { root } = await fresh();
    const p = await proxy();
    const zk = await client({ connectString: p.address, requestTimeout: 300 });
    p.stall(true);
    const started = Date.now();
    const err = await zk.exists(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect((err as RequestTimeoutError).code).toBe(-122);
    expect(Date.now() - started).toBeLessThan(2000);
    p.stall(false);
    expect(await zk.exists(root)).not.toBeNull();
  });

  it('bounds outstanding requests and still answers them in order', async () => {
    const { root } = await fresh();
    const zk = await client({ maxOutstanding: 2 });
    let peak = 0;
    const calls = Array.from({ length: 40 }, () => {
      const call = zk.create(`${root}/q-`, null, { mode: CreateMode.PersistentSequential });
      peak = Math.max(peak, zk.outstanding);
      return call;
    });
    expect(zk.queued).toBeGreaterThan(30);
    const paths = await Promise.all(calls);
    expect(peak).toBeLessThanOrEqual(2);
    expect(paths.map((x) => Number(x.slice(-10)))).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('closing removes ephemerals at once', async () => {
    const { zk, root } = await fresh();
    const temp = await client();
    await temp.create(`${root}/tmp`, null, { mode: CreateMode.Ephemeral });
    await temp.close();
    expect(temp.state).toBe('closed');
    expect(await zk.exists(`${root}/tmp`)).toBeNull();
  });

  it('reads the ensemble config and refuses reconfig on a standalone server', async () => {
    const zk = await client();
    const { stat } = await zk.getConfig();
    expect(stat.version).toBeGreaterThanOrEqual(0);
    const err = await zk.reconfig({ leaving: '2' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooKeeperError);
    expect((err as ZooKeeperError).codeName).toBe('RECONFIGDISABLED');
  });
});
