// ZooKeeper's dynamic configuration text: the `server.N=` lines plus `version=<hex>`, as stored in the
// dynamicConfigFile (zoo.cfg.dynamic.<hexversion>) and served as the data of /zookeeper/config.
import { basename } from 'node:path';
import { ConfigError } from './errors.js';
import { parseProperties } from './properties.js';
import { formatServerLine, parseServerSpec, serverIdOfKey, type ServerSpec } from './server-line.js';
import { parseHexVersion } from './values.js';

export interface DynamicConfig {
  /** Sorted by id. */
  servers: ServerSpec[];
  /** The `version=` value, when the text has one. */
  version: number | undefined;
}

/** Whether a key belongs to the dynamic part of a configuration (and so may not sit beside dynamicConfigFile). */
export const isDynamicKey = (key: string): boolean =>
  key.startsWith('server.') || key.startsWith('group') || key.startsWith('weight');

/** Reads server.N and version keys; rejects hierarchical quorums, which Corral does not implement. */
export function collectServers(entries: Iterable<{ key: string; value: string }>): DynamicConfig {
  const byId = new Map<number, ServerSpec>();
  let version: number | undefined;
  for (const { key, value } of entries) {
    if (key.startsWith('server.')) {
      const id = serverIdOfKey(key);
      byId.set(id, parseServerSpec(id, value));
    } else if (key === 'version') {
      version = parseHexVersion(key, value);
    } else if (key.startsWith('group') || key.startsWith('weight')) {
      throw new ConfigError(`${key}: hierarchical quorums (group.N / weight.N) are not supported by Corral`, key);
    }
  }
  return { servers: [...byId.values()].sort((a, b) => a.id - b.id), version };
}

/** Parses a dynamic config file or /zookeeper/config text; any key other than server.N and version is an error, as in ZooKeeper. */
export function parseDynamicConfig(text: string, source = 'dynamic config'): DynamicConfig {
  const entries = parseProperties(text).map((e) => ({ key: e.key.trim(), value: e.value.trim() }));
  for (const { key } of entries) {
    if (key !== 'version' && !isDynamicKey(key)) {
      throw new ConfigError(`${source}: unrecognised parameter '${key}' (only server.N and version belong here)`, key);
    }
  }
  return collectServers(entries);
}

/**
 * The text ZooKeeper's QuorumMaj.toString produces: one server line per member in id order, then
 * `version=<hex>`, joined by newlines with no trailing newline.
 */
export function formatDynamicConfig(
  servers: readonly ServerSpec[],
  version: number,
  options: { hideNeverLeader?: boolean } = {},
): string {
  const lines = [...servers].sort((a, b) => a.id - b.id).map((s) => formatServerLine(s, options));
  lines.push(`version=${version.toString(16)}`);
  return lines.join('\n');
}

/** ZooKeeper names dynamic files `<zoo.cfg>.dynamic.<hexversion>`; the suffix after the last dot, if hex, is the version. */
export function versionFromFilename(path: string): number | undefined {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  if (dot < 0) return undefined;
  const suffix = name.slice(dot + 1);
  if (!/^[0-9a-fA-F]{1,13}$/.test(suffix)) return undefined;
  return parseInt(suffix, 16);
}
