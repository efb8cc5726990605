// Public shapes of the client API (paths are always client-visible, i.e. relative to the chroot).
import type { ACL, CreateMode, EventType, KeeperState, Stat } from 'corral/protocol';
import type { ZooKeeperError } from './errors.js';

export type { ACL, ClientInfo, Id, Stat } from 'corral/protocol';

/** Node data as callers may pass it: strings are UTF-8 encoded, null is jute's null buffer. */
export type Data = Buffer | Uint8Array | string | null;

/** A watch notification, or a session-state change delivered to the watchers (type None). */
export interface WatchEvent {
  type: EventType;
  state: KeeperState;
  path: string;
}

export type Watcher = (event: WatchEvent) => void;

/** Connection states; the client emits 'state' with one of these, and also an event named after it. */
export type ClientState =
  | 'connecting'
  | 'connected'
  | 'read-only'
  | 'disconnected'
  | 'expired'
  | 'auth-failed'
  | 'closed';

export interface CreateOptions {
  mode?: CreateMode;
  /** Defaults to OPEN_ACL_UNSAFE (world:anyone, all permissions). */
  acl?: ACL[];
  /** Milliseconds, for the TTL modes (the server must have extended types enabled). */
  ttl?: number;
}

/** One operation of a multi (transaction). Paths are client paths. */
export type Op =
  | { type: 'create'; path: string; data?: Data; options?: CreateOptions }
  | { type: 'delete'; path: string; version?: number }
  | { type: 'setData'; path: string; data: Data; version?: number }
  | { type: 'check'; path: string; version: number };

/** One result of a multi; on failure every entry is an 'error' (see ZooKeeper's rollback reporting). */
export type OpResult =
  | { type: 'create'; path: string; stat?: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }
  | { type: 'error'; code: number; error?: ZooKeeperError };

export type ReadOp = { type: 'getData'; path: string } | { type: 'getChildren'; path: string };

export type ReadResult =
  | { type: 'getData'; data: Buffer | null; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; code: number; error: ZooKeeperError };

export interface ReconfigOptions {
  /** Comma-separated server lines to add (incremental reconfig). */
  joining?: string;
  /** Comma-separated server ids to remove (incremental reconfig). */
  leaving?: string;
  /** The whole new membership (non-incremental reconfig). */
  newMembers?: string;
  /** Only apply if the current config version is this (-1: any). */
  fromConfig?: number;
}

export interface ConfigData {
  config: string;
  stat: Stat;
}
