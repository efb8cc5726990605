// The effective configuration as ZooKeeper's `conf` four-letter word prints it (ZooKeeperServer.dumpConf, and
// QuorumZooKeeperServer.dumpConf's quorum fields and membership for an ensemble member).
import { join } from 'node:path';
import { formatDynamicConfig } from './dynamic-config.js';
import type { MemberConfig } from './member-config.js';

export interface DirectorySizes {
  /** Bytes of snapshots under dataDir. */
  dataDirSize: number;
  /** Bytes of transaction logs under dataLogDir. */
  dataLogSize: number;
}

/**
 * The `key=value` pairs of `conf`, in ZooKeeper's order. ZooKeeper prints its snapshot and log directories,
 * which are the configured ones plus `version-2`. No secure client port is served, hence -1. For an ensemble
 * member, electionAlg is 3 (the only value ZooKeeper accepts) and peerType is 1 for observers, else 0.
 */
export function confEntries(config: MemberConfig, sizes: DirectorySizes): Array<[string, string | number]> {
  const entries: Array<[string, string | number]> = [
    ['clientPort', config.clientPort],
    ['secureClientPort', -1],
    ['dataDir', join(config.dataDir, 'version-2')],
    ['dataDirSize', sizes.dataDirSize],
    ['dataLogDir', join(config.dataLogDir, 'version-2')],
    ['dataLogSize', sizes.dataLogSize],
    ['tickTime', config.tickTime],
    ['maxClientCnxns', config.maxClientCnxns],
    ['minSessionTimeout', config.minSessionTimeout],
    ['maxSessionTimeout', config.maxSessionTimeout],
    ['clientPortListenBacklog', config.clientPortListenBacklog],
    ['serverId', config.serverId],
  ];
  if (config.standalone) return entries;
  const self = config.servers.find((s) => s.id === config.serverId)!;
  entries.push(
    ['initLimit', config.initLimit],
    ['syncLimit', config.syncLimit],
    ['electionAlg', 3],
    ['electionPort', self.electionPort],
    ['quorumPort', self.quorumPort],
    ['peerType', config.role === 'observer' ? 1 : 0],
  );
  return entries;
}

/** The full `conf` response text; an ensemble member's ends with its membership, as ZooKeeper prints it. */
export function formatConf(config: MemberConfig, sizes: DirectorySizes): string {
  const text = confEntries(config, sizes)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  if (config.standalone) return text;
  return `${text}membership: \n${formatDynamicConfig(config.servers, config.configVersion)}`;
}
