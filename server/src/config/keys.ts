// Which zoo.cfg keys Corral knows it will not honour, and how ZooKeeper's system-property keys are spelled.

/**
 * ZooKeeper copies every zoo.cfg key it does not know into the system property `zookeeper.<key>`, so these keys
 * are read from zoo.cfg as well. Corral also accepts them already prefixed with `zookeeper.` (as they appear in
 * JVM flags): `zookeeper.enforceQuota=true` means the same as `enforceQuota=true`.
 */
const SYSTEM_PROPERTY_KEYS = new Set([
  'DigestAuthenticationProvider.superDigest',
  'DigestAuthenticationProvider.digestAlg',
  'enforceQuota',
  'extendedTypesEnabled',
  'emulate353TTLNodes',
  'readonlymode.enabled',
  'jute.maxbuffer',
  'maxCnxns',
  'skipACL',
  '4lw.commands.whitelist',
  'serverCnxnFactory',
  'snapCount',
  'globalOutstandingLimit',
  'forceSync',
]);
const SYSTEM_PROPERTY_PREFIXES = ['admin.', 'authProvider.'];

const PREFIX = 'zookeeper.';

/** Maps `zookeeper.<key>` to `<key>` for the keys ZooKeeper reads as system properties; other keys are unchanged. */
export function canonicalKey(key: string): string {
  if (!key.startsWith(PREFIX)) return key;
  const bare = key.slice(PREFIX.length);
  return SYSTEM_PROPERTY_KEYS.has(bare) || SYSTEM_PROPERTY_PREFIXES.some((p) => bare.startsWith(p)) ? bare : key;
}

const JAVA_CLASS = 'names a Java class, which Corral cannot load';
const NO_TLS = 'TLS is not supported by Corral yet';
const NO_SASL = 'SASL/Kerberos is not supported by Corral';
const JVM_ONLY = 'a JVM or Java-implementation setting with no Corral equivalent';
const TUNING = 'a ZooKeeper-internal tuning knob with no Corral equivalent';

/** Keys (exact, or prefixes ending in '.' or '_') that Corral recognises as ZooKeeper's but does not honour. */
const IGNORED: ReadonlyArray<readonly [string, string]> = [
  ['serverCnxnFactory', JAVA_CLASS],
  ['authProvider.', JAVA_CLASS],
  ['clientCnxnSocket', JAVA_CLASS],
  ['secureClientPort', NO_TLS],
  ['secureClientPortAddress', NO_TLS],
  ['sslQuorum', NO_TLS],
  ['sslQuorumReloadCertFiles', NO_TLS],
  ['portUnification', NO_TLS],
  ['client.portUnification', NO_TLS],
  ['client.secure', NO_TLS],
  ['ssl.', NO_TLS],
  ['admin.portUnification', NO_TLS],
  ['admin.forceHttps', NO_TLS],
  ['admin.needClientAuth', NO_TLS],
  ['quorum.auth.', NO_SASL],
  ['kerberos.', NO_SASL],
  ['jaasLoginRenew', NO_SASL],
  ['DigestAuthenticationProvider.digestAlg', 'Corral computes digests with SHA1 only'],
  ['jvm.pause.', JVM_ONLY],
  ['java.', JVM_ONLY],
  ['javax.', JVM_ONLY],
  ['netty.', JVM_ONLY],
  ['nio.', JVM_ONLY],
  ['metricsProvider.exportJvmInfo', JVM_ONLY],
  ['metricsProvider.', 'only metricsProvider.httpHost and metricsProvider.httpPort are used'],
  ['admin.httpVersion', TUNING],
  ['electionPortBindRetry', TUNING],
  ['quorum.cnxn.threads.size', TUNING],
  ['quorumCnxnTimeoutMs', TUNING],
  ['cnxTimeout', TUNING],
  ['multiAddress.', 'multiple quorum addresses per server are not supported'],
  ['observerMasterPort', 'observers follow the leader directly in Corral'],
  ['oraclePath', 'the two-server quorum oracle is not supported'],
  ['snapSizeLimitInKb', TUNING],
  ['txnLogSizeLimitInKb', TUNING],
  ['preAllocSize', TUNING],
  ['commitLogCount', TUNING],
  ['fsync.warningthresholdms', TUNING],
  ['flushDelay', TUNING],
  ['maxWriteQueuePollTime', TUNING],
  ['maxBatchSize', TUNING],
  ['digest.enabled', TUNING],
  ['snapshot.trust.empty', TUNING],
  ['snapshot.compression.method', TUNING],
  ['audit.enable', TUNING],
  ['connection_throttle_', TUNING],
  ['request_throttle_', TUNING],
  ['learner.', TUNING],
  ['leader.', TUNING],
  ['follower.', TUNING],
];

/** Why a known ZooKeeper key has no effect in Corral, or undefined when the key is not one of those. */
export function ignoredReason(key: string): string | undefined {
  for (const [pattern, reason] of IGNORED) {
    const isPrefix = pattern.endsWith('.') || pattern.endsWith('_');
    if (isPrefix ? key.startsWith(pattern) : key === pattern) return reason;
  }
  return undefined;
}
