// Requests answered from this member's copy of the tree, without the log: reads, watch registration and the
// session-local calls. Each returns the reply's error code and body; ACL and watch rules follow ZooKeeper's
// FinalRequestProcessor.
import {
  encodeGetDataBody, encodeReply, ErrorCode, EventType, OpCode, Perms, sharedBodyReply, WatcherType,
  type ClientRequest, type ClientResponse, type Id, type MultiReadOp, type OpResult, type ReplyBytes,
} from 'corral/protocol';
import { permits } from '../tree/acl.js';
import type { DataTree } from '../tree/datatree.js';
import { invalidPathReason } from '../tree/paths.js';
import { statOf, type ZNode } from '../tree/znode.js';
import { opClass, type OpCodeOf, type RequestOf } from './opcodes.js';
import type { Watcher, WatchManager } from './watches.js';

export interface ReadContext {
  tree: DataTree;
  watches: WatchManager;
  watcher: Watcher;
  auth: readonly Id[];
  skipAcl: boolean;
  session: bigint;
}

export interface Answer {
  err: ErrorCode;
  body?: ClientResponse;
  /** `body` encoded once per node version and shared by every reader of it (large getData replies). */
  sharedBody?: Buffer;
}

/** The reply frame for an answer: one Buffer, or a head plus the shared body. */
export function encodeAnswer(xid: number, zxid: number, a: Answer): ReplyBytes {
  if (a.err === ErrorCode.Ok && a.sharedBody) return sharedBodyReply(xid, zxid, a.sharedBody);
  return encodeReply(xid, zxid, a.err, a.body);
}

/**
 * Nodes at least this big have their getData body encoded once per version: a herd of readers then costs one
 * copy of the data, not one per reader. Smaller ones are cheaper to copy than to keep twice.
 */
export const SHARED_BODY_MIN_BYTES = 8 * 1024;

/** The encoded body and everything it was encoded from that can change (the rest of the Stat never does). */
interface EncodedBody {
  data: Buffer | null;
  mzxid: number;
  version: number;
  cversion: number;
  children: number;
  pzxid: number;
  aversion: number;
  body: Buffer;
}

/** Per node (dropped with it): the body of its last version read. Nodes are mutated in place, hence the check. */
const encodedBodies = new WeakMap<ZNode, EncodedBody>();

function sharedGetDataBody(node: ZNode): Buffer {
  const known = encodedBodies.get(node);
  if (known && known.data === node.data && known.mzxid === node.mzxid && known.version === node.version &&
    known.cversion === node.cversion && known.children === node.children.size && known.pzxid === node.pzxid &&
    known.aversion === node.aversion) {
    return known.body;
  }
  const body = encodeGetDataBody(node.data, statOf(node));
  encodedBodies.set(node, { data: node.data, mzxid: node.mzxid, version: node.version, cversion: node.cversion,
    children: node.children.size, pzxid: node.pzxid, aversion: node.aversion, body });
  return body;
}

/** Requests answered here: the opcodes of class `read` in the opcode table. */
export type ReadRequest = RequestOf<OpCodeOf<'read'>>;

export function isReadRequest(req: ClientRequest): req is ReadRequest {
  return isReadOp(req.type);
}

/** Whether an opcode is one of the requests answered here from the tree (see isReadRequest). */
export function isReadOp(type: number): boolean {
  return opClass(type) === 'read';
}

const ok = (body: ClientResponse): Answer => ({ err: ErrorCode.Ok, body });
const error = (err: ErrorCode): Answer => ({ err });

export function answerRead(req: ReadRequest, ctx: ReadContext): Answer {
  const { tree, watches, watcher } = ctx;
  if ('path' in req && invalidPathReason(req.path) !== undefined) return error(ErrorCode.BadArguments);
  switch (req.type) {
    case OpCode.Exists: {
      if (req.watch) watches.addData(req.path, watcher);
      const node = tree.get(req.path);
      return node ? ok({ type: OpCode.Exists, stat: statOf(node) }) : error(ErrorCode.NoNode);
    }
    case OpCode.GetData:
    case OpCode.GetChildren:
      return answerMultiReadOp(req, ctx, true);
    case OpCode.GetChildren2: {
      const node = tree.get(req.path);
      if (!node) return error(ErrorCode.NoNode);
      if (!readable(node.acl, ctx)) return error(ErrorCode.NoAuth);
      if (req.watch) watches.addChild(req.path, watcher);
      return ok({ type: OpCode.GetChildren2, children: [...node.children], stat: statOf(node) });
    }
    case OpCode.GetACL: {
      const node = tree.get(req.path);
      if (!node) return error(ErrorCode.NoNode);
      if (!permits(node.acl, Perms.Read | Perms.Admin, ctx.auth, ctx.skipAcl)) return error(ErrorCode.NoAuth);
      return ok({ type: OpCode.GetACL, acl: [...node.acl], stat: statOf(node) });
    }
    case OpCode.GetAllChildrenNumber: {
      const node = tree.get(req.path);
      if (!node) return error(ErrorCode.NoNode);
      if (!readable(node.acl, ctx)) return error(ErrorCode.NoAuth);
      let total = 0;
      for (const _ of tree.descendants(req.path)) total++;
      return ok({ type: OpCode.GetAllChildrenNumber, totalNumber: total });
    }
    case OpCode.GetEphemerals: {
      const prefix = req.prefixPath;
      const ephemerals = [...tree.ephemeralsOf(ctx.session)].filter((p) => prefix === '/' || p.startsWith(prefix));
      return ok({ type: OpCode.GetEphemerals, ephemerals: ephemerals.sort() });
    }
    case OpCode.MultiRead:
      return ok({ type: OpCode.MultiRead, results: req.ops.map((op) => toReadResult(answerMultiReadOp(op, ctx))) });
    case OpCode.AddWatch:
      if (req.mode !== 0 && req.mode !== 1) return error(ErrorCode.BadArguments);
      watches.addPersistent(req.path, watcher, req.mode === 1);
      return ok({ type: OpCode.AddWatch });
    case OpCode.CheckWatches:
    case OpCode.RemoveWatches: {
      const found = watches.matching(watcher, req.path, req.watcherType as WatcherType, req.type === OpCode.RemoveWatches);
      return found ? ok({ type: req.type }) : error(ErrorCode.NoWatcher);
    }
    case OpCode.WhoAmI:
      return ok({
        type: OpCode.WhoAmI,
        clientInfo: ctx.auth.map((id) => ({ authScheme: id.scheme, user: id.scheme === 'digest' ? id.id.split(':')[0]! : id.id })),
      });
  }
}

/** `share`: a large getData body is also given encoded, shared (not inside a multiRead, whose body is one). */
function answerMultiReadOp(req: MultiReadOp, ctx: ReadContext, share = false): Answer {
  const node = ctx.tree.get(req.path);
  if (!node) return error(ErrorCode.NoNode);
  if (!readable(node.acl, ctx)) return error(ErrorCode.NoAuth);
  if (req.type === OpCode.GetData) {
    if (req.watch) ctx.watches.addData(req.path, ctx.watcher);
    const answer = ok({ type: OpCode.GetData, data: node.data, stat: statOf(node) });
    if (share && (node.data?.length ?? 0) >= SHARED_BODY_MIN_BYTES) answer.sharedBody = sharedGetDataBody(node);
    return answer;
  }
  if (req.watch) ctx.watches.addChild(req.path, ctx.watcher);
  return ok({ type: OpCode.GetChildren, children: [...node.children] });
}

function toReadResult(a: Answer): OpResult {
  if (a.err !== ErrorCode.Ok || !a.body) return { type: OpCode.Error, err: a.err };
  return a.body as OpResult;
}

function readable(acl: Parameters<typeof permits>[0], ctx: ReadContext): boolean {
  return permits(acl, Perms.Read, ctx.auth, ctx.skipAcl);
}

/**
 * setWatches/setWatches2 after a reconnect: fires at once for what changed since `relativeZxid` (as
 * ZooKeeper's DataTree.setWatches), registers the rest.
 */
export function restoreWatches(
  req: Extract<ClientRequest, { type: OpCode.SetWatches | OpCode.SetWatches2 }>,
  tree: DataTree,
  watches: WatchManager,
  watcher: Watcher,
): void {
  const rel = req.relativeZxid;
  for (const path of req.dataWatches) {
    const node = tree.get(path);
    if (!node) watcher.notify(EventType.NodeDeleted, path);
    else if (node.mzxid > rel) watcher.notify(EventType.NodeDataChanged, path);
    else watches.addData(path, watcher);
  }
  for (const path of req.existWatches) {
    if (tree.has(path)) watcher.notify(EventType.NodeCreated, path);
    else watches.addData(path, watcher);
  }
  for (const path of req.childWatches) {
    const node = tree.get(path);
    if (!node) watcher.notify(EventType.NodeDeleted, path);
    else if (node.pzxid > rel) watcher.notify(EventType.NodeChildrenChanged, path);
    else watches.addChild(path, watcher);
  }
  if (req.type === OpCode.SetWatches2) {
    for (const path of req.persistentWatches) watches.addPersistent(path, watcher, false);
    for (const path of req.persistentRecursiveWatches) watches.addPersistent(path, watcher, true);
  }
}
