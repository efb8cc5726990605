import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedPauseMs, pausesAt, writeGap, type WriteRecord } from '../src/write-loop.js';

const ok = (sentAt: number, endedAt: number): WriteRecord => ({ sentAt, endedAt, ok: true });
const failed = (sentAt: number, endedAt: number): WriteRecord => ({ sentAt, endedAt, ok: false });

describe('writeGap', () => {
  it('finds the longest gap between successes that overlaps the window, and counts failures sent in it', () => {
    const records = [ok(0, 5), ok(5, 10), failed(10, 300), failed(320, 330), ok(350, 400), ok(400, 405), ok(1000, 1500)];
    expect(writeGap(records, 0, 350)).toEqual({ maxGapMs: 390, failed: 2 });
    expect(writeGap(records, 100, 380)).toEqual({ maxGapMs: 390, failed: 1 });
    // The 1,095 ms gap after 405 overlaps a window that reaches past 405.
    expect(writeGap(records, 100, 500)).toEqual({ maxGapMs: 1095, failed: 1 });
  });

  it('names the first failure in the window', () => {
    const records = [ok(0, 5), { ...failed(10, 20), error: 'early' }, { ...failed(30, 40), error: 'lost' }, ok(50, 60)];
    expect(writeGap(records, 25, 60)).toEqual({ maxGapMs: 55, failed: 1, firstError: 'lost' });
  });

  it('is at least every gap that lies inside the window, and never more than the largest gap', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 2, maxLength: 50 }),
      fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 5_000 }), (ends, from, span) => {
        const sorted = [...ends].sort((a, b) => a - b);
        const { maxGapMs } = writeGap(ends.map((e) => ok(e, e)), from, from + span);
        const gaps = sorted.slice(1).map((e, i) => ({ from: sorted[i]!, to: e }));
        for (const g of gaps.filter((x) => x.from >= from && x.to <= from + span)) expect(maxGapMs).toBeGreaterThanOrEqual(g.to - g.from);
        expect(maxGapMs).toBeLessThanOrEqual(Math.max(...gaps.map((g) => g.to - g.from)));
      }));
  });
});

describe('pausesAt', () => {
  it('takes the gap between the successes around each moment, once per gap', () => {
    const records = [ok(0, 10), ok(10, 20), failed(20, 300), ok(300, 320), ok(320, 330)];
    // 25 and 250 fall into the same gap (20 → 320); 325 into the next one; 400 is after the last success.
    expect(pausesAt(records, [25, 250, 325, 400])).toEqual([300, 10]);
    expect(pausesAt(records, [])).toEqual([]);
  });

  it('ignores moments before the first success', () => {
    expect(pausesAt([ok(50, 60), ok(60, 70)], [5])).toEqual([]);
  });
});

describe('expectedPauseMs', () => {
  it('weights each gap by its length, as a moment picked at random would', () => {
    // Gaps of 10, 10 and 80 ms: a random moment lands in the 80 ms gap 80% of the time.
    const records = [ok(0, 0), ok(0, 10), ok(10, 20), ok(20, 100)];
    expect(expectedPauseMs(records, 0, 100)).toBeCloseTo((10 * 10 + 10 * 10 + 80 * 80) / 100);
    expect(expectedPauseMs([ok(0, 5)], 0, 100)).toBe(0);
  });
});
