// A bound on the client work one turn of the event loop does. A storm (thousands of clients served at once:
// a herd re-reading a 64 KiB map, everyone closing) would otherwise be served in one synchronous stretch of
// seconds, during which Raft ticks, heartbeats and peer messages wait (an election may follow) and so does
// every other client. Work is run at once while the current slice lasts; past it, tasks queue up and are run
// oldest first, one slice per later turn, with timers and I/O in between.

/** The clock the budget reads (ms); performance.now() unless a test supplies one. */
export type Clock = () => number;

export class TurnBudget {
  private sliceStart = -1;
  // Queued calls: fns[i](args[i]), oldest first from `head`.
  private fns: Array<(arg: never) => void> = [];
  private args: unknown[] = [];
  private head = 0;
  private draining = false;
  /** A run of the queue is due right after the current callback (within the current slice). */
  private soon = false;

  constructor(
    /** Milliseconds of work per slice. */
    private readonly sliceMs: number,
    private readonly clock: Clock = () => performance.now(),
    /** How the next slice is scheduled: after the I/O of the current turn. */
    private readonly nextTurn: (fn: () => void) => void = setImmediate,
  ) {}

  /** Tasks waiting for a later slice. */
  get waiting(): number {
    return this.fns.length - this.head;
  }

  /**
   * Calls fn(arg) after the current callback (process.nextTick) if the slice still has time then, else in a later
   * slice; calls run oldest first. The time of the callbacks that ran before counts against the slice: a thousand
   * calls queued while it had time left run only while it lasts. A call may run in a later turn: it must not
   * assume anything about the state at this call. (fn and arg rather than a closure: a member calls this for each
   * of thousands of connections.)
   */
  run<T>(fn: (arg: T) => void, arg: T): void {
    this.push(fn, arg);
    if (!this.hasTime()) return this.scheduleDrain();
    if (this.soon) return;
    this.soon = true;
    process.nextTick(() => {
      this.soon = false;
      this.hasTime(); // a slice that ended meanwhile (a drain ran) is followed by a new one
      this.runWhileTime();
    });
  }

  /** Queues fn(arg) for a later slice, behind everything queued before it. */
  later<T>(fn: (arg: T) => void, arg: T): void {
    this.push(fn, arg);
    this.scheduleDrain();
  }

  private push<T>(fn: (arg: T) => void, arg: T): void {
    this.fns.push(fn as (arg: never) => void);
    this.args.push(arg);
  }

  /** Whether the current slice has time left (a slice starts with the first work of a turn). */
  hasTime(): boolean {
    const now = this.clock();
    if (this.sliceStart < 0) {
      // A new slice: it ends with this turn, when the queue (if any) gets one of its own.
      this.sliceStart = now;
      this.scheduleDrain();
    }
    return now - this.sliceStart < this.sliceMs;
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    this.nextTurn(() => this.drain());
  }

  /** One slice of queued tasks; what remains waits for the next turn. */
  private drain(): void {
    this.draining = false;
    this.sliceStart = this.clock();
    this.runWhileTime();
    // The next work, whenever it comes, starts a slice of its own.
    this.sliceStart = -1;
  }

  /** Runs queued tasks, oldest first, while the current slice lasts; the rest wait for the next turn. */
  private runWhileTime(): void {
    while (this.head < this.fns.length && this.clock() - this.sliceStart < this.sliceMs) {
      const fn = this.fns[this.head] as (arg: unknown) => void;
      const arg = this.args[this.head];
      this.fns[this.head] = noop;
      this.args[this.head++] = undefined;
      fn(arg);
    }
    if (this.head === this.fns.length) {
      this.fns = [];
      this.args = [];
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.fns.length) {
      this.fns = this.fns.slice(this.head);
      this.args = this.args.slice(this.head);
      this.head = 0;
    }
    this.scheduleDrain();
  }
}

function noop(): void {}
