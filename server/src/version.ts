// What a member says it is, wherever ZooKeeper says what it is (envi's zookeeper.version, srvr/stat, mntr's
// zk_version, the AdminServer, Prometheus). Clients and tools gate features on the leading digits (kazoo's
// server_version() reads them from envi and skips transactions, reconfig, create-with-stat below 3.4/3.5), so the
// string leads with the ZooKeeper release whose client protocol and server behaviour Corral implements, and names
// Corral's own version after it, where ZooKeeper puts its git revision: `3.9.3-corral-0.1.0`.

/**
 * The ZooKeeper release Corral answers as. 3.9 for the protocol (persistent watch types in checkWatches and
 * removeWatches, whoAmI, addWatch); 3.9.3 for the behaviour of its latest server-side fixes that clients can see:
 * persistent recursive watches deliver only events on nodes the watcher may read (3.9.2, CVE-2024-23944) and a
 * `check` outside a multi is refused as UNIMPLEMENTED (3.9.3, ZOOKEEPER-2623).
 */
export const ZOOKEEPER_RELEASE = '3.9.3';

/** Corral's own version; package.json's `version` says the same (a unit test holds them together). */
export const CORRAL_VERSION = '0.1.0';

/** The version string every admin surface reports. */
export const SERVER_VERSION = `${ZOOKEEPER_RELEASE}-corral-${CORRAL_VERSION}`;
