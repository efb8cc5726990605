// Sessions as this member sees them: which connection serves each, which are local (known only here), and when
// each expires. Global sessions are also in the replicated state; this registry only tracks liveness.
//
// A member may hold a hundred thousand idle sessions, so an entry is one small object of fixed shape: its expiry
// bucket lives on it (no side maps), and a local session stores no password at all — it is derived from the
// session id with a per-process secret, so only this process can produce it, and a local session lives nowhere else.
import { createHmac, randomBytes, randomFillSync } from 'node:crypto';
import { SESSION_PASSWORD_LENGTH } from 'corral/protocol';
import { ExpiryQueue, type Expiring } from './expiry-queue.js';

/** Random bytes not handed out yet (see newPassword); starts used up. */
const randomPool = Buffer.allocUnsafeSlow(4096);
let randomAt = randomPool.length;

/** What a session needs of the connection serving it. */
export interface SessionConnection {
  close(reason: string): void;
}

const LOCAL_PASSWORD_SECRET = randomBytes(32);

// SessionEntry's yes/no state, as bits of one small integer field rather than a field each.
const LOCAL = 1;
const CLOSING = 2;
const REPORT_PENDING = 4;

export class SessionEntry implements Expiring {
  /** The connection serving the session now, if any. */
  connection: SessionConnection | undefined = undefined;
  /** xid of the closeSession request to answer once the close is applied. */
  closeXid: number | undefined = undefined;
  /** Owned by the registry's expiry queue. */
  expiryBucket = 0;
  /** Owned by SessionLiveness: when this member last reported the session to the leader (its clock, ms). */
  reportedAt = 0;
  private flags: number;

  /** A global session's password comes from its CreateSession; a local one's is derived (see above). */
  constructor(
    readonly id: bigint,
    public timeout: number,
    local: boolean,
    private readonly password?: Buffer,
  ) {
    this.flags = local ? LOCAL : 0;
  }

  /** Known only to this member (not in the replicated state). */
  get local(): boolean {
    return (this.flags & LOCAL) !== 0;
  }

  set local(on: boolean) {
    this.setFlag(LOCAL, on);
  }

  /** Set once a close (explicit or expiry) was submitted, so it is not submitted twice. */
  get closing(): boolean {
    return (this.flags & CLOSING) !== 0;
  }

  set closing(on: boolean) {
    this.setFlag(CLOSING, on);
  }

  /** Owned by SessionLiveness: traffic seen here that the leader has not been told about yet. */
  get reportPending(): boolean {
    return (this.flags & REPORT_PENDING) !== 0;
  }

  set reportPending(on: boolean) {
    this.setFlag(REPORT_PENDING, on);
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit;
  }

  get passwd(): Buffer {
    return this.password ?? localPassword(this.id);
  }
}

function localPassword(id: bigint): Buffer {
  const idBytes = Buffer.allocUnsafe(8);
  idBytes.writeBigInt64BE(id);
  return createHmac('sha256', LOCAL_PASSWORD_SECRET).update(idBytes).digest().subarray(0, SESSION_PASSWORD_LENGTH);
}

export class SessionRegistry {
  private readonly entries = new Map<bigint, SessionEntry>();
  private readonly expiry: ExpiryQueue<SessionEntry>;
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

  /**
   * A random password for a new global session (carved from Node's shared pool, not an allocation of its own).
   * Random bytes are drawn a few KiB at a time: one call per password cost a storm of new sessions ~3% of a member.
   */
  static newPassword(): Buffer {
    if (randomAt + SESSION_PASSWORD_LENGTH > randomPool.length) {
      randomFillSync(randomPool);
      randomAt = 0;
    }
    const password = Buffer.allocUnsafe(SESSION_PASSWORD_LENGTH);
    randomPool.copy(password, 0, randomAt, (randomAt += SESSION_PASSWORD_LENGTH));
    return password;
  }

  get(id: bigint): SessionEntry | undefined {
    return this.entries.get(id);
  }

  /** Registers (or re-registers) `entry` with a full timeout from `now`. */
  add(entry: SessionEntry, now: number): void {
    this.entries.set(entry.id, entry);
    this.expiry.touch(entry, now, entry.timeout);
  }

  /** Gives `entry` a full timeout from `now`, unless it is closing or no longer registered. */
  touch(entry: SessionEntry, now: number): void {
    if (!entry.closing && this.entries.get(entry.id) === entry) this.expiry.touch(entry, now, entry.timeout);
  }

  /** When the session expires unless touched again (undefined once expired, closing or removed). */
  deadlineOf(entry: SessionEntry): number | undefined {
    return this.expiry.deadlineOf(entry);
  }

  remove(id: bigint): SessionEntry | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.expiry.remove(e);
    return e;
  }

  /** Sessions whose deadline passed; they stay registered until their close is applied. */
  expired(now: number): SessionEntry[] {
    return this.expiry.expire(now);
  }

  all(): IterableIterator<SessionEntry> {
    return this.entries.values();
  }

  get size(): number {
    return this.entries.size;
  }
}
