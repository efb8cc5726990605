// The leader's queue of ReadIndex requests awaiting confirmation of its leadership.
//
// Each request records the commit index at arrival and a sequence number. Heartbeats carry the
// latest sequence number; a follower's answer to a heartbeat carrying `seq` proves that, after every
// request with a sequence number <= seq arrived, that follower still accepted us as leader. Once a
// quorum proves it for a request, its recorded commit index is safe to read at (Raft §6.4).

import type { NodeId } from './types.js';

export interface PendingRead {
  from: NodeId;
  ctx: number;
  index: number;
}

interface QueuedRead extends PendingRead {
  seq: number;
  acks: Set<NodeId>;
}

export class ReadIndexQueue {
  private queue: QueuedRead[] = [];
  private seq = 0;

  /** Sequence number the next heartbeat must carry (0 if nothing is waiting). */
  latestSeq(): number {
    return this.queue.length > 0 ? this.seq : 0;
  }

  add(read: PendingRead, self: NodeId): number {
    this.queue.push({ ...read, seq: ++this.seq, acks: new Set([self]) });
    return this.seq;
  }

  /** Records `from`'s heartbeat answer; returns the reads now confirmed, in arrival order. */
  ack(from: NodeId, seq: number, isConfirmed: (acks: Set<NodeId>) => boolean): PendingRead[] {
    for (const r of this.queue) if (r.seq <= seq) r.acks.add(from);
    let n = 0;
    this.queue.forEach((r, i) => {
      if (isConfirmed(r.acks)) n = i + 1; // confirming a later read confirms every earlier one
    });
    return this.queue.splice(0, n).map(({ from: f, ctx, index }) => ({ from: f, ctx, index }));
  }

  clear(): void {
    this.queue = [];
  }
}
