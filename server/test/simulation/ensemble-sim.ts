// Deterministic simulation of a whole ensemble above the consensus core, from one seed.
//
// Members run the real request path, Replicator, RaftCore, apply function and snapshot code (sim-member.ts) over a
// simulated network (peer-network.ts) and disks (memory-disk.ts); simulated ZooKeeper clients (sim-client.ts) run a
// workload on a few keys. One event queue orders everything. The chaotic phase crashes members (losing unflushed
// log writes) and restarts them from their disks, partitions the network, breaks links, drops client
// connections, moves leadership and takes snapshots, while ticks run at a different rate on every member and the
// network loses, duplicates and delays consensus messages; an admin (sim-admin.ts) meanwhile removes members and
// adds them back with the reconfig opcode. A calm phase then heals everything, adds every removed member back and
// lets the ensemble converge.
//
// Checked after every event: at most one leader per term, never-leaders never lead. On every apply: an entry
// committed at an index never changes, every member derives the same zxid for it, zxids grow strictly with the
// index, and members at the same zxid hold the same state (digest of the whole tree and the sessions). At the
// end: every member of the final configuration converged to the same state, the client history is linearizable (writes, and reads that
// follow a sync), and the per-session guarantees hold (session-checks.ts).
import { parseConfig, type MemberConfig } from '../../src/config/member-config.js';
import { allQuorumMembers, replicaPeers } from '../../src/consensus/membership.js';
import type { Entry, Membership, NodeId } from '../../src/consensus/types.js';
import type { ApplyResult, ReplicatedState } from '../../src/state/apply.js';
import type { CommittedOp } from '../../src/state/committed-entry.js';
import { TxnKind } from '../../src/state/txn.js';
import { mulberry32 } from '../consensus/prng.js';
import { entryDigest } from '../consensus/sim-node.js';
import { CommittedStates } from './committed-states.js';
import { EventQueue } from './event-queue.js';
import { checkLinearizable } from './linearizability.js';
import { MemberDisk } from './memory-disk.js';
import { SimPeerNetwork } from './peer-network.js';
import { Recorder } from './recorder.js';
import { checkSessions, hex } from './session-checks.js';
import { KEYS, outcomeOf, SimClient, type ClientStats } from './sim-client.js';
import { SimAdmin, type AdminStats } from './sim-admin.js';
import { SimMember, type MemberObserver, type SyncMode } from './sim-member.js';

export interface EnsembleOptions {
  /** Simulated milliseconds of chaos, then of calm. */
  chaosMs: number;
  calmMs: number;
  clients: number;
  /** Variants of sync the checkers must catch (see SimMember). */
  syncMode?: SyncMode;
}

export interface EnsembleStats extends ClientStats, AdminStats {
  members: number;
  events: number;
  committed: number;
  leaderTerms: number;
  crashes: number;
  partitions: number;
  transfers: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  /** Config entries applied (a joint change counts two). */
  configChanges: number;
  /** Members the final configuration does not have (the calm phase could not add them back). */
  removedAtEnd: number;
  operations: number;
  linearizableReads: number;
  unknownOutcomes: number;
}

export class EnsembleFailure extends Error {}

/** ZooKeeper's tickTime; the Raft tick is a tenth of it, with an election timeout of 10-20 Raft ticks (member.ts). */
const TICK_TIME = 500;
const TICK_MS = TICK_TIME / 10;
const ELECTION_TICKS = 10;
/** After the calm phase, how long members are given to apply the last commits. */
const CONVERGENCE_MS = 2000;

export async function simulateEnsemble(seed: number, opts: EnsembleOptions): Promise<EnsembleStats> {
  return new EnsembleSimulation(seed, opts).run();
}

interface CommittedEntry {
  term: number;
  digest: number;
  zxid: number;
}

class EnsembleSimulation implements MemberObserver {
  private readonly rand: () => number;
  private readonly events = new EventQueue();
  private readonly ids: NodeId[];
  private readonly membership: Membership;
  private readonly disks = new Map<NodeId, MemberDisk>();
  private readonly configs = new Map<NodeId, MemberConfig>();
  private readonly members = new Map<NodeId, SimMember>();
  private readonly network: SimPeerNetwork;
  private readonly recorder = new Recorder();
  private readonly clients: SimClient[] = [];
  private readonly admin: SimAdmin;
  /** Each member's server line, as its zoo.cfg and the admin's reconfigs write it. */
  private readonly lines = new Map<NodeId, string>();
  /** The latest committed configuration, and the index of its entry. */
  private configuration: Membership;
  private configIndex = 0;
  private readonly committedStates = new CommittedStates(KEYS);
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly digestAt = new Map<number, { digest: string; member: NodeId }>();
  private readonly lastApplied = new Map<NodeId, number>();
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly tickPeriod = new Map<NodeId, number>();
  private readonly flushScheduled = new Set<NodeId>();
  /** Per seed: from short (sessions expire during outages) to long enough to ride out most of them. */
  private readonly sessionTimeout: number;
  private chaos = true;
  private failure: Error | undefined;
  private readonly stats: EnsembleStats;

  constructor(
    private readonly seed: number,
    private readonly opts: EnsembleOptions,
  ) {
    this.rand = mulberry32(seed);
    const n = 3 + this.int(3);
    this.ids = Array.from({ length: n }, (_, i) => i + 1);
    const voters = this.ids.slice();
    const neverLeaders: NodeId[] = [];
    const observers: NodeId[] = [];
    if (this.rand() < 0.4) neverLeaders.push(voters.pop()!);
    if (n >= 4 && this.rand() < 0.4) observers.push(voters.pop()!);
    this.membership = { voters: voters.sort(), neverLeaders, observers };
    this.configuration = this.membership;
    for (const id of this.ids) {
      const role = neverLeaders.includes(id) ? 'neverleader' : observers.includes(id) ? 'observer' : 'participant';
      this.lines.set(id, `127.0.0.1:${2880 + id}:${3880 + id}:${role};${2180 + id}`);
    }
    this.network = new SimPeerNetwork(this.events, this.rand, this.ids);
    this.network.faults = { loss: 0.1 * this.rand(), duplication: 0.05 * this.rand() };
    const clientStats: ClientStats = { requests: 0, connectionLosses: 0, sessionsLost: 0, timeouts: 0 };
    const adminStats: AdminStats = { reconfigsAsked: 0, reconfigsDone: 0, reconfigsRefused: 0 };
    this.stats = {
      ...clientStats, ...adminStats, members: n, events: 0, committed: 0, leaderTerms: 0, crashes: 0, partitions: 0, transfers: 0,
      snapshotsTaken: 0, snapshotsInstalled: 0, configChanges: 0, removedAtEnd: 0, operations: 0, linearizableReads: 0, unknownOutcomes: 0,
    };
    this.sessionTimeout = 800 + Math.floor(this.rand() * 3200);
    for (const id of this.ids) {
      this.configs.set(id, memberConfig(id, this.lines));
      this.disks.set(id, new MemberDisk());
      this.tickPeriod.set(id, TICK_MS * (0.7 + 0.6 * this.rand()));
    }
    for (let c = 1; c <= opts.clients; c++) {
      this.clients.push(new SimClient(c, this.events, this.rand, this.recorder, this.ids, (id) => this.members.get(id), this.stats, this.sessionTimeout));
    }
    const roster = {
      lines: this.lines,
      current: () => this.currentMembers(),
      votes: (id: NodeId) => !this.membership.observers.includes(id),
    };
    this.admin = new SimAdmin(this.events, this.rand, this.recorder, this.ids, (id) => this.members.get(id), roster, this.stats, (this.sessionTimeout * 2) / 3);
  }

  async run(): Promise<EnsembleStats> {
    try {
      for (const id of this.ids) await this.startMember(id);
      for (const id of this.ids) this.scheduleTick(id);
      for (const c of this.clients) c.start();
      this.admin.start();
      this.scheduleChaos();
      const calmAt = this.opts.chaosMs;
      const quietAt = calmAt + this.opts.calmMs * 0.6;
      const end = calmAt + this.opts.calmMs;
      this.events.at(calmAt, () => this.calm());
      this.events.at(quietAt, () => this.clients.forEach((c) => (c.active = false)));
      await this.runUntil(() => this.events.peekTime() > end);
      // Sessions of the clients that went quiet expire meanwhile: allow the last commits to reach every member.
      await this.runUntil(() => this.laggards().length === 0 || this.events.peekTime() > end + CONVERGENCE_MS);
      this.checkConverged();
      this.checkHistory();
    } catch (err) {
      if (err instanceof EnsembleFailure) throw err;
      this.fail(`error: ${(err as Error).stack ?? err}`);
    }
    return this.stats;
  }

  private async runUntil(done: () => boolean): Promise<void> {
    while (!done()) {
      const result = this.events.pop()!();
      if (result) await result;
      // Let promise callbacks (log writes completing, read barriers) run before the next event.
      await null;
      this.stats.events++;
      if (this.failure) throw this.failure;
      this.checkLeaders();
    }
  }

  // ------------------------------------------------------------------ members

  private async startMember(id: NodeId): Promise<void> {
    const member = new SimMember({
      id,
      config: this.configs.get(id)!,
      membership: this.membership,
      disk: this.disks.get(id)!,
      events: this.events,
      network: this.network,
      random: this.rand,
      electionTicks: ELECTION_TICKS,
      sessionTimeout: this.sessionTimeout,
      observer: this,
      onLogWrite: () => this.scheduleFlush(id),
      ...(this.opts.syncMode ? { syncMode: this.opts.syncMode } : {}),
    });
    this.members.set(id, member);
    this.lastApplied.set(id, 0);
    await member.start();
  }

  private scheduleTick(id: NodeId): void {
    this.events.after(this.tickPeriod.get(id)!, () => {
      const m = this.members.get(id);
      if (m?.alive) m.tick();
      this.scheduleTick(id);
    });
  }

  /** Group commit: pending log writes reach the disk after an fsync delay, sometimes only part of them. */
  private scheduleFlush(id: NodeId): void {
    if (this.flushScheduled.has(id)) return;
    this.flushScheduled.add(id);
    this.events.after(0.2 + this.rand() * 4, () => {
      this.flushScheduled.delete(id);
      const m = this.members.get(id);
      if (!m?.alive) return;
      const pending = m.wal.pendingWrites;
      m.wal.flush(this.rand() < 0.8 ? pending : 1 + this.int(pending));
      if (m.wal.pendingWrites > 0) this.scheduleFlush(id);
    });
  }

  // ------------------------------------------------------------------ chaos

  private scheduleChaos(): void {
    this.events.after(20 + this.rand() * 260, () => {
      if (!this.chaos) return;
      this.chaosEvent();
      this.scheduleChaos();
    });
  }

  private chaosEvent(): void {
    const r = this.rand() * 100;
    if (r < 12) this.crash();
    else if (r < 24) this.repartition();
    else if (r < 38) this.breakLink();
    else if (r < 56) this.transfer();
    else if (r < 78) this.snapshot();
    else this.pick(this.clients)?.disconnect('network hiccup');
  }

  private crash(): void {
    const m = this.pick([...this.members.values()].filter((x) => x.alive));
    if (!m) return;
    const pending = m.wal.pendingWrites;
    m.crash(this.rand() < 0.5 ? 0 : this.int(pending + 1));
    this.stats.crashes++;
    this.events.after(100 + this.rand() * 1500, () => (this.chaos && !this.members.get(m.id)?.alive ? this.startMember(m.id) : undefined));
  }

  private repartition(): void {
    if (this.network.partitioned && this.rand() < 0.6) return this.network.setPartition(undefined);
    const groups = new Map(this.ids.map((id) => [id, this.rand() < 0.5 ? 0 : 1]));
    this.network.setPartition(groups);
    this.stats.partitions++;
  }

  private breakLink(): void {
    const a = this.pick(this.ids)!;
    const b = this.pick(this.ids.filter((x) => x !== a))!;
    this.network.breakLink(a, b);
  }

  private transfer(): void {
    const leader = [...this.members.values()].find((m) => m.alive && m.core.role === 'leader');
    if (!leader) return;
    const target = this.rand() < 0.5 ? 'any' : this.pick(this.ids)!;
    if (leader.core.transferLeadership(target).ok) this.stats.transfers++;
    leader.replicator.schedule();
  }

  private snapshot(): void {
    const m = this.pick([...this.members.values()].filter((x) => x.alive));
    if (!m) return;
    const before = m.core.snapshotMeta.index;
    m.takeSnapshot();
    if (m.core.snapshotMeta.index > before) this.stats.snapshotsTaken++;
  }

  /** Heals the network, restarts every member and lets the ensemble settle. */
  private async calm(): Promise<void> {
    this.chaos = false;
    this.admin.restore();
    this.network.setPartition(undefined);
    this.network.faults = { loss: 0, duplication: 0 };
    for (const id of this.ids) if (!this.members.get(id)?.alive) await this.startMember(id);
  }

  // ------------------------------------------------------------------ invariants

  private checkLeaders(): void {
    for (const m of this.members.values()) {
      if (!m.alive || m.core.role !== 'leader') continue;
      const term = m.core.term;
      const prev = this.leaderOfTerm.get(term);
      if (prev !== undefined && prev !== m.id) this.fail(`two leaders in term ${term}: ${prev} and ${m.id}`);
      if (!this.membership.voters.includes(m.id)) this.fail(`member ${m.id} leads term ${term} but may not lead`);
      if (prev === undefined) {
        this.leaderOfTerm.set(term, m.id);
        this.stats.leaderTerms++;
      }
    }
  }

  applied(member: SimMember, entry: Entry, op: CommittedOp, result: ApplyResult): void {
    const { zxid } = result;
    if (op.kind === 'config' && entry.index > this.configIndex) {
      this.configuration = op.membership;
      this.configIndex = entry.index;
      this.stats.configChanges++;
    }
    if (op.kind === TxnKind.Request) {
      const first = this.recorder.applied(op.session, op.cxid, zxid, outcomeOf(result.err, result.response));
      if (first !== undefined) this.fail(`write ${op.cxid} of session ${op.session} applied twice: at ${hex(first)} and ${hex(zxid)}`);
    }
    const known = this.committed.get(entry.index);
    const digest = entryDigest(entry);
    if (!known) {
      const before = this.committed.get(entry.index - 1);
      if (before && before.zxid >= zxid) this.fail(`zxid ${hex(zxid)} of entry ${entry.index} does not exceed ${hex(before.zxid)} of entry ${entry.index - 1}`);
      this.committed.set(entry.index, { term: entry.term, digest, zxid });
      this.stats.committed = Math.max(this.stats.committed, entry.index);
    } else if (known.term !== entry.term || known.digest !== digest) {
      this.fail(`member ${member.id} applied a different entry at ${entry.index} (term ${entry.term}, committed term ${known.term})`);
    } else if (known.zxid !== zxid) {
      this.fail(`member ${member.id} gives entry ${entry.index} zxid ${hex(zxid)}, another member ${hex(known.zxid)}`);
    }
    const last = this.lastApplied.get(member.id)!;
    if (zxid <= last) this.fail(`member ${member.id} applied zxid ${hex(zxid)} after ${hex(last)}`);
    this.lastApplied.set(member.id, zxid);
    this.compareDigest(member, zxid);
    this.committedStates.record(zxid, member.state);
  }

  installed(member: SimMember): void {
    this.stats.snapshotsInstalled++;
    this.lastApplied.set(member.id, member.state.lastZxid);
    this.compareDigest(member, member.state.lastZxid);
  }

  failed(err: Error): void {
    this.failure ??= err;
  }

  private compareDigest(member: SimMember, zxid: number): void {
    const digest = stateDigest(member.state);
    const seen = this.digestAt.get(zxid);
    if (!seen) this.digestAt.set(zxid, { digest, member: member.id });
    else if (seen.digest !== digest) this.fail(`members ${seen.member} and ${member.id} hold different states at zxid ${hex(zxid)}`);
  }

  /** The members of the latest committed configuration (both halves of a joint one). */
  private currentMembers(): Set<NodeId> {
    return new Set([...allQuorumMembers(this.configuration), ...replicaPeers(this.configuration, 0)]);
  }

  /** Members of the configuration (all up after the calm phase began) that have not applied what the most advanced one has. */
  private laggards(): SimMember[] {
    const current = this.currentMembers();
    const members = [...this.members.values()].filter((m) => current.has(m.id));
    const top = Math.max(...members.map((m) => m.state.lastZxid));
    return members.filter((m) => !m.alive || m.state.lastZxid !== top);
  }

  private checkConverged(): void {
    this.stats.removedAtEnd = this.ids.length - this.currentMembers().size;
    const behind = this.laggards();
    if (behind.length > 0) {
      const top = Math.max(...[...this.members.values()].map((m) => m.state.lastZxid));
      this.fail(`liveness: members ${behind.map((m) => `${m.id}@${hex(m.state.lastZxid)}`).join(', ')} still lag ${hex(top)} ${CONVERGENCE_MS} ms after the calm phase`);
    }
    if (![...this.members.values()].some((m) => m.core.role === 'leader')) this.fail('liveness: no leader after the calm phase');
  }

  private checkHistory(): void {
    const history = this.recorder.history;
    this.stats.unknownOutcomes = history.filter((h) => h.response === Infinity).length;
    this.recorder.settleLostWrites();
    this.stats.operations = history.length;
    this.stats.linearizableReads = history.filter((h) => h.op.type === 'read').length;
    // No write applies after a later one of its session, not even one lost with its connection: one left behind on
    // a member the client has left (or left and came back to) fails with SESSIONMOVED, since moves are
    // compare-and-set and writes carry the claim they were sent under.
    const late = this.recorder.writesOutOfOrder()[0];
    if (late) this.fail(`session ${late.session}: write ${late.xid}${late.lost ? ' (lost with its connection)' : ''} applied after its later write ${late.after}`);
    const problems = checkSessions(this.recorder, this.committedStates);
    if (problems.length > 0) this.fail(`session guarantees violated:\n${problems.slice(0, 10).join('\n')}`);
    const lin = checkLinearizable(history);
    if (!lin.ok) this.fail(`client history is not linearizable: ${lin.report}`);
  }

  // ------------------------------------------------------------------ helpers

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.int(xs.length)];
  }

  private fail(msg: string): never {
    const members = [...this.members.values()].map(
      (m) => `  ${m.id}: ${m.alive ? m.core.role : 'down'} term ${m.core.term} commit ${m.core.commitIndex} applied ${hex(m.state.lastZxid)} servers ${[...m.state.servers.keys()]} membership ${JSON.stringify(m.core.membership)} peers ${this.network.peersOf(m.id)}`,
    );
    throw new EnsembleFailure(
      `seed ${this.seed} at ${this.events.now.toFixed(1)} ms: ${msg}\n${JSON.stringify(this.membership)}\n${members.join('\n')}\n` +
        `replay: SIM_ENSEMBLE_SEED=${this.seed} npx vitest run server/test/simulation`,
    );
  }
}

/**
 * A member's zoo.cfg: every member's server line, tickTime, reconfig enabled, and session timeouts taken as the
 * simulated clients ask for them.
 */
function memberConfig(id: NodeId, lines: ReadonlyMap<NodeId, string>): MemberConfig {
  const servers = [...lines].map(([m, line]) => `server.${m}=${line}`);
  const text = [`tickTime=${TICK_TIME}`, 'initLimit=10', 'syncLimit=5', `dataDir=/corral-simulation/${id}`, 'minSessionTimeout=1', `maxSessionTimeout=${2 ** 31 - 1}`, 'reconfigEnabled=true', 'skipACL=yes', ...servers].join('\n');
  return parseConfig(text, { defaultServerId: id }).config;
}

/** A digest of everything apply decides: every znode's data and stat, and the global sessions. */
function stateDigest(state: ReplicatedState): string {
  const parts: string[] = [];
  const paths = [...state.tree.paths()].sort();
  for (const p of paths) {
    const n = state.tree.get(p)!;
    parts.push(`${p}:${n.data?.toString('base64') ?? '-'}:${n.version}:${n.cversion}:${n.aversion}:${n.czxid}:${n.mzxid}:${n.pzxid}:${n.mtime}:${n.ephemeralOwner}`);
  }
  parts.push(`sessions:${[...state.sessions.keys()].sort().join(',')}`);
  return parts.join('|');
}
