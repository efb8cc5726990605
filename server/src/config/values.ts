// Typed readers for zoo.cfg values. Each throws a ConfigError naming the key and the rejected value, and each
// is stricter than ZooKeeper where ZooKeeper would silently fall back to a default (Integer.getInteger does).
import { ConfigError } from './errors.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export interface IntRange {
  min?: number;
  max?: number;
}

function badValue(key: string, value: string, expected: string): ConfigError {
  return new ConfigError(`${key}: invalid value '${value}' (expected ${expected})`, key);
}

function checkedInt(key: string, value: string, n: number, range: IntRange): number {
  const min = range.min ?? INT32_MIN;
  const max = range.max ?? INT32_MAX;
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  const expected = min === INT32_MIN && max === INT32_MAX ? 'an integer' : `an integer from ${min} to ${max}`;
  throw badValue(key, value, expected);
}

/** A decimal Java int as Integer.parseInt reads it (optional sign, digits only), optionally within [min, max]. */
export function parseIntValue(key: string, value: string, range: IntRange = {}): number {
  return checkedInt(key, value, /^[+-]?\d+$/.test(value) ? Number(value) : NaN, range);
}

/**
 * An int as Java's Integer.decode reads it, which is how ZooKeeper reads its `zookeeper.*` system properties
 * (Integer.getInteger): decimal, `0x`/`0X`/`#` hexadecimal, or octal with a leading zero.
 */
export function parseDecodedInt(key: string, value: string, range: IntRange = {}): number {
  const m = /^([+-]?)(?:(0[xX]|#)([0-9a-fA-F]+)|0([0-7]+)|([1-9]\d*|0))$/.exec(value);
  let n = NaN;
  if (m) {
    const magnitude = m[3] !== undefined ? parseInt(m[3], 16) : m[4] !== undefined ? parseInt(m[4], 8) : Number(m[5]);
    n = m[1] === '-' ? -magnitude : magnitude;
  }
  return checkedInt(key, value, n, range);
}

export function parsePort(key: string, value: string): number {
  return parseIntValue(key, value, { min: 0, max: 65535 });
}

/** `true`/`false` in any case, as QuorumPeerConfig.parseBoolean accepts. */
export function parseBoolValue(key: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw badValue(key, value, "'true' or 'false'");
}

/** `yes`/`no`, the spelling of ZooKeeper's forceSync and skipACL system properties. */
export function parseYesNo(key: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'yes') return true;
  if (lower === 'no') return false;
  throw badValue(key, value, "'yes' or 'no'");
}

/** A configuration version: hexadecimal without a 0x prefix, as ZooKeeper writes `version=`; must fit a safe integer. */
export function parseHexVersion(key: string, value: string): number {
  const n = /^[0-9a-fA-F]{1,14}$/.test(value) ? parseInt(value, 16) : NaN;
  if (!Number.isSafeInteger(n)) throw badValue(key, value, 'a hexadecimal configuration version');
  return n;
}
