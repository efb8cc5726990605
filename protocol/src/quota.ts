// ZooKeeper's quota znodes, shared by the client (zkCli's setquota/listquota) and the server (enforcement).
// A quota on /app lives in /zookeeper/quota/app/zookeeper_limits as StatsTrack text
// ("count=10,bytes=-1=;byteHardLimit=-1;countHardLimit=-1": count and bytes first for pre-3.5 parsers, the newer
// keys after an extra "=" and sorted); the server keeps usage in the sibling zookeeper_stats ("count=..,bytes=..").
import { QUOTA_PATH } from './constants.js';

export const LIMIT_NODE = 'zookeeper_limits';
export const STAT_NODE = 'zookeeper_stats';

export interface QuotaLimits {
  count: number;
  bytes: number;
  countHardLimit: number;
  byteHardLimit: number;
}

export const NO_LIMITS: Readonly<QuotaLimits> = { count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1 };

/** Every key=value of a StatsTrack text, split on both separators ZooKeeper versions have written. */
export function parseStatsTrack(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of text.split(/[,;]+/)) {
    if (pair === '') continue;
    const [key, value] = pair.split('=');
    const n = value === undefined || value === '' ? -1 : Number(value);
    if (Number.isFinite(n)) out[key!.trim()] = n;
  }
  return out;
}

/** A limits or stats node's content as QuotaLimits (missing keys are -1, "no limit"). */
export function parseLimits(data: Buffer | null): QuotaLimits {
  const parsed = data ? parseStatsTrack(data.toString('utf8')) : {};
  const pick = (k: keyof QuotaLimits) => parsed[k] ?? NO_LIMITS[k];
  return { count: pick('count'), bytes: pick('bytes'), countHardLimit: pick('countHardLimit'), byteHardLimit: pick('byteHardLimit') };
}

export function formatLimits(l: QuotaLimits): string {
  return `count=${l.count},bytes=${l.bytes}=;byteHardLimit=${l.byteHardLimit};countHardLimit=${l.countHardLimit}`;
}

export function formatUsage(count: number, bytes: number): string {
  return `count=${count},bytes=${bytes}`;
}

/** The quota directory of a path: /zookeeper/quota/<path>. */
export const quotaDir = (path: string) => (path === '/' ? QUOTA_PATH : QUOTA_PATH + path);
export const limitsPath = (path: string) => `${quotaDir(path)}/${LIMIT_NODE}`;
export const statsPath = (path: string) => `${quotaDir(path)}/${STAT_NODE}`;
