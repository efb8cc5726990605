// The znode tree: raw, trusted mutations that keep ZooKeeper's Stat semantics and the indexes the member needs
// (ephemerals by session, containers, TTL nodes). Permission, version and quota checks happen in the apply
// layer; this module only changes state, records how to undo each change (for all-or-nothing multi) and tells
// an observer about every node just before it changes (for snapshots taken while the tree keeps changing).
import type { ACL } from 'corral/protocol';
import { AclCache } from './acl.js';
import { childPath, nameOf, parentOf } from './paths.js';
import { CONTAINER_OWNER, isEphemeralOwner, ttlOf, type ZNode } from './znode.js';

export interface TreeObserver {
  /** Called with a node's current state before it is changed or removed, and with undefined before a path is created. */
  beforeChange(path: string, node: ZNode | undefined): void;
}

type Undo = () => void;

export class DataTree {
  private readonly nodes = new Map<string, ZNode>();
  private readonly ephemerals = new Map<bigint, Set<string>>();
  readonly containers = new Set<string>();
  readonly ttlNodes = new Set<string>();
  private journal: Undo[] | undefined;
  private observer: TreeObserver | undefined;
  private readonly acls = new AclCache();
  /** ZooKeeper's approximate data size: the sum of path lengths and data lengths. */
  approximateDataSize = 0;

  constructor(rootAcl: readonly ACL[]) {
    this.nodes.set('/', newNode(Buffer.alloc(0), this.acls.share(rootAcl), 0n, 0, 0));
    this.approximateDataSize = 1;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  get(path: string): ZNode | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  paths(): IterableIterator<string> {
    return this.nodes.keys();
  }

  entries(): IterableIterator<[string, ZNode]> {
    return this.nodes.entries();
  }

  ephemeralsOf(session: bigint): ReadonlySet<string> {
    return this.ephemerals.get(session) ?? EMPTY;
  }

  sessionsWithEphemerals(): IterableIterator<bigint> {
    return this.ephemerals.keys();
  }

  setObserver(observer: TreeObserver | undefined): void {
    this.observer = observer;
  }

  /** Runs `fn`; if it throws, every tree change it made is undone and the error rethrown. */
  atomically<T>(fn: () => T): T {
    const outer = this.journal;
    const journal: Undo[] = [];
    this.journal = journal;
    try {
      const result = fn();
      if (outer) outer.push(...journal);
      return result;
    } catch (e) {
      for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
      throw e;
    } finally {
      this.journal = outer;
    }
  }

  /**
   * Registers how to undo a change to state derived from the tree but kept outside it (such as an index), so a
   * failed atomically() block reverts that too. Outside atomically() it does nothing.
   */
  recordUndo(undo: () => void): void {
    this.record(undo);
  }

  /** Adds a node whose parent exists; counts the create in the parent's cversion and sets its pzxid. */
  create(path: string, data: Buffer | null, acl: readonly ACL[], owner: bigint, zxid: number, time: number): ZNode {
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath)!;
    this.touch(parentPath, parent);
    this.touch(path, undefined);
    data = ownCopy(data);
    const node = newNode(data, this.acls.share(acl), owner, zxid, time);
    const oldCversion = parent.cversion;
    const oldPzxid = parent.pzxid;
    const name = nameOf(path);
    parent.children.add(name);
    parent.cversion++;
    parent.pzxid = zxid;
    this.nodes.set(path, node);
    this.index(path, owner);
    this.approximateDataSize += path.length + len(data);
    this.record(() => {
      this.unindex(path, owner);
      this.nodes.delete(path);
      parent.children.delete(name);
      parent.cversion = oldCversion;
      parent.pzxid = oldPzxid;
      this.approximateDataSize -= path.length + len(data);
    });
    return node;
  }

  /** Removes a childless node and moves the parent's pzxid forward (its create counter stays). */
  delete(path: string, zxid: number): ZNode {
    const node = this.nodes.get(path)!;
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath)!;
    this.touch(parentPath, parent);
    this.touch(path, node);
    const oldPzxid = parent.pzxid;
    const name = nameOf(path);
    parent.children.delete(name);
    if (zxid > parent.pzxid) parent.pzxid = zxid;
    this.nodes.delete(path);
    this.unindex(path, node.ephemeralOwner);
    this.approximateDataSize -= path.length + len(node.data);
    this.record(() => {
      this.nodes.set(path, node);
      this.index(path, node.ephemeralOwner);
      parent.children.add(name);
      parent.pzxid = oldPzxid;
      this.approximateDataSize += path.length + len(node.data);
    });
    return node;
  }

  setData(path: string, data: Buffer | null, zxid: number, time: number): ZNode {
    const node = this.nodes.get(path)!;
    this.touch(path, node);
    const { data: oldData, mzxid, mtime, version } = node;
    data = ownCopy(data);
    node.data = data;
    node.mzxid = zxid;
    node.mtime = time;
    node.version = version + 1;
    this.approximateDataSize += len(data) - len(oldData);
    this.record(() => {
      node.data = oldData;
      node.mzxid = mzxid;
      node.mtime = mtime;
      node.version = version;
      this.approximateDataSize -= len(data) - len(oldData);
    });
    return node;
  }

  /** Replaces a node's data without touching its Stat, as ZooKeeper does for quota stats nodes. */
  setRawData(path: string, data: Buffer): void {
    const node = this.nodes.get(path)!;
    this.touch(path, node);
    const oldData = node.data;
    node.data = data;
    this.approximateDataSize += len(data) - len(oldData);
    this.record(() => {
      node.data = oldData;
      this.approximateDataSize -= len(data) - len(oldData);
    });
  }

  setAcl(path: string, acl: readonly ACL[]): ZNode {
    const node = this.nodes.get(path)!;
    this.touch(path, node);
    const { acl: oldAcl, aversion } = node;
    node.acl = this.acls.share(acl);
    node.aversion = aversion + 1;
    this.record(() => {
      node.acl = oldAcl;
      node.aversion = aversion;
    });
    return node;
  }

  /** Restores a node exactly as a snapshot recorded it (parents are created as placeholders if needed). */
  restore(path: string, node: ZNode): void {
    const existing = this.nodes.get(path);
    if (existing) node.children = existing.children;
    node.acl = this.acls.share(node.acl);
    this.nodes.set(path, node);
    this.index(path, node.ephemeralOwner);
    this.approximateDataSize += (existing ? -len(existing.data) : path.length) + len(node.data);
    if (path === '/') return;
    const parentPath = parentOf(path);
    let parent = this.nodes.get(parentPath);
    if (!parent) {
      parent = newNode(Buffer.alloc(0), [], 0n, 0, 0);
      this.restore(parentPath, parent);
    }
    parent.children.add(nameOf(path));
  }

  /** Every descendant of `path` (not `path` itself), parents before children. */
  *descendants(path: string): Generator<string> {
    const node = this.nodes.get(path);
    if (!node) return;
    for (const name of node.children) {
      const child = childPath(path, name);
      yield child;
      yield* this.descendants(child);
    }
  }

  private touch(path: string, node: ZNode | undefined): void {
    this.observer?.beforeChange(path, node);
  }

  private record(undo: Undo): void {
    this.journal?.push(undo);
  }

  private index(path: string, owner: bigint): void {
    if (owner === 0n) return;
    if (owner === CONTAINER_OWNER) this.containers.add(path);
    else if (ttlOf(owner) !== undefined) this.ttlNodes.add(path);
    else if (isEphemeralOwner(owner)) {
      let set = this.ephemerals.get(owner);
      if (!set) this.ephemerals.set(owner, (set = new Set()));
      set.add(path);
    }
  }

  private unindex(path: string, owner: bigint): void {
    if (owner === 0n) return;
    this.containers.delete(path);
    this.ttlNodes.delete(path);
    const set = this.ephemerals.get(owner);
    if (set) {
      set.delete(path);
      if (set.size === 0) this.ephemerals.delete(owner);
    }
  }
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Node data as a buffer of its own. Request data arrives as a view into a larger buffer (a socket read, a log
 * entry); keeping the view would pin that whole buffer for as long as the node lives.
 */
function ownCopy(data: Buffer | null): Buffer | null {
  return data === null || data.byteLength === data.buffer.byteLength ? data : Buffer.from(data);
}

function len(data: Buffer | null): number {
  return data?.length ?? 0;
}

function newNode(data: Buffer | null, acl: readonly ACL[], owner: bigint, zxid: number, time: number): ZNode {
  return {
    data,
    acl,
    czxid: zxid,
    mzxid: zxid,
    pzxid: zxid,
    ctime: time,
    mtime: time,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: owner,
    children: new Set(),
  };
}
