// A model of the host around one RaftCore, used by the unit-test cluster and the simulator:
// background persistence (persists become durable only when flushed), crash/restart from durable
// state only, a toy state machine (a rolling hash of applied entries), snapshots and compaction.

import { RaftCore, type Ready } from '../../src/consensus/raft.js';
import type { Message } from '../../src/consensus/messages.js';
import type { Entry, HardState, Membership, NodeId, SnapshotMeta } from '../../src/consensus/types.js';

/** The toy state machine: how far it got and a digest of everything applied. */
export interface AppState {
  index: number;
  hash: number;
}

/** A Snapshot message on the wire carries the data as well (the host streams it out of band). */
export type WireMessage = Message & { data?: AppState };

interface Durable {
  hardState: HardState;
  entries: Entry[];
  snapshot: SnapshotMeta;
  app: AppState;
}

export interface NodeOptions {
  electionTicks?: number;
  maxInflightMsgs?: number;
  maxMsgBytes?: number;
}

export interface NodeHooks {
  /** Every entry the state machine applies, in order. */
  onApply?: (node: NodeId, entry: Entry) => void;
  /** Entries handed to the host for persistence, and the terms by index of the entries they replace or drop. */
  onPersist?: (node: NodeId, entries: Entry[], replaced: ReadonlyMap<number, number>) => void;
}

export function entryDigest(e: Entry): number {
  let h = (e.index * 2654435761) ^ (e.term * 40503) ^ e.kind;
  for (const b of e.data) h = Math.imul(h ^ b, 16777619);
  return h >>> 0;
}

export class SimNode {
  core!: RaftCore;
  up = true;
  app: AppState = { index: 0, hash: 0 };
  /** Persists handed out but not yet durable, oldest first. */
  pending: Ready['persist'][] = [];
  reads: { ctx: number; index: number }[] = [];
  /** Snapshot data this host holds, by index (its own compactions and ones received). */
  private snapshots = new Map<number, AppState>();
  private durable: Durable;
  /** Term by index of the log as handed out for persistence (durable or pending). */
  private handed = new Map<number, number>();

  constructor(
    readonly id: NodeId,
    membership: Membership,
    private readonly random: () => number,
    private readonly options: NodeOptions = {},
    private readonly hooks: NodeHooks = {},
  ) {
    const snapshot = { index: 0, term: 0, membership };
    this.durable = { hardState: { term: 0, vote: 0, commit: 0 }, entries: [], snapshot, app: { index: 0, hash: 0 } };
    this.restart();
  }

  /** Rebuilds the core from durable state only (used at construction and after a crash). */
  restart(): void {
    const d = this.durable;
    this.core = new RaftCore({
      id: this.id,
      snapshot: d.snapshot,
      hardState: d.hardState,
      entries: d.entries.slice(),
      random: this.random,
      ...this.options,
    });
    this.app = { ...d.app };
    this.handed = new Map(d.entries.map((e) => [e.index, e.term]));
    this.snapshots = new Map([[d.snapshot.index, { ...d.app }]]);
    this.pending = [];
    this.reads = [];
    this.up = true;
  }

  /** Crash: the first `survive` pending persists made it to disk, the rest are lost. */
  crash(survive: number): void {
    this.pending.slice(0, survive).forEach((p) => this.makeDurable(p!));
    this.pending = [];
    this.up = false;
  }

  /** Runs one ready cycle; returns the messages to send. */
  cycle(): WireMessage[] {
    const rd = this.core.ready();
    if (rd.persist) {
      if (rd.persist.snapshot) {
        const data = this.snapshots.get(rd.persist.snapshot.index);
        if (!data) throw new Error(`node ${this.id}: snapshot ${rd.persist.snapshot.index} data never arrived`);
        this.app = { ...data };
      }
      if (rd.persist.snapshot) this.handed.clear();
      const first = rd.persist.entries[0]?.index ?? Infinity;
      const replaced = new Map([...this.handed].filter(([i]) => i >= first));
      for (const i of replaced.keys()) this.handed.delete(i);
      for (const e of rd.persist.entries) this.handed.set(e.index, e.term);
      this.hooks.onPersist?.(this.id, rd.persist.entries, replaced);
      this.pending.push(rd.persist);
    }
    for (const e of rd.committed) {
      if (e.index !== this.app.index + 1) throw new Error(`node ${this.id}: applied ${e.index} after ${this.app.index}`);
      this.app = { index: e.index, hash: Math.imul(this.app.hash ^ entryDigest(e), 31) >>> 0 };
      this.hooks.onApply?.(this.id, e);
    }
    this.reads.push(...rd.reads);
    return rd.messages.map((m) => (m.snapshot ? { ...m, data: this.snapshots.get(m.snapshot.index)! } : m));
  }

  /** Makes the first `n` pending persists durable and acknowledges them. */
  flush(n = this.pending.length): void {
    const done = this.pending.splice(0, n);
    if (done.length === 0) return;
    done.forEach((p) => this.makeDurable(p!));
    this.core.persisted(done[done.length - 1]!.id);
  }

  receive(m: WireMessage): void {
    if (m.snapshot && m.data) this.snapshots.set(m.snapshot.index, { ...m.data });
    const { data: _data, ...msg } = m;
    this.core.step(msg);
  }

  /** Snapshot the state machine at its applied index and compact the log there. */
  compact(): void {
    const index = this.app.index;
    if (index <= this.core.snapshotMeta.index) return;
    this.core.compact(index);
    for (const i of this.handed.keys()) if (i <= index) this.handed.delete(i);
    this.snapshots.set(index, { ...this.app });
    this.durable.snapshot = this.core.snapshotMeta;
    this.durable.app = { ...this.app };
    this.durable.entries = this.durable.entries.filter((e) => e.index > index);
  }

  private makeDurable(p: NonNullable<Ready['persist']>): void {
    const d = this.durable;
    if (p.snapshot) {
      d.snapshot = p.snapshot;
      d.app = { ...this.snapshots.get(p.snapshot.index)! };
      d.entries = [];
    }
    if (p.entries.length > 0) {
      const first = p.entries[0]!.index;
      d.entries = d.entries.filter((e) => e.index < first).concat(p.entries);
    }
    if (p.hardState) d.hardState = p.hardState;
  }
}
