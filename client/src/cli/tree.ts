// Walking a subtree, as zkCli's ls -R and deleteall do.
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError } from '../errors.js';

/** `root` and all its descendants in breadth-first order (what zkCli's ls -R prints); [] if root is missing. */
export async function subtree(zk: ZooKeeperClient, root: string): Promise<string[]> {
  if ((await zk.exists(root)) === null) return [];
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    const node = out[i]!;
    let children: string[];
    try {
      children = await zk.getChildren(node);
    } catch (err) {
      if (err instanceof NoNodeError) continue; // removed while walking
      throw err;
    }
    for (const c of children.sort()) out.push(node === '/' ? `/${c}` : `${node}/${c}`);
  }
  return out;
}
