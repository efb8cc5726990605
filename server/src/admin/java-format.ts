// How ZooKeeper's Java code prints numbers and dates in admin output, so Corral's text matches byte for byte.

/** Long.toHexString: the 64-bit two's complement in lower-case hex, without leading zeros (so -1 is 16 f's). */
export function hexLong(value: bigint | number): string {
  return BigInt.asUintN(64, BigInt(value)).toString(16);
}

/** A value Java holds as a double: printed with a fractional part ("0.0", "6.75") in text and JSON alike. */
export class Real {
  constructor(readonly value: number) {}
}

/** Double.toString: always a fraction digit, and computerized scientific notation outside [1e-3, 1e7). */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) {
    const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
  }
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

/** ZooKeeper's AvgMinMaxCounter rounds averages to 4 decimals (half up) before printing them. */
export function roundAverage(avg: number): number {
  return Math.round(avg * 1e4) / 1e4;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** java.util.Date.toString ("Mon Nov 23 14:25:36 UTC 2026"), always in UTC. */
export function javaDate(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`;
}

/** How Java's InetSocketAddress names an IPv4 peer that Node reports as IPv4-mapped IPv6. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
