// The operator's zoo.cfg key lists against the member's parser (server/src/config): a test-time check, since the
// operator must not depend on server/src when it runs.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../../server/src/config/index.js';
import {
  CONFIG_INT_MAX,
  isOwnedConfigKey,
  REFUSED_CONFIG_KEYS,
  USER_CONFIG_KEYS,
  type UserConfigKey,
} from '../../src/api/config-keys.js';

const configDir = join(import.meta.dirname, '../../../server/src/config');
const dataDir = mkdtempSync(join(tmpdir(), 'corral-config-keys-'));
writeFileSync(join(dataDir, 'myid'), '1\n');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A three-voter member config, as the operator writes one, with `overrides` replacing or adding keys. */
function parse(overrides: Record<string, string>): LoadedConfig {
  const entries: Record<string, string> = {
    dataDir,
    initLimit: '10',
    syncLimit: '5',
    'server.1': '127.0.0.1:2888:3888;2181',
    'server.2': '127.0.0.2:2888:3888;2181',
    'server.3': '127.0.0.3:2888:3888;2181',
    ...overrides,
  };
  return parseConfig(Object.entries(entries).map(([k, v]) => `${k}=${v}`).join('\n'), { baseDir: dataDir });
}

/** The parsed settings, without the echo of the file's text. */
function settings(overrides: Record<string, string>): unknown {
  const { initialConfig: _text, ...rest } = parse(overrides).config;
  return rest;
}

/** Keys whose range depends on another key: a large minSessionTimeout needs a larger maxSessionTimeout (a CEL rule checks that). */
const COMPANIONS: Record<string, Record<string, string>> = { minSessionTimeout: { maxSessionTimeout: String(CONFIG_INT_MAX) } };

/** Whether the member takes `value` for `key` without an error or a warning about it. */
function accepted(key: string, value: string): boolean {
  try {
    return !parse({ ...COMPANIONS[key], [key]: value }).warnings.some((w) => w.key === key);
  } catch (err) {
    if ((err as { key?: string }).key !== key) throw err;
    return false;
  }
}

/** Refused, warned about, or silently read as `replacement` (as a negative autopurge.purgeInterval reads as 0). */
const refusedOrReplaced = (key: string, value: string, replacement: string): boolean =>
  !accepted(key, value) || isDeepStrictEqual(settings({ [key]: value }), settings({ [key]: replacement }));

const userKeys = Object.entries(USER_CONFIG_KEYS) as Array<[string, UserConfigKey]>;

describe('spec.config keys against the member', () => {
  it('every key the member reads is settable, owned by the operator, or refused with a reason', () => {
    const source = readdirSync(configDir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(configDir, f), 'utf8'))
      .join('\n');
    const read = new Set([...source.matchAll(/\b(?:r\.(?:string|int|decodedInt|port|bool|yesNo)|readPath)\('([^']+)'/g)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThan(30); // the scan still finds the reads
    const unclassified = [...read].filter((k) => !(k in USER_CONFIG_KEYS) && !isOwnedConfigKey(k) && !(k in REFUSED_CONFIG_KEYS));
    expect(unclassified).toEqual([]);
    for (const key of [...Object.keys(USER_CONFIG_KEYS), ...Object.keys(REFUSED_CONFIG_KEYS)]) expect(read).toContain(key);
  });

  it('no key is both settable and owned', () => {
    expect(userKeys.filter(([k]) => isOwnedConfigKey(k))).toEqual([]);
    expect(isOwnedConfigKey('server.7')).toBe(true);
    expect(isOwnedConfigKey('admin.serverPort')).toBe(true);
    expect(isOwnedConfigKey('dataDir')).toBe(true);
    expect(isOwnedConfigKey('dataDirectory')).toBe(false);
  });

  it.each(userKeys)('%s: the example value is accepted and changes the member', (key, { example }) => {
    const { warnings } = parse({ [key]: example });
    expect(warnings.filter((w) => w.key === key)).toEqual([]);
    expect(settings({ [key]: example })).not.toEqual(settings({}));
  });

  it.each(userKeys.filter(([, k]) => k.kind === 'integer'))('%s: integers from min to the Java int range, as the CEL rule says', (key, k) => {
    const min = k.min!;
    expect(accepted(key, String(min))).toBe(true);
    expect(accepted(key, String(CONFIG_INT_MAX))).toBe(true);
    expect(refusedOrReplaced(key, String(min - 1), String(min))).toBe(true);
    expect(accepted(key, String(CONFIG_INT_MAX + 1))).toBe(false);
    expect(accepted(key, 'ten')).toBe(false);
  });

  it.each(userKeys.filter(([, k]) => k.kind === 'boolean'))('%s: true or false in any case', (key) => {
    expect(settings({ [key]: 'TRUE' })).toEqual(settings({ [key]: 'true' }));
    expect(accepted(key, 'yes')).toBe(false);
  });

  it.each(userKeys.filter(([, k]) => k.kind === 'yesNo'))('%s: yes or no in any case', (key) => {
    expect(settings({ [key]: 'NO' })).toEqual(settings({ [key]: 'no' }));
    expect(accepted(key, 'false')).toBe(false);
  });
});
