import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically, type ProjectedFile } from '../src/volumes/atomic-writer.js';

const files = (entries: Record<string, string>, mode = 0o644) =>
  new Map<string, ProjectedFile>(Object.entries(entries).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));

describe('writeAtomically', () => {
  it('publishes files through ..data and swaps the whole set on a change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    expect(writeAtomically(dir, files({ 'zoo.cfg': 'a=1\n', 'sub/x': 'x' }))).toBe(true);
    expect(readFileSync(join(dir, 'zoo.cfg'), 'utf8')).toBe('a=1\n');
    expect(readFileSync(join(dir, 'sub/x'), 'utf8')).toBe('x');
    expect(lstatSync(join(dir, 'zoo.cfg')).isSymbolicLink()).toBe(true);
    const first = readlinkSync(join(dir, '..data'));

    expect(writeAtomically(dir, files({ 'zoo.cfg': 'a=1\n', 'sub/x': 'x' }))).toBe(false);
    expect(readlinkSync(join(dir, '..data'))).toBe(first);

    expect(writeAtomically(dir, files({ 'zoo.cfg': 'a=2\n' }, 0o600))).toBe(true);
    expect(readFileSync(join(dir, 'zoo.cfg'), 'utf8')).toBe('a=2\n');
    expect(statSync(join(dir, 'zoo.cfg')).mode & 0o777).toBe(0o600);
    const visible = readdirSync(dir).filter((e) => !e.startsWith('..'));
    expect(visible).toEqual(['zoo.cfg']);
    // only the current generation is kept
    expect(readdirSync(dir).filter((e) => e.startsWith('..') && e !== '..data')).toHaveLength(1);
  });

  it('refuses paths that would leave the volume', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', '..data']) {
      expect(() => writeAtomically(dir, files({ [bad]: 'x' }))).toThrow(/invalid file path/);
    }
  });
});
