// ZooKeeper-compatible quota enforcement over the quota znodes (format in protocol/src/quota.ts). The server keeps
// each zookeeper_stats node current without bumping its version. Only the deepest quota above a path counts for
// it, as in ZooKeeper.
import { formatUsage, LIMIT_NODE, limitsPath, parseLimits, QUOTA_PATH, STAT_NODE, statsPath } from 'corral/protocol';
import type { DataTree } from '../tree/datatree.js';
import { parentOf } from '../tree/paths.js';

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
    const limits = parseLimits(this.tree.get(limitsPath(prefix))?.data ?? null);
    const usage = parseLimits(this.tree.get(statsPath(prefix))?.data ?? null);
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
    const stat = statsPath(prefix);
    const node = this.tree.get(stat);
    if (!node) return;
    const usage = parseLimits(node.data);
    this.tree.setRawData(stat, Buffer.from(formatUsage(usage.count + countDiff, usage.bytes + bytesDiff)));
  }

  /** Sets the stats node of a quota'd path to the subtree's actual usage. */
  private recount(prefix: string): void {
    if (!this.tree.has(prefix) || !this.tree.has(statsPath(prefix))) return;
    let count = 1;
    let bytes = this.tree.get(prefix)!.data?.length ?? 0;
    for (const p of this.tree.descendants(prefix)) {
      count++;
      bytes += this.tree.get(p)!.data?.length ?? 0;
    }
    this.tree.setRawData(statsPath(prefix), Buffer.from(formatUsage(count, bytes)));
  }

  /** For /zookeeper/quota/<p>/<leaf> returns <p>; else undefined. */
  private quotaPrefixOf(path: string, leaf: string): string | undefined {
    if (!path.startsWith(QUOTA_PATH + '/') || !path.endsWith('/' + leaf)) return undefined;
    const prefix = path.slice(QUOTA_PATH.length, path.length - leaf.length - 1);
    return prefix.length > 0 ? prefix : undefined;
  }
}
