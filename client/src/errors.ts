// Typed errors carrying ZooKeeper's KeeperException codes. `errorFor(code, path)` picks the class, so callers can
// write `catch (e) { if (e instanceof NoNodeError) ... }` or switch on `e.code`.
import { ErrorCode, errorName } from 'corral/protocol';
import type { OpResult } from './types.js';

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.SystemError]: 'System error',
  [ErrorCode.RuntimeInconsistency]: 'Runtime inconsistency',
  [ErrorCode.DataInconsistency]: 'Data inconsistency',
  [ErrorCode.ConnectionLoss]: 'Connection loss',
  [ErrorCode.MarshallingError]: 'Marshalling error',
  [ErrorCode.Unimplemented]: 'Unimplemented',
  [ErrorCode.OperationTimeout]: 'Operation timeout',
  [ErrorCode.BadArguments]: 'Bad arguments',
  [ErrorCode.UnknownSession]: 'Unknown session',
  [ErrorCode.NewConfigNoQuorum]: 'No quorum of new config is connected and up-to-date with the leader of last committed config',
  [ErrorCode.ReconfigInProgress]: 'Another reconfiguration is in progress',
  [ErrorCode.APIError]: 'API error',
  [ErrorCode.NoNode]: 'Node does not exist',
  [ErrorCode.NoAuth]: 'Not authenticated',
  [ErrorCode.BadVersion]: 'Bad version',
  [ErrorCode.NoChildrenForEphemerals]: 'Ephemeral nodes may not have children',
  [ErrorCode.NodeExists]: 'Node already exists',
  [ErrorCode.NotEmpty]: 'Directory not empty',
  [ErrorCode.SessionExpired]: 'Session expired',
  [ErrorCode.InvalidCallback]: 'Invalid callback',
  [ErrorCode.InvalidACL]: 'Invalid ACL',
  [ErrorCode.AuthFailed]: 'Authentication failed',
  [ErrorCode.SessionMoved]: 'Session moved',
  [ErrorCode.NotReadOnly]: 'Not a read-only call',
  [ErrorCode.EphemeralOnLocalSession]: 'Ephemeral node on local session',
  [ErrorCode.NoWatcher]: 'No such watcher',
  [ErrorCode.RequestTimeout]: 'Request timeout',
  [ErrorCode.ReconfigDisabled]: 'Reconfig is disabled',
  [ErrorCode.SessionClosedRequireSaslAuth]: 'Session closed because client failed to authenticate',
  [ErrorCode.QuotaExceeded]: 'Quota has exceeded',
  [ErrorCode.ThrottledOp]: 'Op throttled due to high load',
};

/** A failure reported by (or on behalf of) a ZooKeeper server. */
export class ZooKeeperError extends Error {
  /** ZooKeeper's upper-case code name, e.g. "NONODE". */
  readonly codeName: string;
  /** For a failed multi: every op's result (the failing op and those after it carry errors). */
  results?: OpResult[];

  constructor(
    readonly code: number,
    /** The client-visible path the request named, when it named one. */
    readonly path?: string,
    detail?: string,
  ) {
    const base = MESSAGES[code as ErrorCode] ?? `Unknown error ${code}`;
    super(path === undefined ? (detail ? `${base}: ${detail}` : base) : `${base}: ${path}${detail ? ` (${detail})` : ''}`);
    this.codeName = errorName(code);
    this.name = new.target.name;
  }
}

// One class per code a caller may want to catch. Each fixes its code so `new NoNodeError('/a')` works.
type Concrete = new (path?: string, detail?: string) => ZooKeeperError;
function kind(code: ErrorCode): Concrete {
  return class extends ZooKeeperError {
    constructor(path?: string, detail?: string) {
      super(code, path, detail);
    }
  };
}

// Named classes (so stack traces and `.name` say NoNodeError), each a subclass fixed to one code.
export class SystemError extends kind(ErrorCode.SystemError) {}
export class RuntimeInconsistencyError extends kind(ErrorCode.RuntimeInconsistency) {}
export class DataInconsistencyError extends kind(ErrorCode.DataInconsistency) {}
export class ConnectionLossError extends kind(ErrorCode.ConnectionLoss) {}
export class MarshallingFailedError extends kind(ErrorCode.MarshallingError) {}
export class UnimplementedError extends kind(ErrorCode.Unimplemented) {}
export class OperationTimeoutError extends kind(ErrorCode.OperationTimeout) {}
export class BadArgumentsError extends kind(ErrorCode.BadArguments) {}
export class UnknownSessionError extends kind(ErrorCode.UnknownSession) {}
export class NewConfigNoQuorumError extends kind(ErrorCode.NewConfigNoQuorum) {}
export class ReconfigInProgressError extends kind(ErrorCode.ReconfigInProgress) {}
export class APIError extends kind(ErrorCode.APIError) {}
export class NoNodeError extends kind(ErrorCode.NoNode) {}
export class NoAuthError extends kind(ErrorCode.NoAuth) {}
export class BadVersionError extends kind(ErrorCode.BadVersion) {}
export class NoChildrenForEphemeralsError extends kind(ErrorCode.NoChildrenForEphemerals) {}
export class NodeExistsError extends kind(ErrorCode.NodeExists) {}
export class NotEmptyError extends kind(ErrorCode.NotEmpty) {}
export class SessionExpiredError extends kind(ErrorCode.SessionExpired) {}
export class InvalidCallbackError extends kind(ErrorCode.InvalidCallback) {}
export class InvalidACLError extends kind(ErrorCode.InvalidACL) {}
export class AuthFailedError extends kind(ErrorCode.AuthFailed) {}
export class SessionMovedError extends kind(ErrorCode.SessionMoved) {}
export class NotReadOnlyError extends kind(ErrorCode.NotReadOnly) {}
export class EphemeralOnLocalSessionError extends kind(ErrorCode.EphemeralOnLocalSession) {}
export class NoWatcherError extends kind(ErrorCode.NoWatcher) {}
export class RequestTimeoutError extends kind(ErrorCode.RequestTimeout) {}
export class ReconfigDisabledError extends kind(ErrorCode.ReconfigDisabled) {}
export class SessionClosedRequireSaslAuthError extends kind(ErrorCode.SessionClosedRequireSaslAuth) {}
export class QuotaExceededError extends kind(ErrorCode.QuotaExceeded) {}
export class ThrottledOpError extends kind(ErrorCode.ThrottledOp) {}

const BY_CODE = new Map<number, Concrete>([
  [ErrorCode.SystemError, SystemError],
  [ErrorCode.RuntimeInconsistency, RuntimeInconsistencyError],
  [ErrorCode.DataInconsistency, DataInconsistencyError],
  [ErrorCode.ConnectionLoss, ConnectionLossError],
  [ErrorCode.MarshallingError, MarshallingFailedError],
  [ErrorCode.Unimplemented, UnimplementedError],
  [ErrorCode.OperationTimeout, OperationTimeoutError],
  [ErrorCode.BadArguments, BadArgumentsError],
  [ErrorCode.UnknownSession, UnknownSessionError],
  [ErrorCode.NewConfigNoQuorum, NewConfigNoQuorumError],
  [ErrorCode.ReconfigInProgress, ReconfigInProgressError],
  [ErrorCode.APIError, APIError],
  [ErrorCode.NoNode, NoNodeError],
  [ErrorCode.NoAuth, NoAuthError],
  [ErrorCode.BadVersion, BadVersionError],
  [ErrorCode.NoChildrenForEphemerals, NoChildrenForEphemeralsError],
  [ErrorCode.NodeExists, NodeExistsError],
  [ErrorCode.NotEmpty, NotEmptyError],
  [ErrorCode.SessionExpired, SessionExpiredError],
  [ErrorCode.InvalidCallback, InvalidCallbackError],
  [ErrorCode.InvalidACL, InvalidACLError],
  [ErrorCode.AuthFailed, AuthFailedError],
  [ErrorCode.SessionMoved, SessionMovedError],
  [ErrorCode.NotReadOnly, NotReadOnlyError],
  [ErrorCode.EphemeralOnLocalSession, EphemeralOnLocalSessionError],
  [ErrorCode.NoWatcher, NoWatcherError],
  [ErrorCode.RequestTimeout, RequestTimeoutError],
  [ErrorCode.ReconfigDisabled, ReconfigDisabledError],
  [ErrorCode.SessionClosedRequireSaslAuth, SessionClosedRequireSaslAuthError],
  [ErrorCode.QuotaExceeded, QuotaExceededError],
  [ErrorCode.ThrottledOp, ThrottledOpError],
]);

/** The typed error for a reply code (a plain ZooKeeperError for codes without a class). */
export function errorFor(code: number, path?: string, detail?: string): ZooKeeperError {
  const Cls = BY_CODE.get(code);
  return Cls ? new Cls(path, detail) : new ZooKeeperError(code, path, detail);
}
