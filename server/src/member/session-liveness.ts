// Keeping sessions alive and expiring them. Every member sees traffic only from its own clients, but only the
// leader may expire a global session: followers report the ids of sessions with traffic to the leader, and the
// leader proposes CloseSession for those that fall silent. Local sessions live and expire on their member alone.
//
// Under load the reports must not be what kills sessions:
// - followers report every Raft tick (a tenth of tickTime, at most 100 ms) rather than once per tickTime, and at
//   once (after the I/O at hand) for a session whose deadline at the leader, as last reported, is less than half
//   a timeout away — a client that pinged late, or a session the leader has not heard of from here yet;
// - the leader extends a deadline as soon as a report is read, and decides expiry only after the I/O that was
//   ready when its tick fired has been handled, so reports that waited in its socket buffers while it was busy
//   count before any session is expired;
// - touches on the leader itself extend the deadline directly.
import type { Logger } from 'pino';
import type { NodeId } from '../consensus/types.js';
import { TxnKind, type Txn } from '../state/txn.js';
import { hex } from './connection.js';
import type { SessionEntry, SessionRegistry } from './sessions.js';

/** The member-to-member message carrying a follower's touches. */
export interface TouchReport {
  t: 'touch';
  sessions: bigint[];
}

export interface LivenessHost {
  readonly log: Logger;
  readonly registry: SessionRegistry;
  readonly selfId: NodeId;
  /** The leader this member knows (0: none). */
  leader(): NodeId;
  /** Sends a report to another member; false if it could not be queued. */
  sendAux(to: NodeId, payload: TouchReport): boolean;
  propose(txn: Txn): void;
  /** The clock, in ms. */
  now(): number;
  /** Runs `fn` once the I/O that is ready now has been handled (setImmediate). */
  afterIo(fn: () => void): void;
}

export class SessionLiveness {
  /** Global sessions with traffic here that the leader has not been told about, in the order seen. */
  private pending: SessionEntry[] = [];
  private flushScheduled = false;
  private expiryScheduled = false;

  constructor(private readonly host: LivenessHost) {}

  private get leading(): boolean {
    return this.host.leader() === this.host.selfId;
  }

  /** A request arrived on `session`. */
  seen(session: SessionEntry): void {
    const now = this.host.now();
    this.host.registry.touch(session, now);
    if (session.local || session.closing || this.leading) return;
    if (!session.reportPending) {
      session.reportPending = true;
      this.pending.push(session);
    }
    if (now - session.reportedAt > session.timeout / 2) this.flushSoon();
  }

  /** Handles a report from a follower; false if `payload` is not one. */
  receive(payload: unknown): boolean {
    const msg = payload as TouchReport | undefined;
    if (msg?.t !== 'touch') return false;
    const { registry } = this.host;
    const now = this.host.now();
    for (const id of msg.sessions) {
      const entry = registry.get(id);
      if (entry) registry.touch(entry, now);
    }
    return true;
  }

  /** This member became leader: every global session gets a full timeout, as ZooKeeper does after an election. */
  leadershipGained(): void {
    const { registry } = this.host;
    const now = this.host.now();
    for (const entry of registry.all()) if (!entry.local) registry.touch(entry, now);
  }

  /** Every Raft tick: tells the leader about the sessions with traffic since the last report. */
  flush(): void {
    if (this.pending.length === 0) return;
    const leader = this.host.leader();
    if (leader === 0) return; // kept until a leader is known
    const batch = this.pending;
    this.pending = [];
    for (const s of batch) s.reportPending = false;
    // A member that now leads gave every session a full timeout when it took over.
    if (leader === this.host.selfId) return;
    const live = batch.filter((s) => !s.closing);
    if (live.length === 0) return;
    if (!this.host.sendAux(leader, { t: 'touch', sessions: live.map((s) => s.id) })) {
      for (const s of live) this.seenAgain(s);
      return;
    }
    const now = this.host.now();
    for (const s of live) s.reportedAt = now;
  }

  /** Every tickTime: report, then (after pending I/O) expire what is due. */
  tick(): void {
    this.flush();
    if (this.expiryScheduled) return;
    this.expiryScheduled = true;
    this.host.afterIo(() => {
      this.expiryScheduled = false;
      this.expire();
    });
  }

  private expire(): void {
    const { registry, log } = this.host;
    const leading = this.leading;
    const now = this.host.now();
    for (const s of registry.expired(now)) {
      if (!s.local && (s.closing || !leading)) {
        // Only the leader expires global sessions; elsewhere they just wait for the leader's verdict.
        if (!leading && !s.closing) registry.touch(s, now);
        continue;
      }
      log.info({ session: hex(s.id), timeout: s.timeout }, 'session expired');
      s.closing = true;
      if (s.local) {
        registry.remove(s.id);
        s.connection?.close('session expired');
      } else {
        this.host.propose({ kind: TxnKind.CloseSession, time: now, session: s.id });
      }
    }
  }

  /** Puts a session whose report could not be sent back in line. */
  private seenAgain(session: SessionEntry): void {
    if (session.reportPending) return;
    session.reportPending = true;
    this.pending.push(session);
  }

  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.host.afterIo(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }
}
