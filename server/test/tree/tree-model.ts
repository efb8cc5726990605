// Helpers shared by the data-tree tests: a deep, comparable picture of a tree (nodes and every index), and
// random raw mutations that respect DataTree's preconditions (parent exists, deleted nodes are childless).
import fc from 'fast-check';
import type { ACL } from '../../../protocol/src/records.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from '../../src/tree/acl.js';
import type { DataTree } from '../../src/tree/datatree.js';
import { childPath } from '../../src/tree/paths.js';
import { CONTAINER_OWNER, ttlOwner } from '../../src/tree/znode.js';

/** Everything observable about a tree, in a form toEqual compares deeply. */
export function picture(tree: DataTree) {
  const nodes = [...tree.entries()]
    .map(([path, n]) => ({
      path,
      data: n.data === null ? null : n.data.toString('hex'),
      acl: JSON.stringify(n.acl),
      stat: [n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion, n.ephemeralOwner],
      children: [...n.children].sort(),
    }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const ephemerals = [...tree.sessionsWithEphemerals()]
    .sort()
    .map((s) => [s, [...tree.ephemeralsOf(s)].sort()]);
  return {
    nodes,
    ephemerals,
    containers: [...tree.containers].sort(),
    ttlNodes: [...tree.ttlNodes].sort(),
    approximateDataSize: tree.approximateDataSize,
    nodeCount: tree.nodeCount,
  };
}

export type RawOp =
  | { kind: 'create'; parent: number; name: string; data: Buffer | null; owner: number }
  | { kind: 'delete'; target: number }
  | { kind: 'setData'; target: number; data: Buffer | null }
  | { kind: 'setRawData'; target: number; data: Buffer }
  | { kind: 'setAcl'; target: number; acl: number };

const data = fc.option(fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)), { nil: null, freq: 4 });

export const rawOp: fc.Arbitrary<RawOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('create' as const), parent: fc.nat(), name: fc.constantFrom('a', 'b', 'c', 'dd'), data, owner: fc.nat(5) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), target: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('setData' as const), target: fc.nat(), data }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setRawData' as const), target: fc.nat(), data: fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setAcl' as const), target: fc.nat(), acl: fc.nat(1) }) },
);

const OWNERS = [0n, 0n, 11n, 12n, CONTAINER_OWNER, ttlOwner(5000)];
const ACLS: readonly (readonly ACL[])[] = [OPEN_ACL_UNSAFE, READ_ACL_UNSAFE];

/**
 * Applies `op` to the tree if it fits the current shape (else does nothing) and reports what happened, so
 * a model can follow along. Ephemeral nodes never get children, as in ZooKeeper.
 */
export function applyRawOp(tree: DataTree, op: RawOp, zxid: number): { kind: RawOp['kind']; path: string } | undefined {
  const paths = [...tree.paths()].sort();
  const pick = (i: number) => paths[i % paths.length]!;
  switch (op.kind) {
    case 'create': {
      const parent = pick(op.parent);
      const owner = OWNERS[op.owner]!;
      const parentOwner = tree.get(parent)!.ephemeralOwner;
      if (parentOwner === 11n || parentOwner === 12n) return undefined;
      const path = childPath(parent, op.name);
      if (tree.has(path)) return undefined;
      tree.create(path, op.data, OPEN_ACL_UNSAFE, owner, zxid, zxid * 10);
      return { kind: 'create', path };
    }
    case 'delete': {
      const path = pick(op.target);
      if (path === '/' || tree.get(path)!.children.size > 0) return undefined;
      tree.delete(path, zxid);
      return { kind: 'delete', path };
    }
    case 'setData':
      tree.setData(pick(op.target), op.data, zxid, zxid * 10);
      return { kind: 'setData', path: pick(op.target) };
    case 'setRawData':
      tree.setRawData(pick(op.target), op.data);
      return { kind: 'setRawData', path: pick(op.target) };
    case 'setAcl':
      tree.setAcl(pick(op.target), ACLS[op.acl]!);
      return { kind: 'setAcl', path: pick(op.target) };
  }
}
