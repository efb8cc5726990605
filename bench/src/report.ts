// The comparison table: one row per figure, a column per target, and Corral's figure divided by ZooKeeper's.
import type { TargetKind } from './deploy.js';
import type { Figure } from './settings.js';

const TITLES: Record<TargetKind, string> = { zookeeper: 'ZooKeeper', corral: 'Corral' };
const ARROWS: Record<Figure['better'], string> = { higher: ' ↑', lower: ' ↓', neither: '' };

export function formatNumber(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 100) return Math.round(v).toLocaleString('en-US');
  if (abs >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cell(f: Figure | undefined): string {
  if (!f) return '–';
  const value = f.value === null ? 'n/a' : formatNumber(f.value);
  return f.note ? `${value} (${f.note})` : value;
}

function ratio(zk: Figure | undefined, corral: Figure | undefined): string {
  if (!zk || !corral || zk.value === null || corral.value === null || zk.value === 0) return '–';
  return `${(corral.value / zk.value).toFixed(2)}×`;
}

/**
 * A Markdown table of every figure, in the order the scenarios produced them. Units carry ↑ when higher is
 * better and ↓ when lower is; the ratio is Corral ÷ ZooKeeper.
 */
export function comparisonTable(results: Map<TargetKind, Figure[]>): string {
  const key = (f: Figure) => `${f.scenario}\u0000${f.metric}`;
  const rows = new Map<string, Figure>();
  for (const figs of results.values()) for (const f of figs) if (!rows.has(key(f))) rows.set(key(f), f);
  const lookup = (kind: TargetKind, k: string) => results.get(kind)?.find((f) => key(f) === k);
  const lines = [
    `| scenario | metric | unit | ${TITLES.zookeeper} | ${TITLES.corral} | Corral/ZK |`,
    '|---|---|---|--:|--:|--:|',
  ];
  for (const [k, f] of rows) {
    const zk = lookup('zookeeper', k);
    const corral = lookup('corral', k);
    lines.push(`| ${f.scenario} | ${f.metric} | ${f.unit}${ARROWS[f.better]} | ${cell(zk)} | ${cell(corral)} | ${ratio(zk, corral)} |`);
  }
  return lines.join('\n');
}
