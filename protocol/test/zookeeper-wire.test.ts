// Speaks to a real Apache ZooKeeper (Debian 3.8 jars) with this codec alone: every reply must decode and
// consume its frame exactly, which checks the reply layouts against the reference implementation.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZooKeeper, type Target } from '../../test-support/servers.js';
import {
  CreateMode,
  ErrorCode,
  EventType,
  KeeperState,
  OpCode,
  Perms,
  WatcherType,
  Xid,
} from '../src/constants.js';
import { FrameDecoder } from '../src/framing.js';
import {
  decodeConnectResponse,
  decodeServerFrame,
  encodeConnectRequest,
  encodeRequest,
} from '../src/messages.js';
import { decodeResponse } from '../src/response-codec.js';
import type { ClientRequest, ClientResponse, ConnectResponse, ReplyHeader, WatcherEvent } from '../src/records.js';

const OPEN_ACL = [{ perms: Perms.All, id: { scheme: 'world', id: 'anyone' } }];

interface Reply {
  header: ReplyHeader;
  body: ClientResponse | undefined;
}

/** A minimal pipelining client: replies come back in request order. */
class WireClient {
  private readonly frames = new FrameDecoder();
  private readonly waiting: { type: OpCode; resolve: (r: Reply) => void; reject: (e: unknown) => void }[] = [];
  private onConnect: ((r: ConnectResponse) => void) | null = null;
  readonly events: WatcherEvent[] = [];
  private nextXid = 1;
  closed: Promise<void>;

  private constructor(private readonly sock: Socket) {
    this.closed = new Promise((resolve) => sock.once('close', () => resolve()));
    sock.on('data', (chunk) => {
      this.frames.push(chunk);
      for (let f = this.frames.next(); f !== null; f = this.frames.next()) this.onFrame(f);
    });
  }

  static async open(port: number): Promise<{ client: WireClient; session: ConnectResponse }> {
    const sock = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    const client = new WireClient(sock);
    const session = new Promise<ConnectResponse>((resolve, reject) => {
      client.onConnect = resolve;
      void client.closed.then(() => reject(new Error('server closed the connection before answering')));
    });
    sock.write(
      encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: 0,
        timeOut: 10_000,
        sessionId: 0n,
        passwd: Buffer.alloc(16),
        readOnly: false,
      }),
    );
    return { client, session: await session };
  }

  private onFrame(frame: Buffer): void {
    if (this.onConnect) {
      const res = decodeConnectResponse(frame);
      expect(frame.length).toBe(4 + 4 + 8 + 4 + res.passwd.length + 1); // readOnly byte present
      this.onConnect(res);
      this.onConnect = null;
      return;
    }
    const msg = decodeServerFrame(frame);
    if (msg.kind === 'notification') {
      this.events.push(msg.event);
      return;
    }
    const pending = this.waiting.shift()!;
    try {
      const body = msg.header.err === 0 ? decodeResponse(pending.type, msg.reader) : undefined;
      expect(msg.reader.remaining, `unread bytes in reply to ${OpCode[pending.type]}`).toBe(0);
      pending.resolve({ header: msg.header, body });
    } catch (e) {
      pending.reject(e);
    }
  }

  send(req: ClientRequest, xid = this.nextXid++): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ type: req.type, resolve, reject });
      this.sock.write(encodeRequest(xid, req));
    });
  }

  /** Sends and expects success, returning the body. */
  async ok(req: ClientRequest): Promise<ClientResponse> {
    const { header, body } = await this.send(req);
    expect(header.err, `${OpCode[req.type]} failed`).toBe(0);
    return body!;
  }

  destroy(): void {
    this.sock.destroy();
  }
}

describe('against Apache ZooKeeper', () => {
  let zk: Target;
  let client: WireClient;
  let session: ConnectResponse;

  beforeAll(async () => {
    zk = await startZooKeeper({ extendedTypesEnabled: true });
    // Right after it answers ruok the server may still refuse sessions; retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        ({ client, session } = await WireClient.open(zk.port));
        break;
      } catch (e) {
        if (attempt === 20) throw new Error(`${String(e)}\n${zk.logTail()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await zk?.stop();
  });

  it('hands out a session', () => {
    expect(session.sessionId).not.toBe(0n);
    expect(session.timeOut).toBe(10_000);
    expect(session.passwd).toHaveLength(16);
  });

  it('creates nodes of every kind', async () => {
    const c2 = await client.ok({ type: OpCode.Create2, path: '/a', data: Buffer.from('hello'), acl: OPEN_ACL, flags: 0 });
    expect(c2).toMatchObject({ type: OpCode.Create2, path: '/a', stat: { dataLength: 5, version: 0, ephemeralOwner: 0n } });

    const c = await client.ok({ type: OpCode.Create, path: '/a/e', data: null, acl: OPEN_ACL, flags: CreateMode.EphemeralSequential });
    expect(c).toEqual({ type: OpCode.Create, path: '/a/e0000000000' });

    const ttl = await client.ok({
      type: OpCode.CreateTTL,
      path: '/t',
      data: Buffer.alloc(0),
      acl: OPEN_ACL,
      flags: CreateMode.PersistentWithTTL,
      ttl: 60_000,
    });
    // ZooKeeper shows clients ephemeralOwner 0 for TTL and container nodes (their markers stay server-side).
    expect(ttl).toMatchObject({ path: '/t', stat: { ephemeralOwner: 0n } });

    const container = await client.ok({ type: OpCode.CreateContainer, path: '/c', data: null, acl: OPEN_ACL, flags: CreateMode.Container });
    expect(container).toMatchObject({ path: '/c', stat: { ephemeralOwner: 0n } });
    const ephemeral = await client.ok({ type: OpCode.Exists, path: '/a/e0000000000', watch: false });
    expect(ephemeral).toMatchObject({ stat: { ephemeralOwner: session.sessionId } });
  });

  it('reads, writes and notifies', async () => {
    const gd = await client.ok({ type: OpCode.GetData, path: '/a', watch: true });
    expect(gd).toMatchObject({ type: OpCode.GetData, data: Buffer.from('hello') });
    const sd = await client.ok({ type: OpCode.SetData, path: '/a', data: Buffer.from('bye'), version: 0 });
    expect(sd).toMatchObject({ stat: { version: 1, dataLength: 3 } });
    expect(client.events).toContainEqual({ type: EventType.NodeDataChanged, state: KeeperState.SyncConnected, path: '/a' });

    const empty = await client.ok({ type: OpCode.GetData, path: '/a/e0000000000', watch: false });
    expect(empty).toMatchObject({ data: null });

    expect(await client.ok({ type: OpCode.GetChildren2, path: '/a', watch: false })).toMatchObject({
      children: ['e0000000000'],
      stat: { numChildren: 1 },
    });
    expect(await client.ok({ type: OpCode.GetChildren, path: '/a', watch: false })).toEqual({
      type: OpCode.GetChildren,
      children: ['e0000000000'],
    });
    expect(await client.ok({ type: OpCode.Exists, path: '/a', watch: false })).toMatchObject({ stat: { version: 1 } });
    expect(await client.ok({ type: OpCode.GetACL, path: '/a' })).toMatchObject({ acl: OPEN_ACL });
    expect(await client.ok({ type: OpCode.SetACL, path: '/a', acl: OPEN_ACL, version: 0 })).toMatchObject({
      stat: { aversion: 1 },
    });
    expect(await client.ok({ type: OpCode.Sync, path: '/a' })).toEqual({ type: OpCode.Sync, path: '/a' });
    expect(await client.ok({ type: OpCode.GetAllChildrenNumber, path: '/a' })).toEqual({
      type: OpCode.GetAllChildrenNumber,
      totalNumber: 1,
    });
    expect(await client.ok({ type: OpCode.GetEphemerals, prefixPath: '/' })).toEqual({
      type: OpCode.GetEphemerals,
      ephemerals: ['/a/e0000000000'],
    });
  });

  it('answers errors with a bare header', async () => {
    const { header, body } = await client.send({ type: OpCode.Exists, path: '/missing', watch: false });
    expect(header.err).toBe(ErrorCode.NoNode);
    expect(body).toBeUndefined();
  });

  it('multi: success and failure results', async () => {
    const okMulti = await client.ok({
      type: OpCode.Multi,
      ops: [
        { type: OpCode.Create, path: '/m', data: null, acl: OPEN_ACL, flags: 0 },
        { type: OpCode.Create2, path: '/m2', data: null, acl: OPEN_ACL, flags: 0 },
        { type: OpCode.CreateContainer, path: '/mc', data: null, acl: OPEN_ACL, flags: CreateMode.Container },
        { type: OpCode.CreateTTL, path: '/mt', data: null, acl: OPEN_ACL, flags: CreateMode.PersistentWithTTL, ttl: 5000 },
        { type: OpCode.SetData, path: '/m', data: Buffer.from('x'), version: -1 },
        { type: OpCode.Check, path: '/m', version: 1 },
        { type: OpCode.Delete, path: '/m', version: -1 },
      ],
    });
    if (okMulti.type !== OpCode.Multi) throw new Error('unexpected reply');
    // Inside multi ZooKeeper 3.8 answers create and create2 with a Create result (path only), createContainer
    // and createTTL with a Create2 result (path and stat).
    expect(okMulti.results).toMatchObject([
      { type: OpCode.Create, path: '/m' },
      { type: OpCode.Create, path: '/m2' },
      { type: OpCode.Create2, path: '/mc', stat: { ephemeralOwner: 0n } },
      { type: OpCode.Create2, path: '/mt', stat: { ephemeralOwner: 0n } },
      { type: OpCode.SetData, stat: { version: 1 } },
      { type: OpCode.Check },
      { type: OpCode.Delete },
    ]);

    const failed = await client.ok({
      type: OpCode.Multi,
      ops: [
        { type: OpCode.Create, path: '/n', data: null, acl: OPEN_ACL, flags: 0 },
        { type: OpCode.Check, path: '/a', version: 0 },
        { type: OpCode.Delete, path: '/m2', version: -1 },
      ],
    });
    expect(failed).toEqual({
      type: OpCode.Multi,
      results: [
        { type: OpCode.Error, err: ErrorCode.Ok },
        { type: OpCode.Error, err: ErrorCode.BadVersion },
        { type: OpCode.Error, err: ErrorCode.RuntimeInconsistency },
      ],
    });

    const read = await client.ok({
      type: OpCode.MultiRead,
      ops: [
        { type: OpCode.GetData, path: '/a', watch: false },
        { type: OpCode.GetChildren, path: '/a', watch: false },
        { type: OpCode.GetData, path: '/missing', watch: false },
      ],
    });
    if (read.type !== OpCode.MultiRead) throw new Error('unexpected reply');
    expect(read.results).toMatchObject([
      { type: OpCode.GetData, data: Buffer.from('bye') },
      { type: OpCode.GetChildren, children: ['e0000000000'] },
      { type: OpCode.Error, err: ErrorCode.NoNode },
    ]);
  });

  it('watch management, auth, whoAmI, ping and special xids', async () => {
    expect(await client.ok({ type: OpCode.AddWatch, path: '/a', mode: 1 })).toEqual({ type: OpCode.AddWatch });
    expect((await client.send({ type: OpCode.CheckWatches, path: '/c', watcherType: WatcherType.Data })).header.err).toBe(
      ErrorCode.NoWatcher,
    );
    expect(await client.ok({ type: OpCode.RemoveWatches, path: '/a', watcherType: WatcherType.Any })).toEqual({
      type: OpCode.RemoveWatches,
    });
    const setWatches = await client.send(
      {
        type: OpCode.SetWatches2,
        relativeZxid: 0,
        dataWatches: ['/a'],
        existWatches: ['/zz'],
        childWatches: [],
        persistentWatches: [],
        persistentRecursiveWatches: ['/c'],
      },
      Xid.SetWatches,
    );
    expect(setWatches.header).toMatchObject({ xid: Xid.SetWatches, err: 0 });

    const auth = await client.send({ type: OpCode.Auth, authType: 0, scheme: 'digest', auth: Buffer.from('u:p') }, Xid.Auth);
    expect(auth.header).toMatchObject({ xid: Xid.Auth, err: 0 });
    const who = await client.ok({ type: OpCode.WhoAmI });
    expect(who).toMatchObject({ type: OpCode.WhoAmI });
    if (who.type !== OpCode.WhoAmI) throw new Error('unexpected reply');
    expect(who.clientInfo).toContainEqual({ authScheme: 'digest', user: 'u' });

    const ping = await client.send({ type: OpCode.Ping }, Xid.Ping);
    expect(ping.header).toMatchObject({ xid: Xid.Ping, err: 0 });
    const reconfig = await client.send({
      type: OpCode.Reconfig,
      joiningServers: null,
      leavingServers: null,
      newMembers: 'server.1=127.0.0.1:2888:3888',
      curConfigId: -1,
    });
    expect(reconfig.header.err).not.toBe(0);
  });

  it('closes the session', async () => {
    expect((await client.send({ type: OpCode.CloseSession })).header.err).toBe(0);
    await client.closed;
  });
});
