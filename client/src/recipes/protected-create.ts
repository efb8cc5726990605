// Sequential creates that survive a lost reply. A create can succeed on the server while the connection drops
// before the reply arrives; retrying blindly would leave an orphan node (a phantom lock holder or a duplicate
// queue item). As Curator does, the name carries a fresh GUID, and after a failure we look for it first.
import { randomUUID } from 'node:crypto';
import type { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { Data } from '../types.js';
import { childPath, ensurePath } from './nodes.js';
import { isTransient, retrying } from './transient.js';

const PROTECTED = '_c_';
const GUID_LENGTH = 36;

/** Creates `<dir>/_c_<guid>-<prefix><sequence>` (creating `dir` if needed) and returns the new node's name. */
export async function createProtectedSequential(
  client: ZooKeeperClient,
  dir: string,
  prefix: string,
  data: Data,
  mode: CreateMode,
): Promise<string> {
  const tag = `${PROTECTED}${randomUUID()}-`;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      const mine = (await childrenOrEmpty(client, dir)).find((n) => n.startsWith(tag));
      if (mine !== undefined) return mine;
    }
    try {
      const path = await client.create(childPath(dir, tag + prefix), data, { mode });
      return path.slice(path.lastIndexOf('/') + 1);
    } catch (err) {
      if (err instanceof NoNodeError) await ensurePath(client, dir);
      else if (!isTransient(err)) throw err;
    }
  }
}

/** A protected name without its GUID: the prefix and sequence, e.g. `read-0000000007`. */
export function unprotectedName(name: string): string {
  return name.startsWith(PROTECTED) ? name.slice(PROTECTED.length + GUID_LENGTH + 1) : name;
}

/** The children of `dir`, or none when it does not exist. */
export async function childrenOrEmpty(client: ZooKeeperClient, dir: string): Promise<string[]> {
  try {
    return await retrying(() => client.getChildren(dir));
  } catch (err) {
    if (err instanceof NoNodeError) return [];
    throw err;
  }
}
