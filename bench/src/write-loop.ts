// A client that writes one node in a loop, one write at a time, and remembers when each write was sent, when it
// ended and whether it succeeded. After a failure it reconnects to the next member, as a client library would,
// so availability windows (leader kill, leadership transfer) can be read off its record afterwards.
import { now, sleep } from './clock.js';
import { ControlSession } from './control-session.js';
import type { Endpoint } from './loadgen/messages.js';

/** A member cut off from the leader may hold a request instead of failing it: give up on a write after this. */
const WRITE_PATIENCE_MS = 2000;
const RETRY_PAUSE_MS = 20;

export interface WriteRecord {
  sentAt: number;
  endedAt: number;
  ok: boolean;
  /** Why a failed write failed (the reply's error, a dropped connection, or no answer in time). */
  error?: string;
}

export class WriteLoop {
  readonly records: WriteRecord[] = [];
  private stopped = false;
  private readonly done: Promise<void>;
  private session: ControlSession | undefined;

  /** Starts writing `path` (which must exist) through `endpoints[0]`, moving on along the list after failures. */
  constructor(private readonly endpoints: Endpoint[], private readonly path: string) {
    this.done = this.run();
  }

  async stop(): Promise<WriteRecord[]> {
    this.stopped = true;
    await this.done;
    this.session?.destroy();
    return this.records;
  }

  /** Resolves at the end of the first successful write sent at or after `t` (NaN if none before `deadline`). */
  async firstSuccessSentFrom(t: number, deadline: number): Promise<number> {
    for (;;) {
      const r = this.records.find((w) => w.ok && w.sentAt >= t);
      if (r) return r.endedAt;
      if (now() > deadline || this.stopped) return NaN;
      await sleep(5);
    }
  }

  private async run(): Promise<void> {
    for (let i = 0, member = 0; !this.stopped; i++) {
      const sentAt = now();
      try {
        this.session ??= await ControlSession.open(this.endpoints[member % this.endpoints.length]!, 1 << 20);
        const write = this.session.setData(this.path, Buffer.from(String(i))).then(() => true);
        if (!(await Promise.race([write, sleep(WRITE_PATIENCE_MS).then(() => false)]))) throw new Error('write timed out');
        this.records.push({ sentAt, endedAt: now(), ok: true });
      } catch (err) {
        this.records.push({ sentAt, endedAt: now(), ok: false, error: (err as Error).message });
        this.session?.destroy();
        this.session = undefined;
        member++;
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }
}

/** The times between consecutive successful writes, of those intervals that overlap [from, to]. */
function gapsOverlapping(records: WriteRecord[], from: number, to: number): number[] {
  const ends = records.filter((r) => r.ok).map((r) => r.endedAt).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < ends.length; i++) if (ends[i]! >= from && ends[i - 1]! <= to) gaps.push(ends[i]! - ends[i - 1]!);
  return gaps;
}

/**
 * The longest time between two consecutive successful writes where that interval overlaps [from, to], and the
 * failed writes sent within [from, to]. The gap includes one write's own latency, as the writer sees it.
 */
export function writeGap(records: WriteRecord[], from: number, to: number): { maxGapMs: number; failed: number; firstError?: string } {
  const maxGapMs = gapsOverlapping(records, from, to).reduce((a, b) => Math.max(a, b), 0);
  const failures = records.filter((r) => !r.ok && r.sentAt >= from && r.sentAt <= to);
  const firstError = failures[0]?.error;
  return { maxGapMs, failed: failures.length, ...(firstError ? { firstError } : {}) };
}

/**
 * The pauses writes took at given moments (a restart's signal, a leadership transfer, a failed request): for each
 * moment, the time between the last successful write that ended before it and the first that ended after it.
 * A pause several moments fall into counts once.
 */
export function pausesAt(records: WriteRecord[], moments: number[]): number[] {
  const ends = records.filter((r) => r.ok).map((r) => r.endedAt).sort((a, b) => a - b);
  const pauses = new Map<number, number>();
  for (const t of moments) {
    const next = ends.findIndex((e) => e > t);
    if (next > 0) pauses.set(next, ends[next]! - ends[next - 1]!);
  }
  return [...pauses.values()];
}

/**
 * The pause pausesAt would find at a moment picked at random within [from, to] (a quiet stretch): a random moment
 * falls into a gap with odds proportional to its length, so the expected pause is Σgap² / Σgap. Times the number
 * of moments, it is what the roll's figure would read if the roll itself cost nothing.
 */
export function expectedPauseMs(records: WriteRecord[], from: number, to: number): number {
  const gaps = gapsOverlapping(records, from, to);
  const total = gaps.reduce((a, b) => a + b, 0);
  return total > 0 ? gaps.reduce((a, g) => a + g * g, 0) / total : 0;
}
