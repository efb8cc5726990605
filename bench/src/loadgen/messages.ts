// What the coordinator asks of a generator process, and what comes back (over the fork IPC channel).
import type { HistogramData } from '../histogram.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface SessionSettings {
  /** Session timeout asked of the server. */
  timeoutMs: number;
  /** Largest frame accepted from the server. */
  maxFrame: number;
}

export type Command =
  /**
   * Opens `count` sessions, spread round-robin over the endpoints starting at `firstIndex`. With concurrency 0
   * every connect starts at `startAt` at once (a storm); otherwise at most `concurrency` are in progress.
   * With readPath each session then reads that node and leaves a data watch on it.
   */
  | { op: 'connect'; count: number; firstIndex: number; endpoints: Endpoint[]; session: SessionSettings;
      concurrency: number; startAt: number; readPath?: string }
  /** Closed-loop load on every open session: `depth` outstanding requests each, until startAt+warmup+duration. */
  | { op: 'load'; readFraction: number; depth: number; keyPrefix: string; keyCount: number; valueSize: number;
      startAt: number; warmupMs: number; durationMs: number }
  /** Waits until every watching session re-read the node after a change made at or after `since`. */
  | { op: 'rereads'; since: number; timeoutMs: number }
  /** Sends exists('/') on every open session and counts the answers. */
  | { op: 'verify'; timeoutMs: number }
  /** Closes every session at `startAt` at once and waits for the server to close each connection. */
  | { op: 'closeAll'; startAt: number; timeoutMs: number }
  | { op: 'exit' };

/** CPU time (user + system, ms) the generator process used while carrying out a command. */
interface Cost {
  cpuMs: number;
  wallMs: number;
}

export interface ConnectResult extends Cost {
  opened: number;
  failed: number;
  /** Time from startAt until each session was open (and had read, with readPath), in µs. */
  ready: HistogramData;
  /** Last session ready, ms since the epoch (0 if none). */
  lastReadyAt: number;
  firstError?: string;
}

export interface LoadResult extends Cost {
  reads: HistogramData;
  writes: HistogramData;
  /** Requests completed within the measured window. */
  completed: number;
  errors: number;
  outOfOrder: number;
}

export interface RereadResult extends Cost {
  watching: number;
  reread: number;
  /** Time from `since` until each re-read completed, in µs. */
  latency: HistogramData;
  lastAt: number;
}

export interface VerifyResult extends Cost {
  open: number;
  ok: number;
  /** Sessions this process opened whose connection the server has closed since (expired or dropped). */
  lost: number;
}

export interface CloseResult extends Cost {
  closed: number;
  /** Time from startAt until each connection was closed by the server, in µs. */
  latency: HistogramData;
  lastAt: number;
}

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
