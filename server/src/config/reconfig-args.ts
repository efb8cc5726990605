// The string arguments of the reconfig opcode (ReconfigRequest joiningServers / leavingServers / newMembers),
// split the way ZooKeeper's PrepRequestProcessor does: on commas, trimming, dropping empty items. The caller
// turns a ConfigError into BADARGUMENTS.
import { ConfigError } from './errors.js';
import { collectServers } from './dynamic-config.js';
import { parseServerSpec, type ServerSpec } from './server-line.js';
import { parseIntValue } from './values.js';

const items = (list: string): string[] =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function splitAssignment(item: string, argument: string): { key: string; value: string } {
  const parts = item.split('=');
  if (parts.length !== 2 || !parts[0]!.trim().startsWith('server.')) {
    throw new ConfigError(`${argument}: '${item}' is not of the form server.N=<server spec>`, argument);
  }
  return { key: parts[0]!.trim(), value: parts[1]!.trim() };
}

/**
 * A server id as ZooKeeper reads one in a reconfig request: any positive number. Whether Corral can take it (ids
 * are 1..255 here) is for the caller to say, after the checks ZooKeeper makes.
 */
const requestedId = (key: string, text: string) => parseIntValue(key, text, { min: 1 });

/** Incremental reconfig's joining servers: `server.N=spec` items, each with all three ports (quorum, election, client). */
export function parseJoiningServers(list: string): ServerSpec[] {
  return items(list).map((item) => {
    const { key, value } = splitAssignment(item, 'joiningServers');
    const spec = parseServerSpec(requestedId(key, key.slice('server.'.length)), value);
    if (spec.clientPort === undefined) {
      throw new ConfigError(
        `joiningServers: '${item}' has no client port; each joining server needs quorum, election and client ports`,
        'joiningServers',
      );
    }
    return spec;
  });
}

/** Incremental reconfig's leaving servers: server ids. */
export function parseLeavingServers(list: string): number[] {
  return items(list).map((item) => requestedId('leavingServers', item));
}

/** Non-incremental reconfig's new membership: `server.N=spec` items (and optionally `version=`), replacing the whole set. */
export function parseNewMembers(list: string): ServerSpec[] {
  const entries = items(list).map((item) =>
    item.startsWith('version=') ? { key: 'version', value: item.slice(8) } : splitAssignment(item, 'newMembers'),
  );
  return collectServers(entries).servers;
}
