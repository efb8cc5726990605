// ZooKeeper-compatible quotas. A quota on /app lives in /zookeeper/quota/app/zookeeper_limits (text
// "count=..,bytes=..[,countHardLimit=..,byteHardLimit=..]", written by zkCli setquota) and its usage in the sibling
// zookeeper_stats node ("count=..,bytes=.."), which the server keeps current without bumping its version. Only the
// deepest quota above a path counts for it, as in ZooKeeper.
import { QUOTA_PATH } from '../../../protocol/src/constants.js';
import type { DataTree } from '../tree/datatree.js';
import { parentOf } from '../tree/paths.js';

export const LIMIT_NODE = 'zookeeper_limits';
export const STAT_NODE = 'zookeeper_stats';

export interface QuotaLimits {
  count: number;
  bytes: number;
  countHardLimit: number;
  byteHardLimit: number;
}

export function parseStats(data: Buffer | null): QuotaLimits {
  const out: QuotaLimits = { count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 };
  if (!data) return out;
  // zkCli 3.8 writes limits as "count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2": split on both separators.
  for (const part of data.toString('utf8').split(/[,;]/)) {
    const [k, v] = part.split('=');
    if (k !== undefined && v !== undefined && k.trim() in out) {
      const n = Number(v.trim());
      if (Number.isFinite(n)) out[k.trim() as keyof QuotaLimits] = n;
    }
  }
  return out;
}

function formatStats(count: number, bytes: number): Buffer {
  return Buffer.from(`count=${count},bytes=${bytes}`);
}

export class QuotaExceeded extends Error {}

export class Quotas {
  /** Quota'd paths (those with a limits node). */
  private readonly prefixes = new Set<string>();

  constructor(private readonly tree: DataTree) {}

  /** Rebuilds the quota index from the tree (after loading a snapshot). */
  rebuild(): void {
    this.prefixes.clear();
    for (const path of this.tree.paths()) {
      const prefix = this.quotaPrefixOf(path, LIMIT_NODE);
      if (prefix) this.prefixes.add(prefix);
    }
  }

  /** The deepest quota'd path at or above `path`, as ZooKeeper's getMaxPrefixWithQuota. */
  maxPrefix(path: string): string | undefined {
    if (this.prefixes.size === 0) return undefined;
    for (let p = path; ; p = parentOf(p)) {
      if (p === '/' || p === '/zookeeper') return undefined;
      if (this.prefixes.has(p)) return p;
    }
  }

  /** Throws QuotaExceeded when a hard limit would be passed (call only with enforceQuota on). */
  check(path: string, bytesDiff: number, countDiff: number): void {
    const prefix = this.maxPrefix(path);
    if (!prefix) return;
    const limits = parseStats(this.tree.get(limitPath(prefix))?.data ?? null);
    const usage = parseStats(this.tree.get(statPath(prefix))?.data ?? null);
    if (countDiff !== 0 && limits.countHardLimit > -1 && usage.count + countDiff > limits.countHardLimit) {
      throw new QuotaExceeded(prefix);
    }
    if (bytesDiff !== 0 && limits.byteHardLimit > -1 && usage.bytes + bytesDiff > limits.byteHardLimit) {
      throw new QuotaExceeded(prefix);
    }
  }

  /** Keeps indexes and usage current after a node was created. */
  created(path: string, dataLength: number): void {
    const limitOf = this.quotaPrefixOf(path, LIMIT_NODE);
    if (limitOf) this.setQuotaed(limitOf, true);
    const statOf = this.quotaPrefixOf(path, STAT_NODE);
    if (statOf) this.recount(statOf);
    this.adjust(path, dataLength, 1);
  }

  deleted(path: string, dataLength: number): void {
    const limitOf = this.quotaPrefixOf(path, LIMIT_NODE);
    if (limitOf) this.setQuotaed(limitOf, false);
    this.adjust(path, -dataLength, -1);
  }

  /** Changes the index inside the tree's undo journal, so a failed multi restores it with the limits node. */
  private setQuotaed(prefix: string, on: boolean): void {
    const was = this.prefixes.has(prefix);
    if (on) this.prefixes.add(prefix);
    else this.prefixes.delete(prefix);
    this.tree.recordUndo(() => {
      if (was) this.prefixes.add(prefix);
      else this.prefixes.delete(prefix);
    });
  }

  dataChanged(path: string, bytesDiff: number): void {
    this.adjust(path, bytesDiff, 0);
  }

  private adjust(path: string, bytesDiff: number, countDiff: number): void {
    const prefix = this.maxPrefix(path);
    if (!prefix) return;
    const stat = statPath(prefix);
    const node = this.tree.get(stat);
    if (!node) return;
    const usage = parseStats(node.data);
    this.tree.setRawData(stat, formatStats(usage.count + countDiff, usage.bytes + bytesDiff));
  }

  /** Sets the stats node of a quota'd path to the subtree's actual usage. */
  private recount(prefix: string): void {
    if (!this.tree.has(prefix) || !this.tree.has(statPath(prefix))) return;
    let count = 1;
    let bytes = this.tree.get(prefix)!.data?.length ?? 0;
    for (const p of this.tree.descendants(prefix)) {
      count++;
      bytes += this.tree.get(p)!.data?.length ?? 0;
    }
    this.tree.setRawData(statPath(prefix), formatStats(count, bytes));
  }

  /** For /zookeeper/quota/<p>/<leaf> returns <p>; else undefined. */
  private quotaPrefixOf(path: string, leaf: string): string | undefined {
    if (!path.startsWith(QUOTA_PATH + '/') || !path.endsWith('/' + leaf)) return undefined;
    const prefix = path.slice(QUOTA_PATH.length, path.length - leaf.length - 1);
    return prefix.length > 0 ? prefix : undefined;
  }
}

export function limitPath(prefix: string): string {
  return `${QUOTA_PATH}${prefix}/${LIMIT_NODE}`;
}

export function statPath(prefix: string): string {
  return `${QUOTA_PATH}${prefix}/${STAT_NODE}`;
}
