// What a member's readiness probe asks (GET /ready, and `ready` in /commands/members): does this member serve
// clients, caught up with the ensemble? Rolling restarts, node drains (through the PodDisruptionBudget) and the
// client Service wait on it, so "the process is up" is not enough: a follower back from a restart must have
// applied what the leader had committed, and a leader must still have its quorum.
//
// Both are one read barrier (ZooKeeper's sync): the leader confirms its leadership with a quorum's heartbeat
// answers and names its commit index, and the barrier completes once this member has applied up to that index. A
// standalone member is ready once it serves. Checks share the barrier in flight, so probes that come faster than
// barriers complete (a member catching up) do not pile up requests to the leader.

export type Readiness = { ready: true } | { ready: false; reason: string };

export interface ReadinessHost {
  readonly standalone: boolean;
  /** Why the member does not serve read-write clients (starting, cut off from its quorum, read-only), if it does not. */
  notServing(): string | undefined;
  isLeader(): boolean;
  /** A follower or observer: knows a leader whose connection to it has not dropped. */
  hasReachableLeader(): boolean;
  /** The voters this member is connected to, itself included, make a quorum. */
  quorumReachable(): boolean;
  /** Resolves once this member has applied everything the leader had committed when asked. */
  barrier(): Promise<void>;
}

const READY: Readiness = { ready: true };
const notReady = (reason: string): Readiness => ({ ready: false, reason });

export class ReadinessCheck {
  private inFlight: Promise<void> | undefined;

  /** `waitMs`: how long a check waits for the barrier; a probe's own timeout must be longer. */
  constructor(
    private readonly host: ReadinessHost,
    private readonly waitMs: number,
  ) {}

  async check(): Promise<Readiness> {
    const { host } = this;
    const notServing = host.notServing();
    if (notServing !== undefined) return notReady(notServing);
    if (host.standalone) return READY;
    const leader = host.isLeader();
    if (leader && !host.quorumReachable()) return notReady('leader without a quorum of voters connected');
    if (!leader && !host.hasReachableLeader()) return notReady('no leader reachable');
    const caughtUp = await this.within(this.barrier());
    if (caughtUp) return READY;
    return notReady(leader ? 'leader whose quorum has not confirmed it' : 'catching up with the leader');
  }

  private barrier(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const barrier = this.host.barrier().finally(() => {
      if (this.inFlight === barrier) this.inFlight = undefined;
    });
    this.inFlight = barrier;
    return barrier;
  }

  private within(done: Promise<void>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, this.waitMs, false)));
    return Promise.race([done.then(() => true), timeout]).finally(() => clearTimeout(timer));
  }
}
