// Everything clients observed, on one total order of client events (`seq`): the operations for the
// linearizability checker, and every reply and read for the per-session checks.
import { ErrorCode } from '../../../protocol/src/constants.js';
import type { HistoryOp, Outcome, ZkOp } from './history.js';

export interface ReplyRecord {
  seq: number;
  client: number;
  session: bigint;
  member: number;
  xid: number;
  zxid: number;
  /** What the request was: a write, a sync or a read. */
  kind: string;
}

/** A read answered from a member's tree: must show the committed state at its reply zxid. */
export interface ReadRecord {
  seq: number;
  client: number;
  session: bigint;
  path: string;
  withData: boolean;
  zxid: number;
  outcome: Outcome;
  /** The highest zxid the session had seen when it sent the read. */
  seenBefore: number;
}

/** A write whose reply was lost, and how to find it in the log. */
interface LostWrite {
  op: HistoryOp;
  session: bigint;
  xid: number;
}

export class Recorder {
  private seq = 0;
  private nextId = 1;
  readonly history: HistoryOp[] = [];
  private readonly lostWrites: LostWrite[] = [];
  /** Every client write the log committed, by session and xid: when it was first applied and with what result. */
  private readonly appliedWrites = new Map<string, { session: bigint; xid: number; zxid: number; seq: number; outcome: Outcome }>();
  private readonly lostKeys = new Set<string>();
  readonly replies: ReplyRecord[] = [];
  readonly reads: ReadRecord[] = [];

  /** The next position in the total order of client events. */
  tick(): number {
    return ++this.seq;
  }

  /** A client sent an operation; until it is answered its outcome is unknown. */
  invoke(client: number, op: ZkOp, at = this.tick()): HistoryOp {
    const h: HistoryOp = { id: this.nextId++, client, op, invoke: at, response: Infinity };
    this.history.push(h);
    return h;
  }

  respond(h: HistoryOp, outcome: Outcome): void {
    h.response = this.tick();
    h.outcome = outcome;
  }

  lost(op: HistoryOp, session: bigint, xid: number): void {
    this.lostWrites.push({ op, session, xid });
    this.lostKeys.add(`${session}:${xid}`);
  }

  /** A member applied a client's write; returns the zxid it was first applied at if that was another one. */
  applied(session: bigint, xid: number, zxid: number, outcome: Outcome): number | undefined {
    const key = `${session}:${xid}`;
    const first = this.appliedWrites.get(key);
    if (!first) this.appliedWrites.set(key, { session, xid, zxid, seq: this.tick(), outcome });
    return first && first.zxid !== zxid ? first.zxid : undefined;
  }

  /**
   * Settles the writes whose replies were lost from the log, once every member has converged: a write the log
   * holds took effect by the time it was first applied, with the result apply gave it; one it lacks never took
   * effect. (Unsettled, each would be an open-ended "maybe" for the linearizability search, which grows
   * exponentially with them.)
   */
  settleLostWrites(): void {
    for (const { op, session, xid } of this.lostWrites.splice(0)) {
      const applied = this.appliedWrites.get(`${session}:${xid}`);
      if (!applied || !tookEffect(applied.outcome)) this.discard(op);
      else {
        op.response = applied.seq;
        op.outcome = applied.outcome;
      }
    }
  }

  /**
   * Writes the log applied after a later write of the same session (ZooKeeper applies a client's updates in the
   * order it sent them), and whether the client had lost the connection it sent them on.
   */
  writesOutOfOrder(): Array<{ session: bigint; xid: number; after: number; lost: boolean }> {
    const out: Array<{ session: bigint; xid: number; after: number; lost: boolean }> = [];
    const latest = new Map<bigint, number>();
    for (const w of [...this.appliedWrites.values()].sort((a, b) => a.zxid - b.zxid)) {
      if (!tookEffect(w.outcome)) continue;
      const after = latest.get(w.session) ?? 0;
      if (w.xid < after) out.push({ session: w.session, xid: w.xid, after, lost: this.lostKeys.has(`${w.session}:${w.xid}`) });
      else latest.set(w.session, w.xid);
    }
    return out;
  }

  /** A read whose reply never came constrains nothing: drop it. */
  discard(h: HistoryOp): void {
    const i = this.history.lastIndexOf(h);
    if (i >= 0) this.history.splice(i, 1);
  }
}

/** Applied after its session expired, or sent through a member its session has left, a write has no effect. */
function tookEffect(outcome: Outcome): boolean {
  return outcome.err !== ErrorCode.SessionExpired && outcome.err !== ErrorCode.SessionMoved;
}
