// A deterministic in-memory cluster for unit tests: FIFO delivery, optional message filters, and
// persistence that is flushed immediately unless a node's writes are deliberately held back.

import { SimNode, type NodeHooks, type NodeOptions, type WireMessage } from './sim-node.js';
import { mulberry32 } from './prng.js';
import { MsgType } from '../../src/consensus/messages.js';
import type { Membership, NodeId } from '../../src/consensus/types.js';

export type Filter = (m: WireMessage) => boolean;

export function membershipOf(voters: NodeId[], neverLeaders: NodeId[] = [], observers: NodeId[] = []): Membership {
  return { voters, neverLeaders, observers };
}

export class Cluster {
  readonly nodes = new Map<NodeId, SimNode>();
  /** Messages for which a filter returns true are dropped. */
  filters: Filter[] = [];
  /** Nodes whose persists stay pending until flushed explicitly. */
  readonly slowDisk = new Set<NodeId>();
  /** Every message delivered, for assertions. */
  readonly delivered: WireMessage[] = [];
  private queue: WireMessage[] = [];

  constructor(membership: Membership, seed = 1, options: NodeOptions = {}, hooks: NodeHooks = {}, extra: NodeId[] = []) {
    const rand = mulberry32(seed);
    const ids = [...membership.voters, ...membership.neverLeaders, ...membership.observers, ...extra];
    for (const id of ids) this.nodes.set(id, new SimNode(id, extra.includes(id) ? membershipOf([]) : membership, rand, options, hooks));
  }

  node(id: NodeId): SimNode {
    return this.nodes.get(id)!;
  }

  /** Runs ready cycles and delivers messages until nothing moves. */
  stabilize(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const n of this.nodes.values()) {
        if (!n.up) continue;
        while (n.core.hasReady()) {
          moved = true;
          this.queue.push(...n.cycle());
          if (!this.slowDisk.has(n.id)) n.flush();
        }
      }
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        moved = true;
        const target = this.nodes.get(m.to);
        if (!target?.up || this.filters.some((f) => f(m))) continue;
        this.delivered.push(m);
        target.receive(m);
        if (m.type === MsgType.Snapshot) this.nodes.get(m.from)?.core.reportSnapshot(m.to, true);
      }
      if (!moved) return;
    }
    throw new Error('cluster did not stabilize');
  }

  /** Ticks every live node `n` times, stabilizing after each tick. */
  tick(n = 1, only?: NodeId[]): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) if (node.up && (!only || only.includes(node.id))) node.core.tick();
      this.stabilize();
    }
  }

  /** Elects `id` by making it campaign, then settles. */
  elect(id: NodeId): void {
    this.node(id).core.campaign();
    this.stabilize();
  }

  /**
   * Has leader `id` stage `joiners` and replicate to them until they are synced, as a member does before it
   * proposes the change that adds them (see JoinerCatchUp).
   */
  catchUp(id: NodeId, joiners: NodeId[]): void {
    this.node(id).core.stageJoiners(joiners);
    this.stabilize();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.up && n.core.role === 'leader').map((n) => n.id);
  }

  isolate(id: NodeId): void {
    this.filters.push((m) => m.from === id || m.to === id);
  }

  heal(): void {
    this.filters = [];
  }
}
