import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeTranscript, tagShellOutput } from '../transcript.js';

const render = (zxids: bigint[], sessions: bigint[]) =>
  [...zxids.map((z) => `<zxid:${z}>`), ...sessions.map((s) => `<session:0x${s.toString(16)}>`)].join(' ');

describe('normalizeTranscript', () => {
  it('is unchanged by any strictly increasing remapping of zxids and any renaming of sessions', () => {
    const zxid = fc.bigInt({ min: 1n, max: (1n << 40n) });
    fc.assert(fc.property(
      fc.array(fc.oneof(zxid, fc.constant(0n)), { maxLength: 30 }),
      fc.array(fc.bigInt({ min: 1n, max: (1n << 62n) }), { maxLength: 10 }),
      fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 0n, max: 1n << 32n }), fc.bigInt({ min: 1n, max: 1n << 20n }),
      (zs, ss, scale, offset, sessionSalt) => {
        const monotone = (z: bigint) => (z === 0n ? 0n : z * scale + offset);
        const rename = (s: bigint) => s * 1_000_003n + sessionSalt; // injective
        expect(normalizeTranscript(render(zs.map(monotone), ss.map(rename)))).toBe(normalizeTranscript(render(zs, ss)));
      }));
  });

  it('keeps equality and order: the symbol order is the value order', () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 1, maxLength: 20 }), (zs) => {
      const symbols = normalizeTranscript(render(zs, [])).split(' ').map((s) => Number(s.slice(1)));
      zs.forEach((a, i) => zs.forEach((b, j) => {
        expect(Math.sign(symbols[i]! - symbols[j]!)).toBe(a < b ? -1 : a > b ? 1 : 0);
      }));
      expect(symbols.filter((_s, i) => zs[i] === 0n).every((s) => s === 0)).toBe(true);
    }));
  });

  it('names sessions by first appearance and accepts hex and decimal', () => {
    expect(normalizeTranscript('<session:0x10> <session:7> <session:16> <zxid:0x1f> <zxid:31> <zxid:0>'))
      .toBe('S1 S2 S1 Z1 Z1 Z0');
  });
});

describe('tagShellOutput', () => {
  it('tags zkCli stat fields and drops timing and logging noise', () => {
    const out = tagShellOutput(['SLF4J: x', 'cZxid = 0x1a', 'ctime = Mon Nov 23 14:29:53 UTC 2026', 'ephemeralOwner = 0x0',
      'ephemeralOwner = 0x1000abc', 'time = 12 msec'].join('\n'));
    expect(out).toBe('cZxid = <zxid:0x1a>\nctime = <date>\nephemeralOwner = 0\nephemeralOwner = <session:0x1000abc>');
  });

  it('reads cli_mt zxids as hex and sorts its child listings', () => {
    const out = tagShellOutput(['/m: rc = 0', '\tw', '\tc', '\te', '\tname = /x', '\tczxid=1e', '\tmzxid=2'].join('\n'));
    expect(out).toBe(['/m: rc = 0', '\tc', '\te', '\tw', '\tname = /x', '\tczxid=<zxid:0x1e>', '\tmzxid=<zxid:0x2>'].join('\n'));
  });
});
