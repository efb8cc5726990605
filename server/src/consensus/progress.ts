// The leader's view of one follower's log, and the flow control for replicating to it.
//
// probe:     we do not know where the follower's log matches; one append at a time, then wait
//            for its answer (or a heartbeat answer) before trying again.
// replicate: the follower is in sync; appends are pipelined optimistically, at most
//            `maxInflight` unacknowledged messages at once.
// snapshot:  the follower needs entries we compacted; nothing is sent until the host reports how
//            the snapshot transfer went (or the follower acknowledges the snapshot index).

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Snapshot index being sent, while in snapshot state. */
  pendingSnapshot = 0;
  /** In probe state: an append is outstanding, wait for an answer. */
  probeSent = false;
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  /** Heard from during the previous check-quorum round. */
  wasActive = false;
  /** Commit index last sent, so a commit advance alone still reaches the follower. */
  sentCommit = 0;
  /** Last index of each unacknowledged append, oldest first (replicate state). */
  private inflight: number[] = [];

  constructor(next: number) {
    this.next = next;
  }

  becomeProbe(): void {
    this.next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.state = 'probe';
    this.pendingSnapshot = 0;
    this.probeSent = false;
    this.inflight = [];
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.inflight = [];
  }

  /** An acknowledgement up to `index`; returns whether it told us something new. */
  ack(index: number): boolean {
    while (this.inflight.length > 0 && this.inflight[0]! <= index) this.inflight.shift();
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * A rejection of the append whose previous index was `rejected`, with the follower's hint of
   * where the logs may match. Returns false if the rejection is stale.
   */
  reject(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.becomeProbe();
      return true;
    }
    if (this.state !== 'probe' || this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(maxInflight: number): boolean {
    if (this.state === 'probe') return this.probeSent;
    if (this.state === 'replicate') return this.inflight.length >= maxInflight;
    return true;
  }

  /** Records an append that carried entries up to `last` (== next - 1 if it carried none). */
  sent(last: number, carriedEntries: boolean): void {
    if (this.state === 'probe') {
      this.probeSent = true;
    } else if (carriedEntries) {
      this.inflight.push(last);
      this.next = last + 1;
    }
  }

  /** A heartbeat answer proves the follower is reachable: let a stalled pipeline move again. */
  onHeartbeatResponse(): void {
    this.probeSent = false;
    this.inflight.shift();
  }
}
