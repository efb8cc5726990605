// Corral's configuration: zoo.cfg, dataDir/myid and the dynamic config file, read as ZooKeeper 3.9 reads them.
export { ConfigError, type ConfigWarning } from './errors.js';
export { parseProperties, type PropertyEntry } from './properties.js';
export {
  formatServerLine,
  isVoter,
  parseServerSpec,
  MAX_SERVER_ID,
  SERVER_LINE_GRAMMAR,
  type MemberRole,
  type ServerSpec,
} from './server-line.js';
export { formatDynamicConfig, parseDynamicConfig, versionFromFilename, type DynamicConfig } from './dynamic-config.js';
export { parseJoiningServers, parseLeavingServers, parseNewMembers } from './reconfig-args.js';
export { readMyId, writeMyId } from './myid.js';
export {
  isSuperDigest,
  loadConfig,
  noOwnServerLine,
  ownIdentity,
  parseConfig,
  readConfigText,
  type AdminServerConfig,
  type LoadedConfig,
  type MemberConfig,
  type MetricsConfig,
  type OwnIdentity,
  type ParseOptions,
} from './member-config.js';
export { confEntries, formatConf, type DirectorySizes } from './conf-dump.js';
