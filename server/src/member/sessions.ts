// Sessions as this member sees them: which connection serves each, which are local (known only here), and when
// each expires. Global sessions are also in the replicated state; this registry only tracks liveness.
import { randomBytes } from 'node:crypto';
import { SESSION_PASSWORD_LENGTH } from '../../../protocol/src/constants.js';
import { ExpiryQueue } from './expiry-queue.js';

export interface SessionEntry {
  id: bigint;
  timeout: number;
  passwd: Buffer;
  local: boolean;
  /** The connection serving the session now, if any. */
  connection?: { close(reason: string): void };
  /** Set once a close (explicit or expiry) was submitted, so it is not submitted twice. */
  closing?: boolean;
  /** xid of the closeSession request to answer once the close is applied. */
  closeXid?: number;
}

export class SessionRegistry {
  private readonly entries = new Map<bigint, SessionEntry>();
  private readonly expiry: ExpiryQueue<bigint>;
  private nextId: bigint;

  constructor(serverId: number, tickTime: number, now: number) {
    this.expiry = new ExpiryQueue(tickTime, now);
    // ZooKeeper's layout: the server id in the top byte, then milliseconds, then a counter.
    this.nextId = BigInt.asIntN(64, ((BigInt(now) << 24n) & ((1n << 56n) - 1n)) | (BigInt(serverId & 0xff) << 56n));
  }

  newSessionId(): bigint {
    const id = this.nextId;
    this.nextId = BigInt.asIntN(64, this.nextId + 1n);
    return id;
  }

  static newPassword(): Buffer {
    return randomBytes(SESSION_PASSWORD_LENGTH);
  }

  get(id: bigint): SessionEntry | undefined {
    return this.entries.get(id);
  }

  add(entry: SessionEntry, now: number): void {
    this.entries.set(entry.id, entry);
    this.expiry.touch(entry.id, now, entry.timeout);
  }

  touch(id: bigint, now: number): void {
    const e = this.entries.get(id);
    if (e && !e.closing) this.expiry.touch(id, now, e.timeout);
  }

  remove(id: bigint): SessionEntry | undefined {
    const e = this.entries.get(id);
    this.entries.delete(id);
    this.expiry.remove(id);
    return e;
  }

  /** Sessions whose deadline passed; they stay registered until their close is applied. */
  expired(now: number): SessionEntry[] {
    return this.expiry.expire(now).flatMap((id) => {
      const e = this.entries.get(id);
      return e ? [e] : [];
    });
  }

  all(): IterableIterator<SessionEntry> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }
}
