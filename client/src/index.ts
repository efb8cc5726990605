// Corral's ZooKeeper client.
export { ZooKeeperClient, type ClientOptions } from './client.js';
export { Transaction } from './transaction.js';
export { WatchStream } from './watch-stream.js';
export * from './errors.js';
export * from './types.js';
export {
  ANYONE_ID,
  AUTH_IDS,
  CREATOR_ALL_ACL,
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  digestId,
  parseACL,
  permsFromString,
  permsToString,
} from './acl.js';
export { parseConnectString, type ConnectString, type HostPort } from './connect-string.js';
export {
  ANY_VERSION,
  AddWatchMode,
  CreateMode,
  ErrorCode,
  EventType,
  KeeperState,
  Perms,
  WatcherType,
  errorName,
} from 'corral/protocol';
export { type WaitOptions } from './recipes/waiting.js';
export { Mutex, QueueLock, type LockHandle, type LockOptions } from './recipes/lock.js';
export { ContenderGoneError, type ContenderOptions } from './recipes/contenders.js';
export { ReadWriteLock } from './recipes/read-write-lock.js';
export { LeaderElection, type LeaderElectionEvents, type LeaderElectionOptions, type LeadershipLossReason } from './recipes/leader-election.js';
export { Barrier } from './recipes/barrier.js';
export { DoubleBarrier, type DoubleBarrierOptions } from './recipes/double-barrier.js';
export { DistributedQueue } from './recipes/queue.js';
export { SharedCounter } from './recipes/shared-counter.js';
export { GroupMembership, type Membership } from './recipes/group-membership.js';
export { WatchedValue, type Snapshot, type WatchedValueEvents, type WatchedValueOptions } from './recipes/watched-value.js';
export { ServiceDiscovery, type Advertisement, type LookupResult, type Region, type ServiceDiscoveryOptions, type ServiceInstance } from './recipes/service-discovery.js';
