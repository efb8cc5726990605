import { describe, expect, it } from 'vitest';
import { comparisonTable, formatNumber, medianOfRounds } from '../src/report.js';
import type { Figure } from '../src/settings.js';

const fig = (metric: string, value: number | null, note?: string): Figure =>
  ({ scenario: 's', metric, unit: 'ms', better: 'lower', value, ...(note ? { note } : {}) });

describe('comparisonTable', () => {
  it('puts both targets on one row with the Corral/ZooKeeper ratio', () => {
    const table = comparisonTable(new Map([
      ['zookeeper', [fig('p50', 4), fig('p99', 10)]],
      ['corral', [fig('p50', 2), fig('p99', 30)]],
    ]));
    const rows = table.split('\n');
    expect(rows).toHaveLength(4);
    expect(rows[2]).toBe('| s | p50 | ms ↓ | 4.00 | 2.00 | 0.50× |');
    expect(rows[3]).toBe('| s | p99 | ms ↓ | 10.0 | 30.0 | 3.00× |');
  });

  it('shows missing figures and their reasons without a ratio', () => {
    const table = comparisonTable(new Map([
      ['zookeeper', [fig('outage', null, 'needs ensemble')]],
      ['corral', []],
    ]));
    expect(table.split('\n')[2]).toBe('| s | outage | ms ↓ | n/a (needs ensemble) | – | – |');
  });

  it('formats by magnitude', () => {
    expect(formatNumber(123456.7)).toBe('123,457');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(0.1234)).toBe('0.12');
  });
});

describe('medianOfRounds', () => {
  it('takes the median of each figure over the rounds that produced it and lists every round in the note', () => {
    const merged = medianOfRounds([
      [fig('p50', 4), fig('p99', null, 'timed out')],
      [fig('p50', 9), fig('p99', 20)],
      [fig('p50', 5), fig('p99', 10)],
    ]);
    expect(merged).toEqual([
      { ...fig('p50', 5), note: 'median of 3: 4.00, 9.00, 5.00' },
      { ...fig('p99', 15), note: 'median of 2: 20.0, 10.0; timed out' },
    ]);
  });

  it('leaves a single round as it is', () => {
    const round = [fig('p50', 4, 'one run')];
    expect(medianOfRounds([round])).toEqual(round);
  });
});

