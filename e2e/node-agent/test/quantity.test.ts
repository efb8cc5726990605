import { describe, expect, it } from 'vitest';
import { parseQuantity } from '../src/pods/quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['512Mi', 512 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['250m', 0.25],
    ['2', 2],
    ['1k', 1000],
    ['1e3', 1000],
    ['100M', 1e8],
    ['.5', 0.5],
  ])('%s', (text, value) => expect(parseQuantity(text)).toBeCloseTo(value, 9));

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'Mi', '1 Gi', '1GB', 'ten']) expect(() => parseQuantity(bad)).toThrow(/not a resource quantity/);
  });
});
