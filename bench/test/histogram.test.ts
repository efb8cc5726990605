import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram, bucketHigh, bucketLow, bucketOf } from '../src/histogram.js';

/** The exact q-quantile as the histogram defines it: the ceil(q·n)-th smallest value. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

const values = fc.array(fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 2 ** 36 })), { minLength: 1, maxLength: 300 });

describe('Histogram', () => {
  it('puts every value inside the bounds of its bucket, buckets in increasing order', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 39 }), (v) => {
      const b = bucketOf(v);
      expect(bucketLow(b)).toBeLessThanOrEqual(v);
      expect(bucketHigh(b)).toBeGreaterThanOrEqual(v);
      expect(bucketOf(v + 1)).toBeGreaterThanOrEqual(b);
    }));
  });

  it('keeps bucket widths within 1/64 of their values', () => {
    for (const v of [63, 64, 127, 128, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 38 - 1]) {
      const b = bucketOf(v);
      expect(bucketHigh(b) - bucketLow(b)).toBeLessThanOrEqual(Math.max(0, v / 64));
    }
  });

  it('reports quantiles no lower than the exact one and within one bucket of it', () => {
    fc.assert(fc.property(values, fc.double({ min: 0.001, max: 1, noNaN: true }), (xs, q) => {
      const h = new Histogram();
      for (const x of xs) h.record(x);
      const exact = exactQuantile([...xs].sort((a, b) => a - b), q);
      const got = h.quantile(q);
      expect(got).toBeGreaterThanOrEqual(exact);
      expect(got).toBeLessThanOrEqual(Math.max(exact, bucketHigh(bucketOf(exact))));
    }));
  });

  it('tracks count, exact min and max; the top quantile is the max', () => {
    fc.assert(fc.property(values, (xs) => {
      const h = new Histogram();
      for (const x of xs) h.record(x);
      expect(h.count).toBe(xs.length);
      expect(h.min).toBe(Math.min(...xs));
      expect(h.max).toBe(Math.max(...xs));
      expect(h.quantile(1)).toBe(Math.max(...xs));
    }));
  });

  it('merging serialized parts equals recording everything in one histogram', () => {
    fc.assert(fc.property(values, values, (a, b) => {
      const whole = new Histogram();
      const left = new Histogram();
      const right = new Histogram();
      for (const x of a) (whole.record(x), left.record(x));
      for (const x of b) (whole.record(x), right.record(x));
      const merged = Histogram.fromData(JSON.parse(JSON.stringify(left.toData())));
      merged.merge(JSON.parse(JSON.stringify(right.toData())));
      expect(merged.toData()).toEqual(whole.toData());
      for (const q of [0.5, 0.99, 0.999]) expect(merged.quantile(q)).toBe(whole.quantile(q));
    }));
  });

  it('is empty-safe', () => {
    const h = new Histogram();
    expect(h.quantile(0.5)).toBeNaN();
    expect(h.max).toBeNaN();
    h.merge(new Histogram());
    expect(h.count).toBe(0);
  });
});
