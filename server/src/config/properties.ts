// A reader for Java's `.properties` syntax (java.util.Properties.load), which is what zoo.cfg and ZooKeeper's
// dynamic config files are written in. Differences from Java: input is a JS string (the caller decides the
// encoding; Java reads ISO-8859-1 from a stream), and duplicate keys are all returned, in order, so the caller can
// warn about them (Java silently keeps the last one).
import { ConfigError } from './errors.js';

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based number of the natural line the entry starts on. */
  line: number;
}

/** Parses properties text into its entries, in file order. Throws ConfigError on a malformed \uXXXX escape. */
export function parseProperties(text: string): PropertyEntry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  let next = 0;
  while (next < lines.length) {
    const line = next + 1;
    let current = stripLeadingBlanks(lines[next++]!);
    if (current === '' || current[0] === '#' || current[0] === '!') continue;
    let logical = '';
    // A line ending in an odd number of backslashes continues on the next natural line, whose leading
    // blanks are dropped; an empty continuation line (or the end of input) ends the entry.
    while (endsWithOddBackslashes(current)) {
      logical += current.slice(0, -1);
      current = next < lines.length ? stripLeadingBlanks(lines[next++]!) : '';
      if (current === '') break;
    }
    logical += current;
    entries.push({ ...splitKeyValue(logical, line), line });
  }
  return entries;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\f';

function stripLeadingBlanks(s: string): string {
  let i = 0;
  while (isBlank(s[i])) i++;
  return s.slice(i);
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  while (n < s.length && s[s.length - 1 - n] === '\\') n++;
  return n % 2 === 1;
}

/** The key ends at the first unescaped blank, '=' or ':'; blanks and at most one '=' or ':' then separate it from the value. */
function splitKeyValue(logical: string, line: number): { key: string; value: string } {
  let keyEnd = 0;
  let escaped = false;
  let hasSeparator = false;
  let valueStart = logical.length;
  for (; keyEnd < logical.length; keyEnd++) {
    const c = logical[keyEnd]!;
    if (!escaped && (c === '=' || c === ':' || isBlank(c))) {
      hasSeparator = c === '=' || c === ':';
      valueStart = keyEnd + 1;
      break;
    }
    escaped = c === '\\' && !escaped;
  }
  for (; valueStart < logical.length; valueStart++) {
    const c = logical[valueStart]!;
    if (isBlank(c)) continue;
    if (!hasSeparator && (c === '=' || c === ':')) {
      hasSeparator = true;
      continue;
    }
    break;
  }
  return {
    key: unescape(logical.slice(0, keyEnd), line),
    value: unescape(logical.slice(valueStart), line),
  };
}

const SIMPLE_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(s: string, line: number): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i === s.length - 1) {
      out += c;
      continue;
    }
    const e = s[++i]!;
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError(`line ${line}: malformed \\uxxxx escape '\\u${hex}'`);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[e] ?? e;
    }
  }
  return out;
}
