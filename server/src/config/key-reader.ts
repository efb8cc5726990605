// zoo.cfg entries as a lookup table that remembers which keys were read, so the keys nobody read can be
// reported as unknown afterwards. Keys and values are trimmed as ZooKeeper does (String.trim), keys spelled
// `zookeeper.<key>` are folded onto `<key>`, and a key given twice keeps its last value, with a warning.
import type { ConfigWarning } from './errors.js';
import { canonicalKey } from './keys.js';
import type { PropertyEntry } from './properties.js';
import { parseBoolValue, parseDecodedInt, parseIntValue, parsePort, parseYesNo, type IntRange } from './values.js';

/** Java's String.trim: drops every leading and trailing char at or below U+0020. */
const javaTrim = (s: string): string => s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');

export class KeyReader {
  private readonly values = new Map<string, string>();
  private readonly read = new Set<string>();

  constructor(entries: readonly PropertyEntry[], warnings: ConfigWarning[]) {
    const lines = new Map<string, number>();
    for (const entry of entries) {
      const key = canonicalKey(javaTrim(entry.key));
      const earlier = lines.get(key);
      if (earlier !== undefined) {
        warnings.push({ key, message: `${key} is set on line ${earlier} and again on line ${entry.line}; the last value wins` });
      }
      lines.set(key, entry.line);
      this.values.set(key, javaTrim(entry.value));
    }
  }

  keys(): string[] {
    return [...this.values.keys()];
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** The raw value, marking the key as read. */
  string(key: string): string | undefined {
    this.read.add(key);
    return this.values.get(key);
  }

  int(key: string, fallback: number, range?: IntRange): number {
    const v = this.string(key);
    return v === undefined ? fallback : parseIntValue(key, v, range);
  }

  /** For keys ZooKeeper reads as system properties (Integer.getInteger), which accept hex and octal too. */
  decodedInt(key: string, fallback: number, range?: IntRange): number {
    const v = this.string(key);
    return v === undefined ? fallback : parseDecodedInt(key, v, range);
  }

  port(key: string, fallback: number): number {
    const v = this.string(key);
    return v === undefined ? fallback : parsePort(key, v);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.string(key);
    return v === undefined ? fallback : parseBoolValue(key, v);
  }

  yesNo(key: string, fallback: boolean): boolean {
    const v = this.string(key);
    return v === undefined ? fallback : parseYesNo(key, v);
  }

  /** Keys present in the file that no reader asked for. */
  unread(): string[] {
    return this.keys().filter((k) => !this.read.has(k));
  }
}
