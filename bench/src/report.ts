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

/**
 * One figure per (scenario, metric) from several rounds of the same scenario: the median of the rounds that
 * produced a value, with every round's value in the note. The machine's noise (other tenants, CPU frequency)
 * moves single runs by tens of percent; a median of rounds run alternately for both targets moves much less.
 */
export function medianOfRounds(rounds: readonly Figure[][]): Figure[] {
  if (rounds.length === 1) return [...rounds[0]!];
  const key = (f: Figure) => `${f.scenario}\u0000${f.metric}`;
  const byKey = new Map<string, Figure[]>();
  for (const round of rounds) {
    for (const f of round) {
      const list = byKey.get(key(f));
      if (list) list.push(f);
      else byKey.set(key(f), [f]);
    }
  }
  return [...byKey.values()].map((figs) => {
    const values = figs.map((f) => f.value).filter((v): v is number => v !== null);
    const first = figs[0]!;
    const note = figs.find((f) => f.note)?.note;
    if (values.length === 0) return first;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    const spread = `median of ${values.length}: ${values.map(formatNumber).join(', ')}`;
    return { ...first, value: median, note: note ? `${spread}; ${note}` : spread };
  });
}

