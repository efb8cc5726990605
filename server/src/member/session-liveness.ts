// Keeping sessions alive and expiring them. Every member sees traffic only from its own clients, but only the
// leader may expire a global session: followers batch the ids of sessions with traffic and report them to the
// leader once per tick (not per ping), and the leader proposes CloseSession for those that fall silent.
// Local sessions live and expire on their member alone.
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
  /** Sends a report to another member. */
  sendAux(to: NodeId, payload: TouchReport): void;
  propose(txn: Txn): void;
}

export class SessionLiveness {
  /** Global sessions with traffic here since the last report to the leader. */
  private touched = new Set<bigint>();

  constructor(private readonly host: LivenessHost) {}

  private get leading(): boolean {
    return this.host.leader() === this.host.selfId;
  }

  /** A request arrived on `session`. */
  seen(session: SessionEntry): void {
    this.host.registry.touch(session.id, Date.now());
    if (!session.local && !this.leading) this.touched.add(session.id);
  }

  /** Handles a report from a follower; false if `payload` is not one. */
  receive(payload: unknown): boolean {
    const msg = payload as TouchReport | undefined;
    if (msg?.t !== 'touch') return false;
    const now = Date.now();
    for (const id of msg.sessions) this.host.registry.touch(id, now);
    return true;
  }

  /** This member became leader: every global session gets a full timeout, as ZooKeeper does after an election. */
  leadershipGained(): void {
    const now = Date.now();
    for (const entry of this.host.registry.all()) if (!entry.local) this.host.registry.touch(entry.id, now);
  }

  /** Once per tickTime: report touches to the leader, then expire what is due. */
  tick(): void {
    this.reportTouches();
    const { registry, log } = this.host;
    const leading = this.leading;
    for (const s of registry.expired(Date.now())) {
      if (!s.local && (s.closing || !leading)) {
        // Only the leader expires global sessions; elsewhere they just wait for the leader's verdict.
        if (!leading && !s.closing) registry.touch(s.id, Date.now());
        continue;
      }
      log.info({ session: hex(s.id), timeout: s.timeout }, 'session expired');
      s.closing = true;
      if (s.local) {
        registry.remove(s.id);
        s.connection?.close('session expired');
      } else {
        this.host.propose({ kind: TxnKind.CloseSession, time: Date.now(), session: s.id });
      }
    }
  }

  private reportTouches(): void {
    const leader = this.host.leader();
    if (this.touched.size === 0 || leader === 0 || leader === this.host.selfId) return;
    this.host.sendAux(leader, { t: 'touch', sessions: [...this.touched] });
    this.touched.clear();
  }
}
