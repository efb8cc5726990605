// PeerNetwork: how Corral members talk to each other. Each member listens on its quorum port; for every peer it
// keeps one outbound connection carrying what it sends there (Raft messages and member-level "aux" messages,
// in order), and accepts the peers' connections for what they send. Snapshots travel on a connection per
// transfer. Sending never blocks: frames wait in a bounded per-peer queue, and what does not fit is dropped and
// counted (Raft tolerates lost messages; aux senders see `false`). Delivery is best effort: a frame written to a
// connection that then breaks is lost, but a peer never sees messages from us out of order.
//
// The peers are the configuration's members (setPeers). A member the configuration does not name is let in when
// its Hello says where it listens, and dialled back there: a leader added while we were away (removed and added
// back) must reach us, or we never learn of the change that names it.
import net from 'node:net';
import type { Message } from '../consensus/messages.js';
import type { NodeId } from '../consensus/types.js';
import type { LoggerLike } from '../storage/logger.js';
import { InboundConnection, type InboundHost } from './inbound-connection.js';
import { OutboundLink, type LinkStats, type PeerAddress } from './outbound-link.js';
import type { QueueLimits } from './send-queue.js';
import type { SnapshotHandler } from './snapshot-receiver.js';
import { RaftFrameEncoder } from './raft-codec.js';
import { sendSnapshot } from './snapshot-sender.js';
import { FrameKind, encodeValueFrame } from './wire.js';

export type { PeerAddress, LinkStats } from './outbound-link.js';
export type { SnapshotHandler } from './snapshot-receiver.js';

export interface PeerNetworkOptions {
  selfId: NodeId;
  listenHost: string;
  /** 0 picks an ephemeral port (start() reports it). */
  listenPort: number;
  /** Every other member (an entry for selfId is ignored). */
  peers: Map<NodeId, PeerAddress>;
  /**
   * Where this member listens as its configuration names it, announced to the peers it dials (Hello.address).
   * Default: listenHost and the bound port.
   */
  selfAddress?: PeerAddress;
  /**
   * Whether a member that setPeers() leaves out is still needed (a member's current leader): its links stay until
   * a later setPeers() finds it no longer needed. Default: never.
   */
  retain?: (id: NodeId) => boolean;
  log: LoggerLike;
  /** Largest frame accepted or sent: one Raft message, aux message or snapshot chunk. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Per-peer queue bounds. Defaults: raft 4096 messages / 64 MiB, aux 4096 messages / 16 MiB. */
  queueLimits?: Partial<QueueLimits>;
  /** A snapshot transfer fails when no byte moves for this long while streaming. Default 30 s. */
  snapshotIdleTimeoutMs?: number;
  /** Snapshot bytes buffered for a consumer that has not read them yet before the sender is slowed. Default 4 MiB. */
  snapshotHighWaterBytes?: number;
}

export interface PeerNetworkStats {
  peers: Map<NodeId, LinkStats>;
  /** Raft messages addressed to a member that is not a peer. */
  droppedUnknownPeer: number;
  receivedRaft: number;
  receivedAux: number;
  /** Inbound connections closed for a protocol violation (garbage, bad frames, malformed messages). */
  malformedConnections: number;
  /** Hellos refused (unknown id without an announced address, wrong target, no snapshot handler). */
  refusedConnections: number;
}

const DEFAULT_LIMITS: QueueLimits = {
  raft: { messages: 4096, bytes: 64 << 20 },
  aux: { messages: 4096, bytes: 16 << 20 },
};

export class PeerNetwork {
  readonly selfId: NodeId;
  private readonly opts: PeerNetworkOptions;
  private readonly limits: QueueLimits;
  private readonly maxFrameBytes: number;
  private peers = new Map<NodeId, PeerAddress>();
  /**
   * Members we talk to that the configuration does not name: ones that connected announcing their address (a
   * leader added while we were away), and retained ones. Dropped by the next setPeers() that does not retain them.
   */
  private readonly announced = new Map<NodeId, PeerAddress>();
  private selfAddress: PeerAddress | undefined;
  private readonly links = new Map<NodeId, OutboundLink>();
  /** The accepted message connection of each peer. */
  private readonly inbound = new Map<NodeId, InboundConnection>();
  /** Every accepted connection (message or snapshot, before or after its hello), so close() can cut them all. */
  private readonly connections = new Set<InboundConnection>();
  /** Sockets of outgoing snapshot transfers and their targets. */
  private readonly transfers = new Map<net.Socket, NodeId>();
  private server: net.Server | undefined;
  private started = false;
  private closed = false;
  private messageHandler: (m: Message) => void = () => {};
  private auxHandler: (from: NodeId, payload: unknown) => void = () => {};
  private peerGoneHandler: (id: NodeId) => void = () => {};
  private snapshotHandler: SnapshotHandler | undefined;
  private readonly host: InboundHost;
  private readonly counters = { droppedUnknownPeer: 0, receivedRaft: 0, receivedAux: 0, malformedConnections: 0, refusedConnections: 0 };

  constructor(opts: PeerNetworkOptions) {
    this.opts = opts;
    this.selfId = opts.selfId;
    this.maxFrameBytes = opts.maxFrameBytes ?? 64 << 20;
    this.limits = { ...DEFAULT_LIMITS, ...opts.queueLimits };
    this.host = this.inboundHost();
    this.setPeers(opts.peers);
  }

  /** Listens for peers and starts dialling them. */
  async start(): Promise<{ port: number }> {
    if (this.started) throw new Error('PeerNetwork already started');
    this.started = true;
    const server = net.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.listenPort, this.opts.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.log.error({ err: err.message }, 'peer listener error'));
    const port = (server.address() as net.AddressInfo).port;
    this.selfAddress = this.opts.selfAddress ?? { host: this.opts.listenHost, port };
    for (const link of this.links.values()) link.start();
    return { port };
  }

  /**
   * Queues Raft messages for their peers; never blocks, drops (and counts) what a full queue cannot take.
   * A message carrying `snapshot` is a request to stream data: hand it to sendSnapshot (as its meta) instead;
   * here it is dropped.
   */
  send(messages: Message[]): void {
    const encoder = new RaftFrameEncoder();
    for (const m of messages) {
      const link = this.links.get(m.to);
      if (!link) this.counters.droppedUnknownPeer++;
      else if (m.snapshot || !link.hasRoom('raft')) link.dropped('raft');
      else link.enqueue('raft', encoder.encode(m));
    }
  }

  onMessage(handler: (m: Message) => void): void {
    this.messageHandler = handler;
  }

  /** Queues a member-level message (any msgpack-encodable value); false if it was dropped. */
  sendAux(to: NodeId, payload: unknown): boolean {
    const link = this.links.get(to);
    if (!link) return false;
    if (!link.hasRoom('aux')) return link.dropped('aux');
    return link.enqueue('aux', encodeValueFrame(FrameKind.Aux, payload));
  }

  /**
   * `handler` hears when a peer's message connection to us closes without a replacement: the peer's process
   * died or it became unreachable (a member uses it to stop waiting on a leader that is gone).
   */
  onPeerGone(handler: (id: NodeId) => void): void {
    this.peerGoneHandler = handler;
  }

  onAux(handler: (from: NodeId, payload: unknown) => void): void {
    this.auxHandler = handler;
  }

  /**
   * Streams a snapshot to `to` on a connection of its own. Resolves once the receiver's handler has consumed the
   * whole stream and resolved; rejects if the chunk source throws, the receiver fails or refuses, the connection
   * breaks, nothing moves for snapshotIdleTimeoutMs, the peer is removed or the network closes.
   */
  async sendSnapshot(to: NodeId, meta: unknown, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const address = this.peers.get(to) ?? this.announced.get(to);
    if (!address) throw new Error(`member ${to} is not a peer`);
    if (this.closed) throw new Error('PeerNetwork is closed');
    await sendSnapshot({
      selfId: this.selfId,
      to,
      address,
      meta,
      chunks,
      maxFrameBytes: this.maxFrameBytes,
      idleTimeoutMs: this.opts.snapshotIdleTimeoutMs ?? 30_000,
      track: (socket) => {
        this.transfers.set(socket, to);
        return () => this.transfers.delete(socket);
      },
    });
  }

  /**
   * Receives snapshots: the handler gets the sender's `meta` and the chunks as they arrive; the transfer succeeds
   * when the handler resolves after reading the stream to its end. Without a handler snapshots are refused.
   */
  onSnapshot(handler: SnapshotHandler): void {
    this.snapshotHandler = handler;
  }

  /**
   * Membership changed: dial new peers, follow moved ones, and cut everything to and from removed ones, except
   * those still retained (see PeerNetworkOptions.retain), which stay as announced peers.
   */
  setPeers(peers: Map<NodeId, PeerAddress>): void {
    if (this.closed) return;
    const next = new Map([...peers].filter(([id]) => id !== this.selfId));
    for (const [id, link] of this.links) {
      if (next.has(id)) continue;
      if (this.opts.retain?.(id)) {
        this.announced.set(id, this.announced.get(id) ?? this.peers.get(id)!);
        continue;
      }
      this.announced.delete(id);
      link.close();
      this.links.delete(id);
      for (const conn of this.connections) if (conn.peer === id) conn.drop('member removed from the configuration');
      for (const [socket, peer] of this.transfers) if (peer === id) socket.destroy(new Error(`member ${id} removed from the configuration`));
    }
    for (const [id, address] of next) {
      this.announced.delete(id);
      this.link(id, address);
    }
    this.peers = next;
  }

  /** The link to `id`, created (and dialling once started) if there is none, and aimed at `address`. */
  private link(id: NodeId, address: PeerAddress): void {
    const link = this.links.get(id);
    if (link) return link.setAddress(address);
    const created = new OutboundLink({
      selfId: this.selfId,
      selfAddress: () => this.selfAddress,
      peerId: id,
      address,
      limits: this.limits,
      maxFrameBytes: this.maxFrameBytes,
      log: this.opts.log,
    });
    this.links.set(id, created);
    if (this.started) created.start();
  }

  /** See InboundHost.admit: a member the configuration does not name is let in when it says where to answer it. */
  private admit(id: NodeId, address: PeerAddress | undefined): boolean {
    if (this.peers.has(id)) return true;
    if (!address) return this.announced.has(id);
    if (this.closed || id === this.selfId) return false;
    const known = this.announced.get(id);
    if (!known || known.host !== address.host || known.port !== address.port) {
      this.opts.log.info({ peer: id, address: `${address.host}:${address.port}` }, 'member outside our configuration connected; answering it at the address it announced');
    }
    this.announced.set(id, address);
    this.link(id, address);
    return true;
  }

  /** Whether our connection to `id` is up (the peer accepted it); what the peer sends us travels separately. */
  isConnected(id: NodeId): boolean {
    return this.links.get(id)?.connected ?? false;
  }

  stats(): PeerNetworkStats {
    return { peers: new Map([...this.links].map(([id, link]) => [id, link.stats()])), ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) link.close();
    for (const conn of this.connections) conn.socket.destroy();
    for (const socket of this.transfers.keys()) socket.destroy(new Error('PeerNetwork closed'));
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    if (this.closed) return void socket.destroy();
    this.connections.add(new InboundConnection(socket, this.host));
  }

  private inboundHost(): InboundHost {
    const { log } = this.opts;
    return {
      selfId: this.selfId,
      maxFrameBytes: this.maxFrameBytes,
      snapshotIdleTimeoutMs: this.opts.snapshotIdleTimeoutMs ?? 30_000,
      snapshotHighWaterBytes: this.opts.snapshotHighWaterBytes ?? 4 << 20,
      log,
      admit: (id, address) => this.admit(id, address),
      snapshotHandler: () => this.snapshotHandler,
      adopt: (conn) => {
        if (conn.stream !== 'messages') return;
        const previous = this.inbound.get(conn.peer);
        this.inbound.set(conn.peer, conn);
        previous?.drop('replaced by a newer connection from the same member', 'info');
        this.links.get(conn.peer)?.redialNow();
      },
      released: (conn) => {
        this.connections.delete(conn);
        if (this.inbound.get(conn.peer) !== conn) return;
        this.inbound.delete(conn.peer);
        if (!this.closed) this.peerGoneHandler(conn.peer);
      },
      deliverRaft: (m) => {
        this.counters.receivedRaft++;
        try {
          this.messageHandler(m);
        } catch (err) {
          log.error({ peer: m.from, err: String(err) }, 'raft message handler failed');
        }
      },
      deliverAux: (from, payload) => {
        this.counters.receivedAux++;
        try {
          this.auxHandler(from, payload);
        } catch (err) {
          log.error({ peer: from, err: String(err) }, 'aux message handler failed');
        }
      },
      malformed: () => this.counters.malformedConnections++,
      refused: () => this.counters.refusedConnections++,
    };
  }
}
