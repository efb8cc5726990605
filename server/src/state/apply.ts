// The one deterministic apply function. Every member, the standalone one, every replica of an ensemble and
// recovery from disk, feeds every committed entry (transactions, configuration changes, a new leader's no-op; see
// committed-entry.ts) through ReplicatedState.apply in log order and gets the same tree, the same replies and the
// same watch triggers. Checks that ZooKeeper makes before proposing
// (versions, ACLs, quotas, paths) are made here instead, at apply time, so the outcome depends only on the
// log: a rejected write still consumes a zxid and returns its error, as in ZooKeeper.
import {
  CONFIG_PATH, CreateMode, ErrorCode, EventType, isContainer, isEphemeral, isSequential, isTTL, isValidCreateMode,
  MAX_TTL, OpCode, Perms, type ACL, type ClientResponse, type Id, type MultiOp, type OpResult,
} from 'corral/protocol';
import { formatDynamicConfig } from '../config/dynamic-config.js';
import type { ServerSpec } from '../config/server-line.js';
import { fixupAcl, permits } from '../tree/acl.js';
import { DataTree } from '../tree/datatree.js';
import { invalidPathReason, parentOf, sequentialSuffix } from '../tree/paths.js';
import { CONTAINER_OWNER, isEphemeralOwner, isExpiredNode, statOf, ttlOwner } from '../tree/znode.js';
import { QuotaExceeded, Quotas } from './quota.js';
import { TxnKind, type WriteRequest } from './txn.js';
import { createSystemNodes, isProtectedPath } from './system-nodes.js';
import { changeInfo, serversAfter, type CommittedOp, type ConfigChange } from './committed-entry.js';

export interface StateOptions {
  enforceQuota: boolean;
  extendedTypesEnabled: boolean;
  skipAcl: boolean;
}

/** A tree change that may fire watches. */
export interface TreeEvent {
  type: EventType;
  path: string;
  /** The ACL of the node the event is about (the parent's for NodeChildrenChanged): watchers need READ on it. */
  acl: readonly ACL[];
}

export interface ApplyResult {
  zxid: number;
  err: ErrorCode;
  response?: ClientResponse;
  events: TreeEvent[];
  /** A configuration change: the server lines of the members it removed, as they were. */
  removed?: ServerSpec[];
}

export interface GlobalSession {
  timeout: number;
  passwd: Buffer;
  /** The member the session last moved to (unset until it first moves): writes sent through others are refused. */
  owner?: number;
  /**
   * The zxid of the move that made `owner` the owner (0 or unset: never moved). A write carries the claim its
   * member saw, so one left behind by an earlier stay on the same member (A, then B, then A again) is refused too.
   */
  claim?: number;
}

/**
 * How an operation refuses (NONODE, BADVERSION, ...): thrown inside apply and always caught there. Not an Error, so
 * no stack trace is captured: that cost ~5 µs per failed write, and conditional writes fail by design (locks,
 * compare-and-set loops).
 */
class OpError {
  constructor(readonly code: ErrorCode) {}
}

function fail(code: ErrorCode): never {
  throw new OpError(code);
}

export class ReplicatedState {
  readonly tree: DataTree;
  readonly quotas: Quotas;
  /** Global sessions: created, closed and expired through the log. */
  readonly sessions = new Map<bigint, GlobalSession>();
  /** The ensemble's members and their addresses, as /zookeeper/config shows them (empty when standalone). */
  readonly servers = new Map<number, ServerSpec>();
  /** The version of that membership: the zxid of the reconfig that made it (ZooKeeper's config version). */
  configVersion = 0;
  lastZxid = 0;

  constructor(readonly options: StateOptions) {
    this.tree = createSystemNodes();
    this.quotas = new Quotas(this.tree);
  }

  /** The membership zoo.cfg declares, for a member starting from nothing (every member is given the same). */
  initServers(servers: readonly ServerSpec[], version: number): void {
    for (const spec of servers) this.servers.set(spec.id, spec);
    this.configVersion = version;
    if (servers.length > 0) this.tree.setRawData(CONFIG_PATH, Buffer.from(formatDynamicConfig([...this.servers.values()], version)));
  }

  apply(op: CommittedOp, zxid: number): ApplyResult {
    this.lastZxid = zxid;
    const events: TreeEvent[] = [];
    switch (op.kind) {
      case 'noop':
        return { zxid, err: ErrorCode.Ok, events };
      case 'config':
        return this.applyConfig(op, zxid);
      case TxnKind.CreateSession:
        this.sessions.set(op.session, { timeout: op.timeout, passwd: op.passwd });
        return { zxid, err: ErrorCode.Ok, events };
      case TxnKind.CloseSession:
        this.closeSession(op.session, zxid, events);
        return { zxid, err: ErrorCode.Ok, response: { type: OpCode.CloseSession }, events };
      case TxnKind.DeleteExpired:
        this.deleteExpired(op.path, zxid, op.time, events);
        return { zxid, err: ErrorCode.Ok, events };
      case TxnKind.MoveSession: {
        const session = this.sessions.get(op.session);
        if (!session) return { zxid, err: ErrorCode.SessionExpired, events };
        // Compare-and-set: a move decided on an ownership another move has replaced since (the client went on to
        // a third member meanwhile) would hand the session back to where the client no longer is.
        if (op.prev !== undefined && op.prev !== (session.claim ?? 0)) return { zxid, err: ErrorCode.SessionMoved, events };
        this.sessions.set(op.session, { ...session, owner: op.owner, claim: zxid });
        return { zxid, err: ErrorCode.Ok, events };
      }
      case TxnKind.Request: {
        // A global session closed (or expired) while this write was on its way: ZooKeeper refuses it.
        const session = op.global ? this.sessions.get(op.session) : undefined;
        if (op.global && !session) return { zxid, err: ErrorCode.SessionExpired, events };
        // Sent through a member the session has left since (or under an earlier claim of the same member): its
        // client moved on (and may have written elsewhere after it), so applying it now would break the session's order.
        if (session?.owner !== undefined && op.owner !== undefined &&
          (session.owner !== op.owner || (op.claim !== undefined && op.claim !== (session.claim ?? 0)))) {
          return { zxid, err: ErrorCode.SessionMoved, events };
        }
        return this.applyRequest(op.req, { session: op.session, auth: op.auth, zxid, time: op.time, events });
      }
    }
  }

  /**
   * A committed reconfig (a Raft config entry): the server lines now in force. Updates /zookeeper/config as
   * ZooKeeper's reconfig does, once for the whole request (version = its zxid): the entry leaving a joint
   * configuration, which carries no changes, changes nothing else.
   */
  private applyConfig({ changes, membership }: ConfigChange, zxid: number): ApplyResult {
    if (changes.length === 0) return { zxid, err: ErrorCode.Ok, events: [] };
    const removed = changes.flatMap((c) => (c.role === 'removed' ? (this.servers.get(c.id) ?? []) : []));
    const servers = serversAfter(this.servers, changes, membership);
    this.servers.clear();
    for (const [id, spec] of servers) this.servers.set(id, spec);
    this.configVersion = zxid;
    const time = changeInfo(changes[0]!)?.time ?? 0;
    this.tree.setData(CONFIG_PATH, Buffer.from(formatDynamicConfig([...this.servers.values()], zxid)), zxid, time);
    const { acl } = this.tree.get(CONFIG_PATH)!;
    return { zxid, err: ErrorCode.Ok, events: [{ type: EventType.NodeDataChanged, path: CONFIG_PATH, acl }], removed };
  }

  private applyRequest(req: WriteRequest, ctx: OpContext): ApplyResult {
    const { zxid, events } = ctx;
    if (req.type === OpCode.Multi) return this.applyMulti(req.ops, ctx);
    try {
      const response = this.tree.atomically(() => this.applyOp(req, ctx));
      return { zxid, err: ErrorCode.Ok, response, events };
    } catch (e) {
      events.length = 0;
      return { zxid, err: errorCode(e), events };
    }
  }

  private applyMulti(ops: MultiOp[], ctx: OpContext): ApplyResult {
    const { zxid, events } = ctx;
    const results: OpResult[] = [];
    let failedAt = -1;
    let failure = ErrorCode.Ok;
    try {
      this.tree.atomically(() => {
        for (const op of ops) {
          failedAt = results.length;
          results.push(toOpResult(this.applyOp(op, ctx)));
        }
      });
      return { zxid, err: ErrorCode.Ok, response: { type: OpCode.Multi, results }, events };
    } catch (e) {
      failure = errorCode(e);
    }
    events.length = 0;
    const errors: OpResult[] = ops.map((_, i) => ({
      type: OpCode.Error,
      err: i < failedAt ? ErrorCode.Ok : i === failedAt ? failure : ErrorCode.RuntimeInconsistency,
    }));
    return { zxid, err: ErrorCode.Ok, response: { type: OpCode.Multi, results: errors }, events };
  }

  private applyOp(req: WriteRequest, ctx: OpContext): ClientResponse {
    switch (req.type) {
      case OpCode.Create:
      case OpCode.Create2:
      case OpCode.CreateContainer:
      case OpCode.CreateTTL:
        return this.create(req, req.type === OpCode.CreateTTL ? req.ttl : -1, ctx);
      case OpCode.Delete:
        this.delete(req.path, req.version, ctx);
        return { type: OpCode.Delete };
      case OpCode.SetData: {
        const node = this.existing(req.path);
        this.require(node.acl, Perms.Write, ctx);
        const bytesDiff = (req.data?.length ?? 0) - (node.data?.length ?? 0);
        if (this.options.enforceQuota) this.checkQuota(req.path, bytesDiff, 0);
        checkVersion(node.version, req.version);
        this.tree.setData(req.path, req.data, ctx.zxid, ctx.time);
        this.quotas.dataChanged(req.path, bytesDiff);
        ctx.events.push({ type: EventType.NodeDataChanged, path: req.path, acl: node.acl });
        return { type: OpCode.SetData, stat: statOf(node) };
      }
      case OpCode.SetACL: {
        if (invalidPathReason(req.path) !== undefined) fail(ErrorCode.BadArguments);
        const acl = this.fixAcl(req.acl, ctx.auth);
        const node = this.existing(req.path);
        this.require(node.acl, Perms.Admin, ctx);
        checkVersion(node.aversion, req.version);
        this.tree.setAcl(req.path, acl);
        return { type: OpCode.SetACL, stat: statOf(node) };
      }
      case OpCode.Check: {
        const node = this.existing(req.path);
        this.require(node.acl, Perms.Read, ctx);
        checkVersion(node.version, req.version);
        return { type: OpCode.Check };
      }
      case OpCode.Reconfig:
        // A standalone member answers as a ZooKeeper server without reconfigEnabled does.
        return fail(ErrorCode.ReconfigDisabled);
      default:
        return fail(ErrorCode.Unimplemented);
    }
  }

  private create(req: Extract<WriteRequest, { flags: number }>, ttl: number, ctx: OpContext): ClientResponse {
    // createContainer makes a container whatever flags say, as ZooKeeper does.
    const mode = req.type === OpCode.CreateContainer ? CreateMode.Container : req.flags;
    if (!isValidCreateMode(mode)) fail(ErrorCode.BadArguments);
    if (isTTL(mode) && !this.options.extendedTypesEnabled) fail(ErrorCode.Unimplemented);
    if (isTTL(mode) ? !(ttl > 0 && ttl <= MAX_TTL) : ttl >= 0) fail(ErrorCode.BadArguments);
    if (isEphemeral(mode) && !this.sessions.has(ctx.session)) fail(ErrorCode.SessionExpired);
    let path = req.path;
    if (path.lastIndexOf('/') === -1 || path.includes('\u0000')) fail(ErrorCode.BadArguments);
    const acl = this.fixAcl(req.acl, ctx.auth);
    const parentPath = parentOf(path);
    const parent = this.tree.get(parentPath) ?? fail(ErrorCode.NoNode);
    this.require(parent.acl, Perms.Create, ctx);
    if (isSequential(mode)) path += sequentialSuffix(parent.cversion);
    if (invalidPathReason(path) !== undefined) fail(ErrorCode.BadArguments);
    if (this.tree.has(path)) fail(ErrorCode.NodeExists);
    if (isEphemeralOwner(parent.ephemeralOwner)) fail(ErrorCode.NoChildrenForEphemerals);
    const dataLength = req.data?.length ?? 0;
    if (this.options.enforceQuota) this.checkQuota(path, dataLength, 1);
    const owner = isEphemeral(mode)
      ? ctx.session
      : isContainer(mode)
        ? CONTAINER_OWNER
        : isTTL(mode)
          ? ttlOwner(ttl)
          : 0n;
    const node = this.tree.create(path, req.data, acl, owner, ctx.zxid, ctx.time);
    this.quotas.created(path, dataLength);
    ctx.events.push({ type: EventType.NodeCreated, path, acl }, { type: EventType.NodeChildrenChanged, path: parentPath, acl: parent.acl });
    return req.type === OpCode.Create ? { type: OpCode.Create, path } : { type: req.type, path, stat: statOf(node) };
  }

  /** ZooKeeper's order: the parent must exist and grant DELETE before the node itself is looked up. */
  private delete(path: string, version: number, ctx: OpContext): void {
    if (path.lastIndexOf('/') <= -1 || path.includes('\u0000') || isProtectedPath(path)) fail(ErrorCode.BadArguments);
    const parent = this.tree.get(parentOf(path)) ?? fail(ErrorCode.NoNode);
    this.require(parent.acl, Perms.Delete, ctx);
    const node = this.tree.get(path) ?? fail(ErrorCode.NoNode);
    checkVersion(node.version, version);
    if (node.children.size > 0) fail(ErrorCode.NotEmpty);
    this.removeNode(path, ctx.zxid, ctx.events);
  }

  private removeNode(path: string, zxid: number, events: TreeEvent[]): void {
    const node = this.tree.delete(path, zxid);
    this.quotas.deleted(path, node.data?.length ?? 0);
    const parentPath = parentOf(path);
    events.push(
      { type: EventType.NodeDeleted, path, acl: node.acl },
      { type: EventType.NodeChildrenChanged, path: parentPath, acl: this.tree.get(parentPath)!.acl },
    );
  }

  private closeSession(session: bigint, zxid: number, events: TreeEvent[]): void {
    const owned = [...this.tree.ephemeralsOf(session)].sort();
    for (const path of owned) this.removeNode(path, zxid, events);
    this.sessions.delete(session);
  }

  /** Removes a container that became empty or a TTL node past its time, if that is still true now. */
  private deleteExpired(path: string, zxid: number, time: number, events: TreeEvent[]): void {
    const node = this.tree.get(path);
    if (node && isExpiredNode(node, time)) this.removeNode(path, zxid, events);
  }

  private existing(path: string) {
    if (invalidPathReason(path) !== undefined) fail(ErrorCode.BadArguments);
    return this.tree.get(path) ?? fail(ErrorCode.NoNode);
  }

  private require(acl: readonly ACL[], perm: Perms, ctx: OpContext): void {
    if (!permits(acl, perm, ctx.auth, this.options.skipAcl)) fail(ErrorCode.NoAuth);
  }

  private fixAcl(acl: readonly ACL[], auth: readonly Id[]): ACL[] {
    return fixupAcl(acl, auth) ?? fail(ErrorCode.InvalidACL);
  }

  private checkQuota(path: string, bytesDiff: number, countDiff: number): void {
    try {
      this.quotas.check(path, bytesDiff, countDiff);
    } catch (e) {
      if (e instanceof QuotaExceeded) fail(ErrorCode.QuotaExceeded);
      throw e;
    }
  }
}

interface OpContext {
  session: bigint;
  auth: readonly Id[];
  zxid: number;
  time: number;
  events: TreeEvent[];
}

function checkVersion(current: number, expected: number): void {
  if (expected !== -1 && expected !== current) fail(ErrorCode.BadVersion);
}

function errorCode(e: unknown): ErrorCode {
  if (e instanceof OpError) return e.code;
  throw e;
}

function toOpResult(r: ClientResponse): OpResult {
  switch (r.type) {
    case OpCode.Create:
      return r;
    case OpCode.Create2:
    case OpCode.CreateContainer:
    case OpCode.CreateTTL:
      return { type: OpCode.Create2, path: r.path, stat: r.stat };
    case OpCode.SetData:
      return { type: OpCode.SetData, stat: r.stat };
    case OpCode.Delete:
    case OpCode.Check:
      return { type: r.type };
    default:
      throw new Error(`op ${r.type} cannot appear in a multi`);
  }
}
