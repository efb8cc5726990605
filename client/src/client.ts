// The promise-based ZooKeeper client: every opcode as a method, chroot translation, typed errors, and watches
// (one-shot callbacks, persistent callbacks, async iterators) kept across reconnects.
import { EventEmitter } from 'node:events';
import {
  AddWatchMode, ANY_VERSION, CONFIG_PATH, CreateMode, ErrorCode, EventType, isSequential, isTTL, KeeperState, MAX_TTL,
  OpCode, WatcherType, type ACL, type ClientInfo, type ClientRequest, type ClientResponse, type MultiOp,
  type OpResult as WireOpResult, type ReplyHeader, type Stat, type WatcherEvent,
} from 'corral/protocol';
import { OPEN_ACL_UNSAFE } from './acl.js';
import { parseConnectString, shuffled } from './connect-string.js';
import { ConnectionLossError, NoWatcherError, SessionExpiredError, AuthFailedError, errorFor } from './errors.js';
import { addChroot, stripChroot, validatePath } from './paths.js';
import { Session } from './session.js';
import { Transaction } from './transaction.js';
import type {
  ClientState,
  ConfigData,
  CreateOptions,
  Data,
  Op,
  OpResult,
  ReadOp,
  ReadResult,
  ReconfigOptions,
  WatchEvent,
  Watcher,
} from './types.js';
import { WatchRegistry, kindsOf, removalEvent, type WatchKind } from './watch-registry.js';
import { WatchStream } from './watch-stream.js';

export interface ClientOptions {
  /** Requested session timeout in ms (the server clamps it). Default 30000. */
  sessionTimeout?: number;
  /** Per-request timeout in ms, from the call to the reply; 0 (default) waits as long as the session lives. */
  requestTimeout?: number;
  /** connect() gives up (and closes the client) after this many ms. Default: the session timeout. */
  connectTimeout?: number;
  /** Most requests in flight at once; later ones wait in the client. Default 1000. */
  maxOutstanding?: number;
  /** Accept read-only servers (partitioned ensemble members). Default false. */
  canBeReadOnly?: boolean;
  /** Shuffle the hosts of the connection string (default true), so clients spread over the ensemble. */
  shuffleHosts?: boolean;
  /** Re-attach to an existing session. */
  sessionId?: bigint;
  sessionPassword?: Buffer;
}

/** The reply body for request type T (distributes over unions of opcodes). */
type Body<T> = T extends OpCode ? BodyOf<T, ClientResponse> : never;
type BodyOf<T, U> = U extends { type: infer K } ? (T extends K ? U : never) : never;

export class ZooKeeperClient extends EventEmitter {
  /** The chroot from the connection string ('' when none). */
  readonly chroot: string;
  private readonly session: Session;
  private readonly watches = new WatchRegistry();
  private readonly connectTimeout: number;
  private started = false;

  constructor(connectString: string, options: ClientOptions = {}) {
    super();
    const parsed = parseConnectString(connectString);
    this.chroot = parsed.chroot;
    const sessionTimeout = options.sessionTimeout ?? 30_000;
    this.connectTimeout = options.connectTimeout ?? sessionTimeout;
    this.session = new Session({
      hosts: options.shuffleHosts === false ? parsed.hosts : shuffled(parsed.hosts),
      sessionTimeout,
      requestTimeout: options.requestTimeout ?? 0,
      maxOutstanding: options.maxOutstanding ?? 1000,
      canBeReadOnly: options.canBeReadOnly ?? false,
      ...(options.sessionId !== undefined ? { sessionId: options.sessionId } : {}),
      ...(options.sessionPassword !== undefined ? { sessionPassword: options.sessionPassword } : {}),
      onNotification: (event) => this.dispatch(event),
      watchesToRestore: () => ({
        data: this.watches.paths('data'),
        exist: this.watches.paths('exist'),
        child: this.watches.paths('child'),
        persistent: this.watches.paths('persistent'),
        persistentRecursive: this.watches.paths('persistentRecursive'),
      }),
    });
    this.session.on('state', (state: ClientState) => this.onState(state));
    this.session.on('connect-error', (err: Error, server) => this.emit('connect-error', err, server));
  }

  /** Creates a client and waits until it is connected. */
  static async connect(connectString: string, options: ClientOptions = {}): Promise<ZooKeeperClient> {
    const client = new ZooKeeperClient(connectString, options);
    await client.connect();
    return client;
  }

  /**
   * Starts connecting and resolves once a session is established. Rejects (and closes the client) if that
   * does not happen within connectTimeout, or if the session turns out expired or its auth failed.
   */
  connect(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.session.start();
    }
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.off('state', onState);
        if (err) reject(err);
        else resolve();
      };
      const onState = (state: ClientState) => {
        if (state === 'connected' || state === 'read-only') done();
        else if (state === 'expired') done(new SessionExpiredError());
        else if (state === 'auth-failed') done(new AuthFailedError());
        else if (state === 'closed') done(new ConnectionLossError(undefined, 'closed before connecting'));
      };
      const timer = setTimeout(() => {
        done(new ConnectionLossError(undefined, `could not connect within ${this.connectTimeout} ms`));
        void this.close();
      }, this.connectTimeout);
      this.on('state', onState);
      onState(this.state);
    });
  }

  get state(): ClientState {
    return this.session.state;
  }

  get sessionId(): bigint {
    return this.session.sessionId;
  }

  get sessionPassword(): Buffer {
    return Buffer.from(this.session.password);
  }

  /** The negotiated session timeout (0 before the first connection). */
  get sessionTimeout(): number {
    return this.session.negotiatedTimeout;
  }

  /** The highest zxid this client has seen. */
  get lastZxid(): number {
    return this.session.lastZxid;
  }

  /** `host:port` of the server currently connected to. */
  get currentServer(): string | undefined {
    const s = this.session.server;
    return s && `${s.host}:${s.port}`;
  }

  get outstanding(): number {
    return this.session.outstanding;
  }

  get queued(): number {
    return this.session.queued;
  }

  /** Drops the TCP connection as a network failure would; the client reconnects to the next host. */
  dropConnection(): void {
    this.session.dropConnection();
  }

  /** Ends the session on the server and stops. Safe to call more than once. */
  close(): Promise<void> {
    return this.session.close();
  }

  // ---- Node operations ----

  /** Creates a node; returns its path (with the sequence suffix for sequential modes). */
  async create(path: string, data: Data = null, options: CreateOptions = {}): Promise<string> {
    return (await this.createNode(path, data, options, false)).path;
  }

  /** Like create, also returning the new node's Stat. */
  async create2(path: string, data: Data = null, options: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    const r = await this.createNode(path, data, options, true);
    return { path: r.path, stat: r.stat! };
  }

  async delete(path: string, version = ANY_VERSION): Promise<void> {
    validatePath(path);
    await this.call({ type: OpCode.Delete, path: this.server(path), version }, path);
  }

  /** The node's Stat, or null when it does not exist. The watcher fires on creation, change or deletion. */
  async exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    validatePath(path);
    const serverPath = this.server(path);
    const { header, body } = await this.session.submit(
      { type: OpCode.Exists, path: serverPath, watch: watcher !== undefined },
      path,
      watcher &&
        ((h) => {
          if (h.err === 0) this.watches.add('data', serverPath, watcher);
          else if (h.err === ErrorCode.NoNode) this.watches.add('exist', serverPath, watcher);
        }),
    );
    if (header.err === ErrorCode.NoNode) return null;
    this.check(header, path);
    return (body as Body<OpCode.Exists>).stat;
  }

  async getData(path: string, watcher?: Watcher): Promise<{ data: Buffer | null; stat: Stat }> {
    const r = await this.watchedRead({ type: OpCode.GetData, path: this.server(path), watch: !!watcher }, path, 'data', watcher);
    return { data: copy(r.data), stat: r.stat };
  }

  async setData(path: string, data: Data, version = ANY_VERSION): Promise<Stat> {
    validatePath(path);
    return (await this.call({ type: OpCode.SetData, path: this.server(path), data: toBuffer(data), version }, path)).stat;
  }

  async getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    validatePath(path);
    const r = await this.call({ type: OpCode.GetACL, path: this.server(path) }, path);
    return { acl: r.acl, stat: r.stat };
  }

  async setACL(path: string, acl: readonly ACL[], version = ANY_VERSION): Promise<Stat> {
    validatePath(path);
    return (await this.call({ type: OpCode.SetACL, path: this.server(path), acl: [...acl], version }, path)).stat;
  }

  async getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return (await this.watchedRead({ type: OpCode.GetChildren, path: this.server(path), watch: !!watcher }, path, 'child', watcher))
      .children;
  }

  /** Children and the parent's Stat. */
  async getChildren2(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    const r = await this.watchedRead({ type: OpCode.GetChildren2, path: this.server(path), watch: !!watcher }, path, 'child', watcher);
    return { children: r.children, stat: r.stat };
  }

  /** Number of descendants of the node (not counting itself). */
  async getAllChildrenNumber(path: string): Promise<number> {
    validatePath(path);
    return (await this.call({ type: OpCode.GetAllChildrenNumber, path: this.server(path) }, path)).totalNumber;
  }

  /** Paths of this session's ephemeral nodes under `prefix` (a path prefix, not necessarily a node). */
  async getEphemerals(prefix = '/'): Promise<string[]> {
    const r = await this.call({ type: OpCode.GetEphemerals, prefixPath: this.server(prefix) }, prefix);
    return r.ephemerals.map((p) => stripChroot(this.chroot, p));
  }

  /** Waits until the connected server has caught up with the leader (as of the call). */
  async sync(path: string): Promise<string> {
    validatePath(path);
    return stripChroot(this.chroot, (await this.call({ type: OpCode.Sync, path: this.server(path) }, path)).path);
  }

  // ---- Transactions ----

  /** Applies all ops atomically. On failure throws the failing op's typed error with `.results` set. */
  async multi(ops: readonly Op[]): Promise<OpResult[]> {
    const wire = ops.map((op) => this.toMultiOp(op));
    const { header, body } = await this.session.submit({ type: OpCode.Multi, ops: wire });
    this.check(header);
    const results = (body as Body<OpCode.Multi>).results.map((r, i) => this.fromOpResult(r, ops[i]?.path));
    const failed = results.find((r) => r.type === 'error' && r.code !== ErrorCode.Ok);
    if (failed && failed.type === 'error') {
      const err = failed.error!;
      err.results = results;
      throw err;
    }
    return results;
  }

  /** A builder for multi: `await client.transaction().create('/a').setData('/b', 'x').commit()`. */
  transaction(): Transaction {
    return new Transaction((ops) => this.multi(ops));
  }

  /** Reads several nodes in one round trip; each result is independent (an error for one does not fail the rest). */
  async multiRead(ops: readonly ReadOp[]): Promise<ReadResult[]> {
    const wire = ops.map((op) => {
      validatePath(op.path);
      return { type: op.type === 'getData' ? OpCode.GetData : OpCode.GetChildren, path: this.server(op.path), watch: false } as const;
    });
    const { header, body } = await this.session.submit({ type: OpCode.MultiRead, ops: wire });
    this.check(header);
    return (body as Body<OpCode.MultiRead>).results.map((r, i): ReadResult => {
      switch (r.type) {
        case OpCode.GetData:
          return { type: 'getData', data: copy(r.data), stat: r.stat };
        case OpCode.GetChildren:
          return { type: 'getChildren', children: r.children };
        case OpCode.Error:
          return { type: 'error', code: r.err, error: errorFor(r.err, ops[i]?.path) };
        default:
          throw new Error(`unexpected multiRead result type ${r.type}`);
      }
    });
  }

  // ---- Watches ----

  /** Adds a persistent (optionally recursive) watch; it fires for every change until removed. */
  async addWatch(path: string, watcher: Watcher, mode: AddWatchMode = AddWatchMode.Persistent): Promise<void> {
    validatePath(path);
    const serverPath = this.server(path);
    const kind: WatchKind = mode === AddWatchMode.PersistentRecursive ? 'persistentRecursive' : 'persistent';
    const { header } = await this.session.submit({ type: OpCode.AddWatch, path: serverPath, mode }, path, (h) => {
      if (h.err === 0) this.watches.add(kind, serverPath, watcher);
    });
    this.check(header, path);
  }

  /**
   * A persistent watch as an async iterator. Leaving the loop removes the watch (on the server too, once no
   * other watcher of the same kind remains on the path). `await stream.ready` to know it is registered.
   */
  watch(path: string, options: { recursive?: boolean } = {}): WatchStream {
    const mode = options.recursive ? AddWatchMode.PersistentRecursive : AddWatchMode.Persistent;
    const kind: WatchKind = options.recursive ? 'persistentRecursive' : 'persistent';
    return new WatchStream(
      (watcher) => this.addWatch(path, watcher, mode),
      async (watcher) => {
        const serverPath = this.server(path);
        this.watches.remove(kind, serverPath, watcher);
        if (this.watches.has(kind, serverPath) || this.session.terminal) return;
        const remove = (watcherType: WatcherType) =>
          this.session.submit({ type: OpCode.RemoveWatches, path: serverPath, watcherType }, path).then(({ header }) => header.err, () => 0);
        const err = await remove(options.recursive ? WatcherType.PersistentRecursive : WatcherType.Persistent);
        // ZooKeeper 3.8 cannot remove persistent watches by type (MARSHALLINGERROR); 'Any' works when nothing
        // else of ours is watching the path. Otherwise the server's watch stays and its events find no watcher.
        const othersHere = (['data', 'exist', 'child', 'persistent', 'persistentRecursive'] as const).some((k) => this.watches.has(k, serverPath));
        if (err === ErrorCode.MarshallingError && !othersHere) await remove(WatcherType.Any);
      },
    );
  }

  /**
   * Removes this session's watches of `type` on `path` (on the server unless `local`), then tells each removed
   * watcher with a DataWatchRemoved / ChildWatchRemoved / PersistentWatchRemoved event.
   */
  async removeWatches(path: string, type: WatcherType, options: { local?: boolean } = {}): Promise<void> {
    validatePath(path);
    const serverPath = this.server(path);
    const kinds = kindsOf(type);
    if (options.local) {
      if (!kinds.some((k) => this.watches.has(k, serverPath))) throw new NoWatcherError(path);
    } else {
      this.check((await this.session.submit({ type: OpCode.RemoveWatches, path: serverPath, watcherType: type }, path)).header, path);
    }
    for (const kind of kinds) {
      const event: WatchEvent = { type: removalEvent(kind), state: KeeperState.SyncConnected, path };
      for (const w of this.watches.remove(kind, serverPath)) this.deliver(w, event);
    }
  }

  /** Resolves if the server holds a watch of `type` on `path` for this session; else throws NoWatcherError. */
  async checkWatches(path: string, type: WatcherType): Promise<void> {
    validatePath(path);
    this.check((await this.session.submit({ type: OpCode.CheckWatches, path: this.server(path), watcherType: type }, path)).header, path);
  }

  // ---- Session and ensemble ----

  /** Adds credentials (e.g. `addAuth('digest', 'user:password')`); they are re-sent after every reconnect. */
  addAuth(scheme: string, auth: string | Buffer): Promise<void> {
    return this.session.addAuth(scheme, typeof auth === 'string' ? Buffer.from(auth, 'utf8') : auth);
  }

  /** The identities the server associates with this session. */
  async whoAmI(): Promise<ClientInfo[]> {
    return (await this.call({ type: OpCode.WhoAmI })).clientInfo;
  }

  /** The ensemble's dynamic configuration (/zookeeper/config, outside any chroot). */
  async getConfig(watcher?: Watcher): Promise<ConfigData> {
    const r = await this.watchedRead({ type: OpCode.GetData, path: CONFIG_PATH, watch: !!watcher }, CONFIG_PATH, 'data', watcher);
    return { config: r.data?.toString('utf8') ?? '', stat: r.stat };
  }

  /** Changes the ensemble membership; returns the new configuration. */
  async reconfig(options: ReconfigOptions): Promise<ConfigData> {
    const r = await this.call({
      type: OpCode.Reconfig,
      joiningServers: options.joining ?? null,
      leavingServers: options.leaving ?? null,
      newMembers: options.newMembers ?? null,
      curConfigId: options.fromConfig ?? -1,
    });
    return { config: r.data?.toString('utf8') ?? '', stat: r.stat };
  }

  // ---- Internals ----

  private server(path: string): string {
    return addChroot(this.chroot, path);
  }

  /** Sends a request and returns its body, throwing the typed error for a non-zero reply code. */
  private async call<R extends ClientRequest>(request: R, path?: string): Promise<Body<R['type']>> {
    const { header, body } = await this.session.submit(request, path);
    this.check(header, path);
    return body as Body<R['type']>;
  }

  private check(header: ReplyHeader, path?: string): void {
    if (header.err !== 0) throw errorFor(header.err, path);
  }

  /** getData / getChildren(2): on success, registers the watcher before any later notification is read. */
  private async watchedRead<R extends Extract<ClientRequest, { watch: boolean }>>(
    request: R,
    path: string,
    kind: WatchKind,
    watcher: Watcher | undefined,
  ): Promise<Body<R['type']>> {
    if (request.path !== CONFIG_PATH) validatePath(path);
    const { header, body } = await this.session.submit(
      request,
      path,
      watcher &&
        ((h) => {
          if (h.err === 0) this.watches.add(kind, request.path, watcher);
        }),
    );
    this.check(header, path);
    return body as Body<R['type']>;
  }

  private async createNode(path: string, data: Data, options: CreateOptions, withStat: boolean): Promise<{ path: string; stat?: Stat }> {
    const op = this.toCreateOp(path, data, options, withStat);
    const r = await this.call(op, path);
    return { path: stripChroot(this.chroot, r.path), ...('stat' in r ? { stat: r.stat } : {}) };
  }

  private toCreateOp(path: string, data: Data, options: CreateOptions, withStat: boolean) {
    const mode = options.mode ?? CreateMode.Persistent;
    validatePath(path, isSequential(mode));
    const base = { path: this.server(path), data: toBuffer(data), acl: [...(options.acl ?? OPEN_ACL_UNSAFE)], flags: mode };
    if (isTTL(mode)) {
      const ttl = options.ttl ?? 0;
      if (!(Number.isInteger(ttl) && ttl > 0 && ttl <= MAX_TTL)) throw new RangeError(`TTL must be an integer in 1..${MAX_TTL} ms, got ${ttl}`);
      return { type: OpCode.CreateTTL as const, ...base, ttl };
    }
    if (options.ttl !== undefined) throw new RangeError('ttl is only valid with the TTL create modes');
    if (mode === CreateMode.Container) return { type: OpCode.CreateContainer as const, ...base };
    return withStat ? { type: OpCode.Create2 as const, ...base } : { type: OpCode.Create as const, ...base };
  }

  private toMultiOp(op: Op): MultiOp {
    switch (op.type) {
      case 'create':
        return this.toCreateOp(op.path, op.data ?? null, op.options ?? {}, false);
      case 'delete':
        validatePath(op.path);
        return { type: OpCode.Delete, path: this.server(op.path), version: op.version ?? ANY_VERSION };
      case 'setData':
        validatePath(op.path);
        return { type: OpCode.SetData, path: this.server(op.path), data: toBuffer(op.data), version: op.version ?? ANY_VERSION };
      case 'check':
        validatePath(op.path);
        return { type: OpCode.Check, path: this.server(op.path), version: op.version };
    }
  }

  private fromOpResult(r: WireOpResult, path: string | undefined): OpResult {
    switch (r.type) {
      case OpCode.Create:
        return { type: 'create', path: stripChroot(this.chroot, r.path) };
      case OpCode.Create2:
        return { type: 'create', path: stripChroot(this.chroot, r.path), stat: r.stat };
      case OpCode.Delete:
        return { type: 'delete' };
      case OpCode.SetData:
        return { type: 'setData', stat: r.stat };
      case OpCode.Check:
        return { type: 'check' };
      case OpCode.Error:
        return r.err === ErrorCode.Ok ? { type: 'error', code: r.err } : { type: 'error', code: r.err, error: errorFor(r.err, path) };
      default:
        throw new Error(`unexpected multi result type ${r.type}`);
    }
  }

  private dispatch(event: WatcherEvent): void {
    const watchers = this.watches.triggered(event.type, event.path);
    const clientEvent: WatchEvent = { type: event.type, state: event.state, path: stripChroot(this.chroot, event.path) };
    for (const w of watchers) this.deliver(w, clientEvent);
  }

  /** Runs a watcher; a throwing watcher is reported as 'watcher-error' and does not disturb the others. */
  private deliver(watcher: Watcher, event: WatchEvent): void {
    try {
      watcher(event);
    } catch (err) {
      if (this.listenerCount('watcher-error') > 0) this.emit('watcher-error', err, event);
      else queueMicrotask(() => {
        throw err;
      });
    }
  }

  private onState(state: ClientState): void {
    // Watches cannot outlive the session: tell every watcher once, then forget them all.
    const terminalState =
      state === 'expired' ? KeeperState.Expired : state === 'auth-failed' ? KeeperState.AuthFailed : state === 'closed' ? KeeperState.Closed : undefined;
    if (terminalState !== undefined) {
      const event: WatchEvent = { type: EventType.None, state: terminalState, path: '' };
      for (const w of this.watches.all(true)) this.deliver(w, event);
    }
    this.emit('state', state);
    this.emit(state);
  }
}

function toBuffer(data: Data): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(data);
}

/** Decoded buffers alias the socket frame; hand callers their own copy. */
function copy(data: Buffer | null): Buffer | null {
  return data === null ? null : Buffer.from(data);
}
