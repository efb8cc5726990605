// The simulated ensemble's operator: one session that changes the membership with ZooKeeper's reconfig opcode, on
// whatever member it is connected to, amid the chaos: a member leaves (`leavingServers`), a member that left joins
// again (`joiningServers` with its server line), or both in one request (two voters changed at once: joint
// consensus). The request runs the members' real reconfig path (checks, the
// leader catching a joiner up, joint consensus when needed, apply, the answer once the change is in force). Like a
// real client it moves on when its connection drops or stays silent, and then cannot know whether its last
// request took effect; the simulation reads the outcome from the committed log.
import { ErrorCode, OpCode } from '../../../protocol/src/constants.js';
import type { ReconfigRequest } from '../../../protocol/src/records.js';
import type { NodeId } from '../../src/consensus/types.js';
import type { SimConnection, Reply } from './connection.js';
import type { EventQueue } from './event-queue.js';
import type { Recorder } from './recorder.js';
import { SimSession, type MemberDirectory } from './sim-session.js';

export interface AdminStats {
  reconfigsAsked: number;
  /** Answered OK: the change is in force. */
  reconfigsDone: number;
  /** Refused (NEWCONFIGNOQUORUM, RECONFIGINPROGRESS, BADARGUMENTS, ...). */
  reconfigsRefused: number;
}

/** What the admin knows of the ensemble: every member's server line, and which are in the configuration now. */
export interface Roster {
  /** Every member the ensemble may have, with its server line (`host:quorumPort:electionPort:role;clientPort`). */
  readonly lines: ReadonlyMap<NodeId, string>;
  /** Members of the latest committed configuration. */
  current(): ReadonlySet<NodeId>;
  /** Whether `id` counts toward quorums (participant or never-leader). */
  votes(id: NodeId): boolean;
}

/** The fewest voting members a removal may leave. */
const MIN_VOTERS = 2;
/**
 * How long a reconfig may take: the leader catching a joiner up (initLimit = 10 ticks of 500 ms) and a leader the
 * request removes handing over first (eight tries, half a tick apart).
 */
const RECONFIG_PATIENCE_MS = 8000;

export class SimAdmin extends SimSession {
  /** Restoring: only adds back members that left, until every one is back. */
  private mode: 'chaos' | 'restoring' = 'chaos';
  private nextXid = 1;
  private inFlight: { xid: number; sentAt: number } | undefined;
  private nextRequestAt = 0;

  constructor(
    events: EventQueue,
    rand: () => number,
    private readonly recorder: Recorder,
    memberIds: readonly NodeId[],
    members: MemberDirectory,
    private readonly roster: Roster,
    readonly stats: AdminStats,
    /** How long the admin waits for its session (2/3 of its timeout, as a client waits for any answer). */
    private readonly connectPatience: number,
  ) {
    super(events, rand, memberIds, members);
  }

  /**
   * The chaos is over: from now on only add back the members that left. A request still waiting is given up (its
   * member may be one it removed, which may never hear that its removal committed) and asked again elsewhere.
   */
  restore(): void {
    this.mode = 'restoring';
    if (this.inFlight) this.conn?.close('giving up on a reconfig to add the removed members back');
  }

  start(): void {
    this.nextRequestAt = 200 + this.rand() * 800;
    this.events.after(this.rand() * 20, () => this.act());
  }

  private act(): void {
    const now = this.events.now;
    if (!this.conn) this.connect();
    else if (!this.ready && now - this.connectingSince > this.connectPatience) this.conn.close('connect timed out');
    else if (this.inFlight && now - this.inFlight.sentAt > RECONFIG_PATIENCE_MS) this.conn.close('reconfig timed out');
    else if (this.ready && !this.inFlight && now >= this.nextRequestAt) this.ask();
    this.events.after(20 + this.rand() * 80, () => this.act());
  }

  /** A member leaves, one that left joins again, or both at once. */
  private ask(): void {
    const current = this.roster.current();
    const gone = this.memberIds.filter((id) => !current.has(id));
    const voters = [...current].filter((id) => this.roster.votes(id));
    const removable = [...current].filter((id) => !this.roster.votes(id) || voters.length > MIN_VOTERS);
    const r = this.rand();
    const join = gone.length > 0 && (this.mode === 'restoring' || removable.length === 0 || r < 0.6);
    const leave = this.mode === 'chaos' && removable.length > 0 && (!join || r < 0.2);
    if (!join && !leave) return;
    const req: ReconfigRequest = {
      joiningServers: join ? ((id) => `server.${id}=${this.roster.lines.get(id)!}`)(this.pick(gone)) : null,
      leavingServers: leave ? String(this.pick(removable)) : null,
      newMembers: null,
      curConfigId: -1,
    };
    const xid = this.nextXid++;
    this.inFlight = { xid, sentAt: this.events.now };
    this.stats.reconfigsAsked++;
    this.conn!.sendRequest(xid, { type: OpCode.Reconfig, ...req });
  }

  /** Whether a request lost with its connection took effect, the committed log tells. */
  protected connectionLost(): void {
    this.inFlight = undefined;
  }

  reply(conn: SimConnection, r: Reply): void {
    if (conn !== this.conn) return;
    const asked = this.inFlight;
    this.recorder.replies.push({ seq: this.recorder.tick(), client: 0, session: this.session!.id, member: conn.memberId, xid: r.xid, zxid: r.zxid, kind: 'reconfig' });
    if (!asked || asked.xid !== r.xid) throw new Error(`admin: reply to xid ${r.xid} while xid ${asked?.xid} was in flight`);
    this.inFlight = undefined;
    this.lastZxidSeen = Math.max(this.lastZxidSeen, r.zxid);
    this.nextRequestAt = this.events.now + 200 + this.rand() * 1000;
    if (r.err === ErrorCode.Ok) this.stats.reconfigsDone++;
    else this.stats.reconfigsRefused++;
    if (r.err === ErrorCode.SessionExpired) conn.close('session expired');
    else if (r.err === ErrorCode.SessionMoved) conn.close('session moved');
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)]!;
  }
}
