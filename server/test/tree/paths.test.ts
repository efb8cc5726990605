import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { childPath, invalidPathReason, nameOf, parentOf, sequentialSuffix } from '../../src/tree/paths.js';

describe('invalidPathReason', () => {
  it.each(['/', '/a', '/a/b', '/a.b/..c', '/.../x', '/zookeeper/quota', '/ünïcode', '/a b'])('accepts %j', (p) => {
    expect(invalidPathReason(p)).toBeUndefined();
  });

  it.each([
    ['', 'path length must be > 0'],
    ['a', 'path must start with / character'],
    ['/a/', 'path must not end with / character'],
    ['//', 'path must not end with / character'],
    ['/a//b', 'empty node name specified @3'],
    ['/a/./b', 'relative paths not allowed @4'],
    ['/a/../b', 'relative paths not allowed @5'],
    ['/..', 'relative paths not allowed @3'],
    ['/a\u0000b', 'invalid character @2'],
    ['/a\u0001', 'invalid character @2'],
    ['/a\u0085', 'invalid character @2'],
    ['/\ud800x', 'invalid character @1'],
    ['/\ufff5', 'invalid character @1'],
  ])('rejects %j with "%s"', (p, reason) => {
    expect(invalidPathReason(p)).toBe(reason);
  });

  it('accepts every path built from valid names', () => {
    const name = fc.stringMatching(/^[a-zA-Z0-9_\-.:]{1,8}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 6 }), (names) => {
        const path = '/' + names.join('/');
        expect(invalidPathReason(path)).toBeUndefined();
        expect(parentOf(path)).toBe(names.length === 1 ? '/' : '/' + names.slice(0, -1).join('/'));
        expect(nameOf(path)).toBe(names.at(-1));
        expect(childPath(parentOf(path), nameOf(path))).toBe(path);
      }),
    );
  });
});

describe('path helpers', () => {
  it('parent, name and child of the root level', () => {
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/')).toBe('/');
    expect(childPath('/', 'a')).toBe('/a');
    expect(childPath('/a', 'b')).toBe('/a/b');
  });

  it('sequential suffix is %010d of the counter, as Java formats negatives', () => {
    expect(sequentialSuffix(0)).toBe('0000000000');
    expect(sequentialSuffix(42)).toBe('0000000042');
    expect(sequentialSuffix(2147483647)).toBe('2147483647');
    expect(sequentialSuffix(-5)).toBe('-000000005');
    expect(sequentialSuffix(-2147483648)).toBe('-2147483648');
  });
});
