// The Java-compatible number, date and JSON formatting the admin output relies on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Real, hexLong, javaDate, javaDouble, roundAverage } from '../../src/admin/java-format.js';
import { toJackson, type JsonValue } from '../../src/admin/json.js';

describe('Java number formatting', () => {
  it('hexLong prints two\'s complement like Long.toHexString', () => {
    expect(hexLong(0)).toBe('0');
    expect(hexLong(-1)).toBe('ffffffffffffffff');
    expect(hexLong(0x100000b3ecd0000n)).toBe('100000b3ecd0000');
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
      const hex = hexLong(v);
      expect(hex).toMatch(/^(0|[1-9a-f][0-9a-f]{0,15})$/);
      expect(BigInt.asIntN(64, BigInt(`0x${hex}`))).toBe(v);
    }));
  });

  it('javaDouble matches Double.toString samples and reads back exactly', () => {
    expect([0, 6.75, 2.7619, 21, 1234567, 1e7, 12345678.5, 0.0005].map(javaDouble)).toEqual(
      ['0.0', '6.75', '2.7619', '21.0', '1234567.0', '1.0E7', '1.23456785E7', '5.0E-4'],
    );
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      const s = javaDouble(x);
      expect(s).toMatch(/^-?\d+\.\d+(E-?\d+)?$/);
      expect(Number(s)).toBe(x === 0 ? 0 : x);
    }));
  });

  it('rounds averages to four decimals, as AvgMinMaxCounter', () => {
    expect(roundAverage(58 / 21)).toBe(2.7619);
    expect(roundAverage(0)).toBe(0);
  });

  it('javaDate prints Date.toString in UTC', () => {
    expect(javaDate(Date.UTC(2026, 10, 23, 14, 25, 36))).toBe('Mon Nov 23 14:25:36 UTC 2026');
    expect(javaDate(Date.UTC(2024, 0, 5, 3, 4, 5))).toBe('Fri Jan 05 03:04:05 UTC 2024');
  });
});

describe('Jackson-style JSON', () => {
  it('lays out objects and arrays as ZooKeeper\'s AdminServer does', () => {
    expect(toJackson(new Map<string, JsonValue>([['a', [{ b: 1 }, { c: [] }]], ['d', {}], ['e', new Real(0)], ['f', 2n ** 62n]]))).toBe(
      '{\n  "a" : [ {\n    "b" : 1\n  }, {\n    "c" : [ ]\n  } ],\n  "d" : { },\n  "e" : 0.0,\n  "f" : 4611686018427387904\n}',
    );
  });

  it('is valid JSON denoting the same value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      // -0 is written as 0, which JSON cannot tell apart anyway.
      const normalized = JSON.parse(JSON.stringify(v)) as never;
      expect(JSON.parse(toJackson(normalized))).toEqual(normalized);
    }));
  });
});
