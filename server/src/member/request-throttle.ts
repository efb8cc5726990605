// globalOutstandingLimit, as ZooKeeper throttles its connections (ServerCnxn.incrOutstandingAndCheckThrottle,
// ZooKeeperServer.shouldThrottle): while more requests are in process than the limit, a connection that has requests
// of its own unanswered stops reading its socket, and reads again once they are answered. The bytes a client sends
// meanwhile wait in the kernel's buffers and then the client's, so a flood costs the member no memory; a connection
// with nothing unanswered is never held, so every session is still served, one request at a time.

export class RequestThrottle {
  /** Client requests received and not answered yet, over all connections. */
  private unanswered = 0;

  constructor(
    /** globalOutstandingLimit (ZooKeeper's default is 1000). */
    readonly limit: number,
    /**
     * Proposals of any origin the member's replication still holds (waiting for a leader, forwarded to it, committed
     * and not applied yet): they count too, so those queues stay within the limit as well (see Replicator.backlog).
     */
    private readonly backlog: () => number = () => 0,
  ) {}

  /** Requests in process: the larger of the unanswered client requests and the replication backlog. */
  get inProcess(): number {
    return Math.max(this.unanswered, this.backlog());
  }

  /** `n` requests of a connection now wait for their reply. */
  started(n = 1): void {
    this.unanswered += n;
  }

  /** `n` requests were answered, or dropped with their connection. */
  finished(n = 1): void {
    this.unanswered -= n;
  }

  /** Whether a connection with `own` unanswered requests must stop reading for now (ZooKeeper's shouldThrottle). */
  holds(own: number): boolean {
    return own > 0 && this.inProcess > this.limit;
  }
}
