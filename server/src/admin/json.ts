// JSON as ZooKeeper's AdminServer writes it (Jackson's default pretty printer): `"key" : value`, objects indented
// by two spaces per object level, arrays inline (`[ 1, 2 ]`, `[ ]`). Session ids are 64-bit and are written as
// exact integers (bigint), as Jackson writes Java longs; Real values keep their fraction digit ("0.0").
import { Real, javaDouble } from './java-format.js';

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Real
  | JsonValue[]
  | ReadonlyMap<string, JsonValue>
  | { readonly [key: string]: JsonValue };

export function toJackson(value: JsonValue): string {
  return write(value, 0);
}

function write(v: JsonValue, nesting: number): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'number':
      return Number.isInteger(v) ? String(v) : javaDouble(v);
    case 'string':
      return JSON.stringify(v);
  }
  if (v instanceof Real) return javaDouble(v.value);
  if (Array.isArray(v)) return v.length === 0 ? '[ ]' : `[ ${v.map((x) => write(x, nesting)).join(', ')} ]`;
  const entries = v instanceof Map ? [...v] : Object.entries(v);
  if (entries.length === 0) return '{ }';
  const pad = '  '.repeat(nesting + 1);
  const body = entries.map(([k, x]) => `\n${pad}${JSON.stringify(k)} : ${write(x as JsonValue, nesting + 1)}`).join(',');
  return `{${body}\n${'  '.repeat(nesting)}}`;
}
