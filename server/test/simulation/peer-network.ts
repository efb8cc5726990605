// The network between simulated members. Consensus messages are delayed at random (so they reorder), lost and
// duplicated. Forwarding-protocol (aux) messages and snapshot streams behave like the real member links: in order
// per link, lost only when the link breaks (a partition, a crash, a random reset), after which each end is told
// that the peer is gone. Partitions split members into groups; links across groups deliver nothing. As with
// PeerNetwork, a member sends only to its peers (it follows its configuration: setPeers), and a member that drops
// another from its list breaks their link unless it retains it (its leader). A member that gets a message from a
// member it does not list adopts the sender as a peer until its next setPeers, as PeerNetwork does with the
// address a Hello announces.
import type { Message } from '../../src/consensus/messages.js';
import type { NodeId } from '../../src/consensus/types.js';
import type { PeerTransport } from '../../src/member/replicator.js';
import type { EventQueue } from './event-queue.js';

/** What a member exposes to the network while it is up. */
export interface PeerEndpoint {
  step(m: Message): void;
  aux(from: NodeId, payload: unknown): void;
  /** A snapshot stream arrived in full. */
  snapshot(from: NodeId, meta: Message, chunks: Buffer[]): Promise<void>;
  peerGone(id: NodeId): void;
}

export interface NetworkFaults {
  loss: number;
  duplication: number;
}

export class SimPeerNetwork {
  faults: NetworkFaults = { loss: 0, duplication: 0 };
  private readonly endpoints = new Map<NodeId, PeerEndpoint>();
  private groups: Map<NodeId, number> | undefined;
  /** Each member's peers (every member until it says otherwise). */
  private readonly peers = new Map<NodeId, ReadonlySet<NodeId>>();
  /** Each member's peers that its configuration does not name (see the header). */
  private readonly announced = new Map<NodeId, Set<NodeId>>();
  /** Bumped when a link breaks: messages sent on an older incarnation of the link are lost. */
  private readonly epochs = new Map<string, number>();
  /** When the last in-order message on a link arrives (later ones may not overtake it). */
  private readonly tails = new Map<string, number>();
  stats = { raftSent: 0, raftLost: 0, auxSent: 0, auxLost: 0, snapshotsSent: 0, snapshotsLost: 0, resets: 0 };

  constructor(
    private readonly events: EventQueue,
    private readonly rand: () => number,
    private readonly ids: readonly NodeId[],
  ) {}

  attach(id: NodeId, endpoint: PeerEndpoint): void {
    this.endpoints.set(id, endpoint);
  }

  /** The member crashed: it receives nothing, and its links break. */
  detach(id: NodeId): void {
    this.endpoints.delete(id);
    this.announced.delete(id);
    for (const other of this.ids) if (other !== id) this.breakLink(id, other);
  }

  /** Splits members into groups (undefined heals); links that become cut break. */
  setPartition(groups: Map<NodeId, number> | undefined): void {
    const before = this.groups;
    this.groups = groups;
    for (const a of this.ids) {
      for (const b of this.ids) {
        if (a < b && this.separated(a, b) && !(before && before.get(a) !== before.get(b))) this.breakLink(a, b);
      }
    }
  }

  /** `id` keeps connections with `peers` and the members it retains only: links to the others break. */
  setPeers(id: NodeId, peers: readonly NodeId[], retain: (other: NodeId) => boolean = () => false): void {
    const next = new Set(peers.filter((p) => p !== id));
    const announced = new Set<NodeId>();
    for (const other of this.ids) {
      if (other === id || next.has(other) || !this.lists(id, other)) continue;
      if (retain(other)) announced.add(other);
      else this.breakLink(id, other);
    }
    this.peers.set(id, next);
    this.announced.set(id, announced);
  }

  /** The members `id` sends to (for failure reports). */
  peersOf(id: NodeId): NodeId[] {
    return this.ids.filter((other) => other !== id && this.lists(id, other));
  }

  get partitioned(): boolean {
    return this.groups !== undefined;
  }

  /** Breaks the connection between two members: both ends notice after a short while. */
  breakLink(a: NodeId, b: NodeId): void {
    this.stats.resets++;
    for (const [x, y] of [[a, b], [b, a]] as const) {
      const key = linkKey(x, y);
      this.epochs.set(key, (this.epochs.get(key) ?? 0) + 1);
      this.events.after(1 + this.rand() * 50, () => this.endpoints.get(y)?.peerGone(x));
    }
  }

  transport(from: NodeId): PeerTransport {
    return {
      send: (messages) => {
        for (const m of messages) this.sendRaft(from, m);
      },
      sendAux: (to, payload) => {
        this.sendOrdered(from, to, () => this.endpoints.get(to)?.aux(from, payload), () => this.stats.auxLost++);
        this.stats.auxSent++;
        return true;
      },
      sendSnapshot: async (to, meta, chunks) => {
        const collected: Buffer[] = [];
        for await (const c of chunks) collected.push(Buffer.from(c));
        this.stats.snapshotsSent++;
        await new Promise<void>((resolve, reject) => {
          const lost = () => {
            this.stats.snapshotsLost++;
            reject(new Error(`snapshot stream ${from}->${to} broken`));
          };
          this.sendOrdered(from, to, () => {
            const target = this.endpoints.get(to);
            if (!target) return lost();
            target.snapshot(from, meta as Message, collected).then(resolve, reject);
          }, lost, 5 + this.rand() * 30);
        });
      },
    };
  }

  private sendRaft(from: NodeId, m: Message): void {
    this.stats.raftSent++;
    const copies = this.rand() < this.faults.duplication ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.rand() < this.faults.loss) {
        this.stats.raftLost++;
        continue;
      }
      const key = linkKey(from, m.to);
      const epoch = this.epochs.get(key) ?? 0;
      this.events.after(this.delay(), () => {
        if ((this.epochs.get(key) ?? 0) !== epoch || this.cut(from, m.to)) return void this.stats.raftLost++;
        this.admit(m.to, from);
        this.endpoints.get(m.to)?.step(m);
      });
    }
  }

  /** In-order delivery on the link from -> to, lost if the link breaks first. */
  private sendOrdered(from: NodeId, to: NodeId, deliver: () => void, lost: () => void, extraDelay = 0): void {
    const key = linkKey(from, to);
    const epoch = this.epochs.get(key) ?? 0;
    if (this.cut(from, to) || !this.endpoints.has(to)) return void this.events.after(this.delay(), lost);
    const at = Math.max(this.events.now + this.delay() + extraDelay, this.tails.get(key) ?? 0);
    this.tails.set(key, at);
    this.events.at(at, () => {
      if ((this.epochs.get(key) ?? 0) !== epoch || this.cut(from, to)) return lost();
      this.admit(to, from);
      deliver();
    });
  }

  /** Nothing gets from `a` to `b`: a partition separates them, or `a` does not count `b` a peer. */
  private cut(a: NodeId, b: NodeId): boolean {
    return !this.lists(a, b) || this.separated(a, b);
  }

  private lists(a: NodeId, b: NodeId): boolean {
    const peers = this.peers.get(a);
    return peers === undefined || peers.has(b) || this.announced.get(a)?.has(b) === true;
  }

  /** `to` (up) heard from `from` on a connection: it answers `from` from now on, listed or not. */
  private admit(to: NodeId, from: NodeId): void {
    if (!this.endpoints.has(to) || this.lists(to, from)) return;
    const announced = this.announced.get(to) ?? new Set<NodeId>();
    announced.add(from);
    this.announced.set(to, announced);
  }

  private separated(a: NodeId, b: NodeId): boolean {
    return this.groups !== undefined && this.groups.get(a) !== this.groups.get(b);
  }

  /** Mostly sub-millisecond to a few ms, sometimes a long stall. */
  private delay(): number {
    const r = this.rand();
    return r < 0.9 ? 0.1 + r * 3 : 20 + this.rand() * 200;
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}>${to}`;
}
