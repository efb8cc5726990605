// Letting clients in: the connect handshake (new sessions, reconnects with id + password, clients that have seen
// more than this member), and read-only mode, where a member cut off from quorum admits only read-only clients.
import type { Logger } from 'pino';
import {
  encodeConnectResponse, ErrorCode, PROTOCOL_VERSION, SESSION_PASSWORD_LENGTH, type ConnectRequest,
} from 'corral/protocol';
import type { MemberConfig } from '../config/member-config.js';
import type { ReplicatedState } from '../state/apply.js';
import { TxnKind, type Txn } from '../state/txn.js';
import { hex } from './connection.js';
import { SessionEntry, SessionRegistry } from './sessions.js';

/** What admission needs of a client connection (a member's ClientConnection, or the simulation's). */
export interface AdmissionConnection {
  readonly isOpen: boolean;
  readOnly: boolean;
  readonly remoteAddress: string;
  /** The session is established: send the connect response, then serve the frames that waited for it. */
  accept(response: Buffer, sessionId: bigint, timeout: number): void;
  /** Send the response, if any, then close. */
  refuse(response: Buffer | undefined, reason: string): void;
  close(reason: string): void;
}

/** What admission needs from its member. */
export interface AdmissionHost {
  readonly config: MemberConfig;
  readonly log: Logger;
  readonly registry: SessionRegistry;
  /** The current replicated state (replaced when a snapshot is installed). */
  replicated(): ReplicatedState;
  /** True once the member has caught up and serves read-write clients. */
  serving(): boolean;
  /** Resolves once everything committed before the call is applied here. */
  barrier(): Promise<void>;
  /** Proposes `txn`; `handed` hears the term of the leader that took it. */
  propose(txn: Txn, handed: (term: number) => void): void;
  /** The term of the last entry applied here. */
  appliedTerm(): number;
  /** This member's id in an ensemble (sessions that move here are claimed by it); undefined when standalone. */
  readonly selfId: number | undefined;
  connections(): Iterable<AdmissionConnection>;
  /** Wall-clock milliseconds (the simulation's own clock there). */
  now(): number;
}

/**
 * A handshake waiting for a session transaction of its own (CreateSession, MoveSession) to be applied: the client
 * is answered then.
 */
interface Awaiting {
  connection: AdmissionConnection;
  /** The term of the leader that took the transaction, once one did. */
  term?: number;
  timeout: number;
  passwd: Buffer;
}

interface PendingMove extends Awaiting {
  txn: Txn;
}

export class SessionAdmission {
  /** Serving read-only clients because no leader is known (readonlymode.enabled). */
  private readOnly = false;
  private leaderlessChecks = 0;
  /** New global sessions waiting for their CreateSession to be applied. */
  private readonly pending = new Map<bigint, Awaiting>();
  /** Sessions that reconnected here from another member, waiting for their MoveSession to be applied. */
  private readonly moves = new Map<bigint, PendingMove>();

  constructor(private readonly host: AdmissionHost) {}

  get readOnlyMode(): boolean {
    return this.readOnly;
  }

  handshake(conn: AdmissionConnection, req: ConnectRequest): void {
    const { host } = this;
    if (this.readOnly) return this.establishReadOnly(conn, req);
    if (!host.serving()) return conn.refuse(undefined, 'not serving yet');
    if (req.lastZxidSeen <= host.replicated().lastZxid) return this.establish(conn, req);
    // The client has seen more than this member applied: catch up with the leader first, then decide.
    void host.barrier().then(() => {
      if (!conn.isOpen) return;
      const ours = host.replicated().lastZxid;
      if (req.lastZxidSeen <= ours) return this.establish(conn, req);
      host.log.info({ client: conn.remoteAddress, seen: hex(BigInt(req.lastZxidSeen)), ours: hex(BigInt(ours)) }, 'refusing a client that has seen a newer zxid');
      conn.refuse(undefined, 'client ahead');
    });
  }

  /** A CreateSession was applied: answer the handshake waiting for it, or just track the session. */
  sessionCreated(txn: Extract<Txn, { kind: TxnKind.CreateSession }>): void {
    const { registry } = this.host;
    const pending = this.pending.get(txn.session);
    // Every member tracks every global session, so whichever leads next can expire it.
    if (!pending) {
      if (!registry.get(txn.session)) registry.add(new SessionEntry(txn.session, txn.timeout, false, txn.passwd), this.host.now());
      return;
    }
    this.pending.delete(txn.session);
    const { connection, timeout, passwd } = pending;
    const entry = new SessionEntry(txn.session, timeout, false, passwd);
    entry.connection = connection;
    registry.add(entry, this.host.now());
    connection.accept(connectResponse(txn.session, timeout, passwd), txn.session, timeout);
  }

  /**
   * A MoveSession was applied: if it moved a session here, the client waiting for it is let in. If it was refused
   * because another move came first (the client went elsewhere meanwhile), that connection is closed: the client,
   * if it still wants this member, connects again and is judged on the ownership as it is now. A session that
   * ended meanwhile is refused as expired.
   */
  sessionMoved(txn: Extract<Txn, { kind: TxnKind.MoveSession }>, err: ErrorCode): void {
    if (txn.owner !== this.host.selfId) return;
    const move = this.moves.get(txn.session);
    if (!move || (err !== ErrorCode.Ok && move.txn !== txn)) return;
    this.moves.delete(txn.session);
    const conn = move.connection;
    if (!conn.isOpen) return;
    if (err === ErrorCode.Ok) conn.accept(connectResponse(txn.session, move.timeout, move.passwd), txn.session, move.timeout);
    else if (err === ErrorCode.SessionExpired) refuseSession(conn);
    else conn.close('session moved to another member meanwhile');
  }

  /**
   * Entries of `term` are being applied, so a CreateSession or MoveSession handed to an older leader and not
   * applied by now never will be: close its connection so the client connects again (instead of waiting out its
   * connect timeout, or seeing its writes refused as SESSIONMOVED).
   */
  dropLost(term: number): void {
    dropSuperseded(this.pending, term, 'session creation lost in a leader change');
    dropSuperseded(this.moves, term, 'session move lost in a leader change');
  }

  /** Proposes `txn` for `waiting`, which learns the term that took it (a superseded one means it was lost). */
  private proposeFor(txn: Txn, waiting: Awaiting): void {
    this.host.propose(txn, (term) => {
      waiting.term = term;
      const applied = this.host.appliedTerm();
      if (term < applied) this.dropLost(applied);
    });
  }

  /** Called every tickTime: enters read-only mode after two checks without a leader. */
  checkReadOnly(leaderKnown: boolean): void {
    if (leaderKnown) {
      this.leaderlessChecks = 0;
      return this.leaveReadOnly();
    }
    if (++this.leaderlessChecks >= 2 && !this.readOnly) {
      this.readOnly = true;
      this.host.log.warn({}, 'no quorum: serving read-only clients');
    }
  }

  /** Quorum is back: read-only clients are sent away to find a writable member. */
  leaveReadOnly(): void {
    if (!this.readOnly) return;
    this.readOnly = false;
    this.host.log.info({}, 'quorum is back: leaving read-only mode');
    for (const conn of [...this.host.connections()]) if (conn.readOnly) conn.close('member left read-only mode');
  }

  private timeoutFor(req: ConnectRequest): number {
    const { minSessionTimeout, maxSessionTimeout } = this.host.config;
    return Math.min(Math.max(req.timeOut, minSessionTimeout), maxSessionTimeout);
  }

  private establish(conn: AdmissionConnection, req: ConnectRequest): void {
    const { registry, log } = this.host;
    const timeout = this.timeoutFor(req);
    conn.readOnly = false;
    if (req.sessionId === 0n) return this.createSession(conn, timeout);
    const entry = registry.get(req.sessionId);
    const passwd = entry?.passwd ?? this.host.replicated().sessions.get(req.sessionId)?.passwd;
    if (!passwd || entry?.closing || !passwd.equals(req.passwd)) {
      log.info({ session: hex(req.sessionId), client: conn.remoteAddress }, passwd ? 'refusing reconnect: wrong password or closing' : 'refusing reconnect: session expired');
      return refuseSession(conn);
    }
    const session = entry ?? new SessionEntry(req.sessionId, timeout, false, passwd);
    session.timeout = timeout;
    const moving = this.claim(session, conn);
    this.bind(session, conn);
    if (!moving) conn.accept(connectResponse(session.id, timeout, passwd), session.id, timeout);
  }

  /**
   * Read-only mode (no quorum): only clients that accept a read-only server get in, on a session that lives here
   * alone; writes get NOTREADONLY.
   */
  private establishReadOnly(conn: AdmissionConnection, req: ConnectRequest): void {
    const { registry } = this.host;
    if (!req.readOnly) return conn.refuse(undefined, 'read-only mode: client does not accept read-only servers');
    if (req.lastZxidSeen > this.host.replicated().lastZxid) return conn.refuse(undefined, 'client ahead of this read-only member');
    const timeout = this.timeoutFor(req);
    let session = req.sessionId === 0n ? undefined : registry.get(req.sessionId);
    const passwd = session?.passwd ?? this.host.replicated().sessions.get(req.sessionId)?.passwd;
    if (req.sessionId !== 0n && (!passwd || !passwd.equals(req.passwd))) return refuseSession(conn);
    // A new read-only session is local, with a derived password; a global one keeps its own.
    session ??= new SessionEntry(req.sessionId === 0n ? registry.newSessionId() : req.sessionId, timeout, true, passwd);
    this.bind(session, conn);
    conn.readOnly = true;
    conn.accept(connectResponse(session.id, timeout, session.passwd, true), session.id, timeout);
  }

  /**
   * A global session that reconnects here from elsewhere is moved here through the log, and the client let in
   * once the move is applied (as ZooKeeper revalidates a reconnect with its leader): writes it left behind on an
   * earlier member then fail with SESSIONMOVED instead of landing after the client's newer ones. True when a move
   * was proposed (the handshake is answered by sessionMoved).
   */
  private claim(session: SessionEntry, conn: AdmissionConnection): boolean {
    const { selfId } = this.host;
    if (session.local || selfId === undefined) return false;
    const current = this.host.replicated().sessions.get(session.id);
    const owner = current?.owner;
    if (owner === selfId || (owner === undefined && session.connection !== undefined)) return false;
    const txn: Txn = { kind: TxnKind.MoveSession, time: this.host.now(), session: session.id, owner: selfId, prev: current?.claim ?? 0 };
    const move: PendingMove = { connection: conn, timeout: session.timeout, passwd: session.passwd, txn };
    this.moves.set(session.id, move);
    this.proposeFor(txn, move);
    return true;
  }

  /** Moves `session` onto `conn`, closing the connection that served it before. */
  private bind(session: SessionEntry, conn: AdmissionConnection): void {
    const previous = session.connection;
    session.connection = conn;
    if (previous && previous !== conn) previous.close('session moved to a new connection');
    this.host.registry.add(session, this.host.now());
  }

  private createSession(conn: AdmissionConnection, timeout: number): void {
    const { registry, config } = this.host;
    const id = registry.newSessionId();
    if (config.localSessionsEnabled) {
      const entry = new SessionEntry(id, timeout, true);
      entry.connection = conn;
      registry.add(entry, this.host.now());
      conn.accept(connectResponse(id, timeout, entry.passwd), id, timeout);
      return;
    }
    const passwd = SessionRegistry.newPassword();
    const pending: Awaiting = { connection: conn, timeout, passwd };
    this.pending.set(id, pending);
    this.proposeFor({ kind: TxnKind.CreateSession, time: this.host.now(), session: id, timeout, passwd }, pending);
  }
}

/** Closes the connections whose transaction a leader of a term before `term` took: it will never be applied. */
function dropSuperseded(waiting: Map<bigint, Awaiting>, term: number, reason: string): void {
  for (const [id, w] of waiting) {
    if (w.term === undefined || w.term >= term) continue;
    waiting.delete(id);
    w.connection.close(reason);
  }
}

function connectResponse(sessionId: bigint, timeOut: number, passwd: Buffer, readOnly = false): Buffer {
  return encodeConnectResponse({ protocolVersion: PROTOCOL_VERSION, timeOut, sessionId, passwd, readOnly });
}

/** ZooKeeper's answer to a reconnect with an unknown session or wrong password: session id 0, then close. */
function refuseSession(conn: AdmissionConnection): void {
  conn.refuse(connectResponse(0n, 0, Buffer.alloc(SESSION_PASSWORD_LENGTH)), 'invalid session');
}
