// zkCli's quota commands over the quota znodes (format in protocol/src/quota.ts).
import {
  CreateMode, formatLimits, LIMIT_NODE, limitsPath, NO_LIMITS, parseStatsTrack, QUOTA_PATH, quotaDir, statsPath,
  type QuotaLimits,
} from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError, NodeExistsError } from '../errors.js';
import { subtree } from './tree.js';

/** A failure the CLI reports with exit code 1 (not a ZooKeeper error code). */
export class QuotaError extends Error {}

async function createIfMissing(zk: ZooKeeperClient, path: string, data: string | null = null): Promise<boolean> {
  try {
    await zk.create(path, data, { mode: CreateMode.Persistent });
    return true;
  } catch (err) {
    if (err instanceof NodeExistsError) return false;
    throw err;
  }
}

async function readLimits(zk: ZooKeeperClient, path: string): Promise<QuotaLimits | null> {
  try {
    const { data } = await zk.getData(limitsPath(path));
    return { ...NO_LIMITS, ...parseStatsTrack(data?.toString('utf8') ?? '') };
  } catch (err) {
    if (err instanceof NoNodeError) return null;
    throw err;
  }
}

/** Sets the given limits on `path` (others keep their value), creating the quota nodes as zkCli does. */
export async function setQuota(zk: ZooKeeperClient, path: string, change: Partial<QuotaLimits>): Promise<void> {
  if (path.startsWith(QUOTA_PATH)) throw new QuotaError(`cannot set a quota under the path: ${QUOTA_PATH}`);
  if ((await zk.exists(path)) === null) throw new NoNodeError(path);
  const segments = path.split('/').filter(Boolean);
  for (let i = 1; i < segments.length; i++) {
    const ancestor = `/${segments.slice(0, i).join('/')}`;
    if (await readLimits(zk, ancestor)) throw new QuotaError(`${path} has a parent ${ancestor} which has a quota`);
  }
  for (const descendant of await subtree(zk, quotaDir(path))) {
    if (descendant.endsWith(`/${LIMIT_NODE}`) && descendant !== limitsPath(path)) {
      throw new QuotaError(`${path} has a child ${descendant.slice(QUOTA_PATH.length, -LIMIT_NODE.length - 1)} which has a quota`);
    }
  }
  let dir = QUOTA_PATH;
  await createIfMissing(zk, '/zookeeper');
  await createIfMissing(zk, QUOTA_PATH);
  for (const s of segments) await createIfMissing(zk, (dir = `${dir}/${s}`));
  const current = await readLimits(zk, path);
  const limits = formatLimits({ ...(current ?? NO_LIMITS), ...change });
  if (current === null && (await createIfMissing(zk, limitsPath(path), limits))) {
    await createIfMissing(zk, statsPath(path), 'count=0,bytes=0');
  } else {
    await zk.setData(limitsPath(path), limits);
  }
}

/** The limits and usage zkCli's listquota prints; throws QuotaError when `path` has no quota. */
export async function listQuota(zk: ZooKeeperClient, path: string): Promise<{ limits: string; stats: string }> {
  try {
    const limits = (await zk.getData(limitsPath(path))).data?.toString('utf8') ?? '';
    const stats = (await zk.getData(statsPath(path))).data?.toString('utf8') ?? '';
    return { limits, stats };
  } catch (err) {
    if (err instanceof NoNodeError) throw new QuotaError(`quota for ${path} does not exist.`);
    throw err;
  }
}

/**
 * Without fields, removes the quota of `path` (and quota directories left empty); with fields, resets just
 * those limits to -1.
 */
export async function delQuota(zk: ZooKeeperClient, path: string, fields: (keyof QuotaLimits)[]): Promise<void> {
  const current = await readLimits(zk, path);
  if (current === null) throw new QuotaError(`quota for ${path} does not exist.`);
  if (fields.length > 0) {
    for (const f of fields) current[f] = -1;
    await zk.setData(limitsPath(path), formatLimits(current));
    return;
  }
  for (const node of (await subtree(zk, quotaDir(path))).reverse()) await zk.delete(node);
  // Trim quota directories that no longer hold anything.
  for (let dir = quotaDir(path); dir.length > QUOTA_PATH.length; dir = dir.slice(0, dir.lastIndexOf('/'))) {
    const stat = await zk.exists(dir);
    if (stat === null) continue;
    if (stat.numChildren > 0) break;
    await zk.delete(dir);
  }
}
