import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { parseProperties } from '../../src/config/properties.js';

const pairs = (text: string) => parseProperties(text).map((e) => [e.key, e.value]);

describe('parseProperties', () => {
  it('accepts =, : and blanks as separators, with blanks around them', () => {
    expect(pairs('a=1\nb:2\nc 3\nd \t= 4\ne  :  5\nf\t6')).toEqual([
      ['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5'], ['f', '6'],
    ]);
  });

  it('takes only the first separator; later ones belong to the value', () => {
    expect(pairs('a:=b\nc = = d\ne=f=g\nh i=j')).toEqual([
      ['a', '=b'], ['c', '= d'], ['e', 'f=g'], ['h', 'i=j'],
    ]);
  });

  it('gives an empty value to a lone key or a key with a bare separator', () => {
    expect(pairs('alone\nempty=\n  spaced   ')).toEqual([['alone', ''], ['empty', ''], ['spaced', '']]);
  });

  it('skips comments and blank lines, but only where a line starts', () => {
    expect(pairs('# c1\n! c2\n   # indented\n\n \t \nk=v # not a comment\n')).toEqual([['k', 'v # not a comment']]);
  });

  it('keeps trailing blanks of values (trimming is the caller\'s business)', () => {
    expect(pairs('k=v  ')).toEqual([['k', 'v  ']]);
  });

  it('joins continuation lines, dropping their leading blanks', () => {
    expect(pairs('list=a,\\\n    b,\\\n\tc\nnext=1')).toEqual([['list', 'a,b,c'], ['next', '1']]);
  });

  it('does not continue after an even number of backslashes', () => {
    expect(pairs('a=x\\\\\nb=y')).toEqual([['a', 'x\\'], ['b', 'y']]);
  });

  it('ends an entry at an empty continuation line or at the end of input', () => {
    expect(pairs('a=x\\\n\nb=y\\')).toEqual([['a', 'x'], ['b', 'y']]);
    expect(pairs('a=x\\\n   \nb=y')).toEqual([['a', 'x'], ['b', 'y']]);
  });

  it('never continues a comment line', () => {
    expect(pairs('# comment \\\nk=v')).toEqual([['k', 'v']]);
  });

  it('does not treat # at the start of a continuation line as a comment', () => {
    expect(pairs('k=a\\\n  #b')).toEqual([['k', 'a#b']]);
  });

  it('decodes escapes in keys and values', () => {
    expect(pairs('t\\tk=\\t\\n\\r\\f\\u0041\\u00e9\\q\\\\')).toEqual([['t\tk', '\t\n\r\fAéq\\']]);
  });

  it('lets escaped separators and blanks be part of a key', () => {
    expect(pairs('a\\=b=c\nd\\:e:f\ng\\ h i')).toEqual([['a=b', 'c'], ['d:e', 'f'], ['g h', 'i']]);
  });

  it('rejects a malformed \\u escape, naming the line', () => {
    expect(() => parseProperties('ok=1\nbad=\\u12g4')).toThrow(ConfigError);
    expect(() => parseProperties('ok=1\nbad=\\u12g4')).toThrow(/line 2: malformed \\uxxxx/);
    expect(() => parseProperties('bad=\\u12')).toThrow(/line 1/);
  });

  it('handles \\n, \\r\\n and \\r line ends and reports starting line numbers', () => {
    const entries = parseProperties('a=1\r\nb=2\rc=\\\r\n 3\nd=4');
    expect(entries).toEqual([
      { key: 'a', value: '1', line: 1 },
      { key: 'b', value: '2', line: 2 },
      { key: 'c', value: '3', line: 3 },
      { key: 'd', value: '4', line: 5 },
    ]);
  });

  it('returns duplicates in order', () => {
    expect(parseProperties('k=1\nk=2').map((e) => e.value)).toEqual(['1', '2']);
  });
});

// An independent writer in the style of java.util.Properties.store, used as an oracle: whatever it writes
// must parse back to the same keys and values. It returns one token per source character so a test can break
// the line between tokens (never inside an escape).
function escapeTokens(s: string, isKey: boolean): string[] {
  return [...s].map((c, i) => {
    if (c === '\\' || c === '=' || c === ':' || c === '#' || c === '!') return `\\${c}`;
    if (c === ' ') return isKey || i === 0 ? '\\ ' : ' ';
    const named: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f' };
    if (named[c]) return named[c];
    if (c.charCodeAt(0) < 0x20 || c.length > 1) {
      return [...Array(c.length).keys()].map((j) => `\\u${c.charCodeAt(j).toString(16).padStart(4, '0')}`).join('');
    }
    return c;
  });
}

describe('parseProperties round trip', () => {
  const unit = fc.oneof(
    fc.constantFrom(' ', '\t', '\n', '\r', '\\', '=', ':', '#', '!', '\f', 'u'),
    fc.string({ minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const text = fc.array(unit, { maxLength: 12 }).map((cs) => cs.join(''));
  const separator = fc.constantFrom('=', ':', ' ', ' = ', '\t:\t', '  ');
  const row = fc.record({
    key: text.filter((k) => k !== ''),
    value: text,
    sep: separator,
    indent: fc.constantFrom('', ' ', '\t '),
    wrapAt: fc.nat(),
  });

  it('parses what a Properties writer emits, whatever the separators, indentation and line breaks', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 8 }), fc.constantFrom('\n', '\r\n', '\r'), (rows, eol) => {
        const body = rows
          .map(({ key, value, sep, indent, wrapAt }) => {
            const tokens = escapeTokens(value, false);
            // A continuation drops the next line's leading blanks, so never break right before a literal blank.
            const cut = wrapAt % (tokens.length + 1);
            const v =
              cut > 0 && cut < tokens.length && tokens[cut] !== ' '
                ? `${tokens.slice(0, cut).join('')}\\${eol}    ${tokens.slice(cut).join('')}`
                : tokens.join('');
            return `${indent}${escapeTokens(key, true).join('')}${sep}${v}`;
          })
          .join(eol);
        expect(pairs(body)).toEqual(rows.map((r) => [r.key, r.value]));
      }),
      { numRuns: 300 },
    );
  });
});
