// A log-bucketed latency histogram in the spirit of HdrHistogram: values (integers, e.g. microseconds) fall into
// buckets whose width is a fixed fraction of their magnitude, so any recorded value is reported within
// 1/SUB_BUCKETS relative error at a fixed memory cost, however wide the range.

/** Sub-buckets per power of two: 64 gives at most 1/64 ≈ 1.6% relative error. */
const SUB_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BITS;
/** Values up to 2^40 (about 12.7 days in µs) are kept exactly bucketed; larger ones clamp into the top bucket. */
const MAX_EXPONENT = 40;
const BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB_BUCKETS;

/**
 * Bucket of a non-negative integer value. Values below SUB_BUCKETS each have their own bucket; above, a value
 * with its top bit at position e (e ≥ SUB_BITS) keeps its SUB_BITS bits below the top one.
 */
export function bucketOf(value: number): number {
  const v = value < 0 ? 0 : Math.floor(value);
  if (v < SUB_BUCKETS) return v;
  const e = topBit(v);
  if (e >= MAX_EXPONENT) return BUCKETS - 1;
  const sub = Math.floor(v / 2 ** (e - SUB_BITS)) - SUB_BUCKETS; // 0 … SUB_BUCKETS-1
  return (e - SUB_BITS + 1) * SUB_BUCKETS + sub;
}

/** Position of the highest set bit of a positive integer (log2 rounded down, exact near powers of two). */
function topBit(v: number): number {
  if (v < 2 ** 31) return 31 - Math.clz32(v);
  let e = Math.floor(Math.log2(v));
  if (2 ** e > v) e--;
  else if (2 ** (e + 1) <= v) e++;
  return e;
}

/** The smallest value that falls into a bucket. */
export function bucketLow(bucket: number): number {
  if (bucket < SUB_BUCKETS) return bucket;
  const e = Math.floor(bucket / SUB_BUCKETS) - 1 + SUB_BITS;
  const sub = bucket % SUB_BUCKETS;
  return (SUB_BUCKETS + sub) * 2 ** (e - SUB_BITS);
}

/** The largest value that falls into a bucket. */
export function bucketHigh(bucket: number): number {
  return bucket + 1 >= BUCKETS ? Number.MAX_SAFE_INTEGER : bucketLow(bucket + 1) - 1;
}

/** The histogram in a compact form that survives JSON (IPC between generator processes). */
export interface HistogramData {
  /** [bucket, count] pairs for the non-empty buckets. */
  buckets: [number, number][];
  min: number;
  max: number;
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  private n = 0;
  private lo = Infinity;
  private hi = -Infinity;

  get count(): number {
    return this.n;
  }

  /** Smallest and largest values recorded exactly (NaN when empty). */
  get min(): number {
    return this.n === 0 ? NaN : this.lo;
  }

  get max(): number {
    return this.n === 0 ? NaN : this.hi;
  }

  record(value: number): void {
    this.counts[bucketOf(value)]!++;
    this.n++;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  /**
   * The value at quantile q (0 < q ≤ 1): the upper end of the bucket holding the ceil(q·n)-th smallest value,
   * capped by the exact maximum, so the answer never undershoots the true quantile by more than a bucket's width.
   */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return Math.max(this.lo, Math.min(bucketHigh(b), this.hi));
    }
    return this.hi;
  }

  merge(other: Histogram | HistogramData): void {
    const data = other instanceof Histogram ? other.toData() : other;
    for (const [b, c] of data.buckets) {
      this.counts[b]! += c;
      this.n += c;
    }
    if (data.buckets.length > 0) {
      this.lo = Math.min(this.lo, data.min);
      this.hi = Math.max(this.hi, data.max);
    }
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    for (let b = 0; b < BUCKETS; b++) if (this.counts[b]! > 0) buckets.push([b, this.counts[b]!]);
    return { buckets, min: this.n ? this.lo : 0, max: this.n ? this.hi : 0 };
  }

  static fromData(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }
}
