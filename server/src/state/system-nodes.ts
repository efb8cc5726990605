// The nodes every ZooKeeper server has from the start.
import { CONFIG_PATH, QUOTA_PATH, ZOOKEEPER_PATH } from 'corral/protocol';
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
  // ZooKeeper adds these nodes without counting them as child creations (so the first sequential child of /
  // is 0000000000 and / shows cversion -1), and its config node starts at aversion -1.
  tree.get('/')!.cversion = 0;
  tree.get(ZOOKEEPER_PATH)!.cversion = 0;
  tree.get(CONFIG_PATH)!.aversion = -1;
  return tree;
}
