// Which zoo.cfg keys spec.config may carry, and which the operator writes itself.
//
// This is the operator's own list, not an import of the member's parser: the operator must be able to drive a
// member image of another version, and the CRD is an API whose accepted keys change only deliberately.
// operator/test/api/config-keys.test.ts keeps it honest against server/src/config: every key here is one the
// member reads, each value kind matches how the member parses it, and every key the member reads is listed
// here as settable, owned or refused, so a key added to the member fails that test until it is classified.

export type ConfigValueKind = 'integer' | 'boolean' | 'yesNo' | 'text';

export interface UserConfigKey {
  kind: ConfigValueKind;
  /** For integers: the smallest value the member accepts without stopping or silently replacing it. */
  min?: number;
  /** A valid value, used by the tests and in the CRD's description. */
  example: string;
}

/** zoo.cfg keys a user may set through spec.config. */
export const USER_CONFIG_KEYS = {
  tickTime: { kind: 'integer', min: 1, example: '2000' },
  initLimit: { kind: 'integer', min: 1, example: '20' },
  syncLimit: { kind: 'integer', min: 1, example: '10' },
  connectToLearnerMasterLimit: { kind: 'integer', min: 0, example: '10' },
  minSessionTimeout: { kind: 'integer', min: -1, example: '4000' },
  maxSessionTimeout: { kind: 'integer', min: -1, example: '40000' },
  snapCount: { kind: 'integer', min: 2, example: '50000' },
  'autopurge.snapRetainCount': { kind: 'integer', min: 3, example: '5' },
  'autopurge.purgeInterval': { kind: 'integer', min: 0, example: '1' },
  globalOutstandingLimit: { kind: 'integer', min: 1, example: '2000' },
  'jute.maxbuffer': { kind: 'integer', min: 1, example: '4194304' },
  clientPortListenBacklog: { kind: 'integer', min: -1, example: '128' },
  syncEnabled: { kind: 'boolean', example: 'false' },
  localSessionsEnabled: { kind: 'boolean', example: 'true' },
  localSessionsUpgradingEnabled: { kind: 'boolean', example: 'true' },
  extendedTypesEnabled: { kind: 'boolean', example: 'true' },
  emulate353TTLNodes: { kind: 'boolean', example: 'true' },
  'readonlymode.enabled': { kind: 'boolean', example: 'true' },
  forceSync: { kind: 'yesNo', example: 'no' },
  '4lw.commands.whitelist': { kind: 'text', example: 'srvr,mntr,ruok' },
} as const satisfies Record<string, UserConfigKey>;

export type UserConfigKeyName = keyof typeof USER_CONFIG_KEYS;

/** Largest value of a zoo.cfg integer (a Java int). */
export const CONFIG_INT_MAX = 2 ** 31 - 1;

export interface OwnedConfigKey {
  /** The key, or a prefix when it ends in '.'. */
  key: string;
  /** Where the user sets what this key controls instead, if anywhere. */
  instead?: string;
}

/** Keys the operator writes into each member's zoo.cfg; spec.config may not set them. */
export const OWNED_CONFIG_KEYS: readonly OwnedConfigKey[] = [
  { key: 'server.', instead: 'spec.groups (or spec.replicas and spec.observers)' },
  { key: 'group.' },
  { key: 'weight.' },
  { key: 'version' },
  { key: 'dataDir', instead: 'spec.storage' },
  { key: 'dataLogDir', instead: 'spec.storage' },
  { key: 'myid' },
  { key: 'dynamicConfigFile' },
  { key: 'clientPort' },
  { key: 'clientPortAddress' },
  { key: 'peerType', instead: 'spec.groups[].leaderEligible' },
  { key: 'reconfigEnabled' },
  { key: 'standaloneEnabled' },
  { key: 'quorumListenOnAllIPs' },
  { key: 'admin.' },
  { key: 'metricsProvider.', instead: 'spec.metrics' },
  { key: 'maxClientCnxns', instead: 'spec.connectionLimits.perClientAddress' },
  { key: 'maxCnxns', instead: 'spec.connectionLimits.total' },
  { key: 'enforceQuota', instead: 'spec.quotas' },
  { key: 'DigestAuthenticationProvider.' },
];

/** Keys the member reads that are neither settable nor written by the operator, and why. */
export const REFUSED_CONFIG_KEYS: Readonly<Record<string, string>> = {
  electionAlg: 'the only election algorithm is 3, the default',
  skipACL: 'it would open every znode to every client',
};

export const isOwnedConfigKey = (key: string): boolean =>
  OWNED_CONFIG_KEYS.some((o) => (o.key.endsWith('.') ? key.startsWith(o.key) : key === o.key));
