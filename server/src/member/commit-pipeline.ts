// Drives the consensus core: persists what it asks to (group-committed WAL writes), hands committed entries to
// the member in order, and turns entry terms into ZooKeeper zxids. A standalone member runs the same core with a
// membership of one, so its writes take exactly the path an ensemble's do.
import type { RaftCore, ProposeResult, SoftState } from '../consensus/raft.js';
import type { Message } from '../consensus/messages.js';
import type { Entry } from '../consensus/types.js';
import type { WriteAheadLog } from '../storage/wal.js';

export interface PipelineHost {
  /** Committed entries with their zxids, in log order. */
  committed(entries: Array<{ entry: Entry; zxid: number }>): void;
  roleChanged?(state: SoftState): void;
  send?(messages: Message[]): void;
  /** A durable write failed: the member cannot go on safely. */
  fatal(err: Error): void;
}

const COUNTER_BITS = 2 ** 32;

/** zxid of the entry after `previous`: epoch = term; the counter restarts at 1 when the term grows. */
export function nextZxid(previous: number, term: number): number {
  const epoch = Math.floor(previous / COUNTER_BITS);
  return term > epoch ? term * COUNTER_BITS + 1 : previous + 1;
}

export class CommitPipeline {
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly core: RaftCore,
    private readonly wal: WriteAheadLog,
    private readonly host: PipelineHost,
    private lastZxid: number,
  ) {}

  propose(data: Uint8Array): ProposeResult {
    const result = this.core.propose(data);
    this.schedule();
    return result;
  }

  tick(): void {
    this.core.tick();
    this.schedule();
  }

  campaign(): void {
    this.core.campaign();
    this.schedule();
  }

  /** Lets the core forget entries up to `index`, which a snapshot now covers. */
  compact(index: number): void {
    this.core.compact(index);
  }

  stop(): void {
    this.stopped = true;
  }

  /** Processes the core's output soon, once for everything that accumulated meanwhile. */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (!this.stopped && this.core.hasReady()) {
      const rd = this.core.ready();
      if (rd.persist) {
        const { id, hardState, entries } = rd.persist;
        this.wal.append(hardState, entries).then(
          () => {
            this.core.persisted(id);
            this.schedule();
          },
          (err: Error) => this.host.fatal(err),
        );
      }
      if (rd.messages.length > 0) this.host.send?.(rd.messages);
      if (rd.softState) this.host.roleChanged?.(rd.softState);
      if (rd.committed.length > 0) {
        const out = rd.committed.map((entry) => {
          this.lastZxid = nextZxid(this.lastZxid, entry.term);
          return { entry, zxid: this.lastZxid };
        });
        this.host.committed(out);
      }
    }
  }
}
