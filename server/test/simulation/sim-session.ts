// What every simulated client does with its session: it connects to a member picked at random, and like a real
// client carries its session id, password and the last zxid it has seen to the next member when its connection
// drops; it starts a new session once a member says the old one is gone.
import type { NodeId } from '../../src/consensus/types.js';
import { SimConnection, type ClientEnd, type MemberEnd, type Reply } from './connection.js';
import type { EventQueue } from './event-queue.js';

/** Members a client may connect to (undefined while down). */
export type MemberDirectory = (id: NodeId) => MemberEnd | undefined;

export abstract class SimSession implements ClientEnd {
  protected conn: SimConnection | undefined;
  /** The handshake on `conn` succeeded. */
  protected ready = false;
  protected connectingSince = 0;
  protected session: { id: bigint; passwd: Buffer } | undefined;
  protected lastZxidSeen = 0;

  constructor(
    protected readonly events: EventQueue,
    protected readonly rand: () => number,
    protected readonly memberIds: readonly NodeId[],
    private readonly members: MemberDirectory,
  ) {}

  protected connect(): void {
    const id = this.memberIds[Math.floor(this.rand() * this.memberIds.length)]!;
    const member = this.members(id);
    if (!member) return;
    this.conn = new SimConnection(this.events, this.rand, this, id, member);
    this.ready = false;
    this.connectingSince = this.events.now;
    this.conn.sendHandshake({ sessionId: this.session?.id ?? 0n, passwd: this.session?.passwd ?? Buffer.alloc(0), lastZxidSeen: this.lastZxidSeen });
  }

  connected(conn: SimConnection, sessionId: bigint, passwd: Buffer): void {
    if (conn !== this.conn) return;
    this.session = { id: sessionId, passwd };
    this.ready = true;
  }

  closed(conn: SimConnection, reason: string): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    const expired = reason === 'invalid session' || reason === 'session expired';
    this.connectionLost(expired);
    // The member does not know the session: a real application would have to start a new one.
    if (expired) this.session = undefined;
  }

  /** The connection dropped, with whatever was in flight on it; `expired`: the session is gone too. */
  protected abstract connectionLost(expired: boolean): void;

  abstract reply(conn: SimConnection, reply: Reply): void;
}
