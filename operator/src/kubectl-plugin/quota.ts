// Quota usage against the declared limits: spec.quotas says what should be, status.quotaPaths what the operator
// manages, and a member's `corral listquota` what the ensemble enforces and how much of it is used.
import { parseLimits, parseStatsTrack } from 'corral/protocol';
import type { CoordinationCluster, Quota } from '../api/index.js';
import type { Output } from './members.js';

/** What the ensemble holds for one path: hard limits (-1: none) and usage. */
export interface EnsembleQuota {
  countHardLimit: number;
  byteHardLimit: number;
  count: number;
  bytes: number;
}

export interface QuotaRow {
  path: string;
  /** The declared limits; undefined for a path dropped from spec.quotas whose quota the operator still removes. */
  declared?: Pick<Quota, 'maxNodes' | 'maxBytes'>;
  /** What the ensemble holds; null when it has no quota on the path; undefined when not asked or no answer. */
  ensemble?: EnsembleQuota | null;
}

/**
 * Reads `corral listquota <path>` output:
 *   absolute path is /zookeeper/quota/app/zookeeper_limits
 *   Output quota for /app count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=10
 *   Output stat for /app count=4,bytes=12
 * null when the path has no quota ("quota for /app does not exist.", exit 1); throws on anything else.
 */
export function parseListQuota(path: string, out: Output): EnsembleQuota | null {
  if (out.code !== 0) {
    if (out.stderr.includes(`quota for ${path} does not exist`)) return null;
    throw new Error(`listquota ${path}: ${out.stderr.trim() || `exit ${out.code}`}`);
  }
  const line = (prefix: string) => {
    const found = out.stdout.split('\n').find((l) => l.startsWith(`${prefix} ${path} `));
    if (found === undefined) throw new Error(`listquota ${path}: no "${prefix}" line in ${JSON.stringify(out.stdout)}`);
    return found.slice(prefix.length + path.length + 2);
  };
  const limits = parseLimits(Buffer.from(line('Output quota for')));
  const stats = parseStatsTrack(line('Output stat for'));
  return { countHardLimit: limits.countHardLimit, byteHardLimit: limits.byteHardLimit, count: stats.count ?? 0, bytes: stats.bytes ?? 0 };
}

/** The paths to show: the spec's, then those the operator still manages (being removed). */
export function quotaRows(cc: CoordinationCluster): QuotaRow[] {
  const declared = cc.spec.quotas ?? [];
  const rows: QuotaRow[] = declared.map((q) => ({
    path: q.path,
    declared: { ...(q.maxNodes !== undefined ? { maxNodes: q.maxNodes } : {}), ...(q.maxBytes !== undefined ? { maxBytes: q.maxBytes } : {}) },
  }));
  for (const path of cc.status?.quotaPaths ?? []) if (!declared.some((q) => q.path === path)) rows.push({ path });
  return rows;
}

/** Whether the ensemble enforces what is declared. */
export function quotaState(row: QuotaRow): 'applied' | 'pending' | 'removing' | 'unknown' {
  if (row.ensemble === undefined) return 'unknown';
  if (row.declared === undefined) return 'removing';
  if (row.ensemble === null) return 'pending';
  const same = (declared: number | undefined, held: number) => (declared ?? -1) === held;
  return same(row.declared.maxNodes, row.ensemble.countHardLimit) && same(row.declared.maxBytes, row.ensemble.byteHardLimit) ? 'applied' : 'pending';
}
