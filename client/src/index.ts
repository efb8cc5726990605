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
} from '../../protocol/src/index.js';
