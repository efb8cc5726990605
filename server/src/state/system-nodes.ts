// The nodes every ZooKeeper server has from the start.
import { CONFIG_PATH, QUOTA_PATH, ZOOKEEPER_PATH } from '../../../protocol/src/constants.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from '../tree/acl.js';
import { DataTree } from '../tree/datatree.js';

const PROTECTED = new Set(['/', ZOOKEEPER_PATH, QUOTA_PATH, CONFIG_PATH]);

/** Paths no client may delete (ZooKeeper answers BADARGUMENTS). */
export function isProtectedPath(path: string): boolean {
  return PROTECTED.has(path);
}

export function createSystemNodes(): DataTree {
  const tree = new DataTree(OPEN_ACL_UNSAFE);
  tree.create(ZOOKEEPER_PATH, Buffer.alloc(0), OPEN_ACL_UNSAFE, 0n, 0, 0);
  tree.create(QUOTA_PATH, Buffer.alloc(0), OPEN_ACL_UNSAFE, 0n, 0, 0);
  tree.create(CONFIG_PATH, Buffer.alloc(0), READ_ACL_UNSAFE, 0n, 0, 0);
  return tree;
}
