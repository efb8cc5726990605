// Znode helpers shared by the recipes: parent creation and sequence-number ordering.
import { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError, NodeExistsError } from '../errors.js';
import type { Data } from '../types.js';
import { retrying } from './transient.js';

/** Joins a parent path and a child name. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/**
 * Creates `path` and its missing ancestors. Recipe folders are containers by default, so the server removes
 * them once their last child is gone; callers therefore retry a create that finds its parent missing.
 */
export async function ensurePath(client: ZooKeeperClient, path: string, mode: CreateMode = CreateMode.Container): Promise<void> {
  if (path === '/' || (await retrying(() => client.exists(path))) !== null) return;
  const segments = path.split('/').slice(1);
  for (let i = 1; i <= segments.length; i++) {
    const p = `/${segments.slice(0, i).join('/')}`;
    try {
      await retrying(() => client.create(p, null, { mode }));
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
}

/** The parent of a non-root path. */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/';
}

/**
 * Creates a non-sequential node, creating missing ancestors (as containers) when the parent is absent.
 * NodeExistsError propagates; after a lost reply it may mean the node is our own.
 */
export async function createWithParents(client: ZooKeeperClient, path: string, data: Data, mode: CreateMode): Promise<void> {
  for (;;) {
    try {
      await retrying(() => client.create(path, data, { mode }));
      return;
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      await ensurePath(client, parentOf(path));
    }
  }
}

/** Deletes a node (any version), retrying through connection loss; a missing node counts as deleted. */
export async function deleteIfExists(client: ZooKeeperClient, path: string): Promise<void> {
  try {
    await retrying(() => client.delete(path));
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  }
}

/** The counter ZooKeeper appends to sequential nodes (ten digits, at the end of the name). */
export function sequenceOf(name: string): number {
  const m = /(\d{10})$/.exec(name);
  if (!m) throw new Error(`not a sequential node name: ${name}`);
  return Number(m[1]);
}

/** Names of sequential nodes, in creation order (by counter, whatever their prefixes). */
export function bySequence(names: readonly string[]): string[] {
  return [...names].sort((a, b) => sequenceOf(a) - sequenceOf(b) || (a < b ? -1 : a > b ? 1 : 0));
}
