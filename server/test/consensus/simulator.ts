// Deterministic whole-cluster simulation driven by one seed.
//
// The network loses, duplicates, delays and reorders messages (delivery picks a random in-flight
// message) and can be partitioned; nodes tick at different rates, persist in the background,
// crash losing any unacknowledged persists (a random prefix of them may survive, as with a real
// disk) and restart from durable state. Meanwhile clients propose, read, transfer leadership and
// change membership — one member at a time or several in one request (joint consensus: add two, remove
// two, swap roles, replace a majority) — and hosts compact their logs. Safety invariants are checked
// after every step; a calm final phase checks liveness.

import { MsgType } from '../../src/consensus/messages.js';
import { decodeConfig, mayLead, roleOf, type MembershipChange } from '../../src/consensus/membership.js';
import { EntryKind, type Entry, type MemberRole, type Membership, type NodeId } from '../../src/consensus/types.js';
import { mulberry32 } from './prng.js';
import { SimNode, entryDigest, type WireMessage } from './sim-node.js';

export interface SimOptions {
  /** Events in the chaotic phase. */
  steps: number;
  /** Time units allowed in the calm phase for electing a leader and committing a proposal. */
  calmTime: number;
  trace?: boolean;
}

export interface SimStats {
  nodes: number;
  committed: number;
  leaderChanges: number;
  crashes: number;
  snapshotsSent: number;
  configChanges: number;
  /** Of those, requests changing several members at once. */
  multiChanges: number;
  /** Joint configurations seen committed. */
  jointConfigs: number;
  transfers: number;
  reads: number;
  /** Calm phases that ended stuck in the documented unaware-voter limitation. */
  unawareVoterStalls: number;
}

export class SimFailure extends Error {}

const ROLES: (MemberRole | 'removed')[] = ['voter', 'neverLeader', 'observer', 'removed'];

interface Committed {
  term: number;
  digest: number;
  /** State-machine hash after applying this entry (set by the first node that applies it). */
  hash?: number;
}

export function simulate(seed: number, opts: SimOptions): SimStats {
  return new Simulation(seed, opts).run();
}

class Simulation {
  private readonly rand: () => number;
  private readonly nodes: SimNode[] = [];
  /** Never-leaders of the initial membership that no committed config has made voters yet: they must never lead. */
  private readonly neverPromoted = new Set<NodeId>();
  private readonly ids: NodeId[] = []; // every node, spares included
  private network: WireMessage[] = [];
  private partition: Set<NodeId> | undefined;
  private readonly rate = new Map<NodeId, number>();
  private readonly tickDebt = new Map<NodeId, number>();
  private readonly downUntil = new Map<NodeId, number>();
  private time = 0;
  private step = 0;
  private loss: number;
  private dup: number;
  private readonly committed = new Map<number, Committed>();
  private maxCommitted = 0;
  private latestConfig: Membership;
  private latestConfigIndex = 0;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly checkedCommit = new Map<NodeId, number>();
  private readonly wasLeader = new Map<NodeId, number>(); // node -> term it was last seen leading
  private readonly readFloor = new Map<number, number>(); // ctx -> committed index when requested
  private nextCtx = 1;
  private nextPayload = 1;
  /** A change whose joining servers `leader` has staged, to propose on the next membership action. */
  private plannedChange: { leader: NodeId; changes: MembershipChange[] } | undefined;
  private readonly traceLog: string[] = [];
  private readonly stats: SimStats;

  constructor(
    private readonly seed: number,
    private readonly opts: SimOptions,
  ) {
    this.rand = mulberry32(seed);
    const n = 3 + this.int(3);
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const voters = ids.slice();
    const observers: NodeId[] = [];
    const neverLeaders: NodeId[] = [];
    if (this.rand() < 0.5) neverLeaders.push(voters.pop()!);
    if (n >= 4 && this.rand() < 0.4) observers.push(voters.pop()!);
    neverLeaders.forEach((id) => this.neverPromoted.add(id));
    this.latestConfig = { voters, neverLeaders, observers };
    const spares = [n + 1, n + 2]; // start outside the cluster; may be added later
    this.ids.push(...ids, ...spares);
    const electionTicks = 10;
    const options = { electionTicks, maxInflightMsgs: 4, maxMsgBytes: 64 };
    const hooks = { onApply: (id: NodeId, e: Entry) => this.onApply(id, e), onPersist: (id: NodeId, es: Entry[], replaced: ReadonlyMap<number, number>) => this.onPersist(id, es, replaced) };
    for (const id of this.ids) {
      const membership = spares.includes(id) ? { voters: [], neverLeaders: [], observers: [] } : { voters, neverLeaders, observers };
      this.nodes.push(new SimNode(id, membership, this.rand, options, hooks));
      this.rate.set(id, 0.6 + 0.8 * this.rand());
      this.tickDebt.set(id, 0);
    }
    this.trace(() => `members ${JSON.stringify({ voters, neverLeaders, observers })}`);
    this.loss = 0.15 * this.rand();
    this.dup = 0.05 * this.rand();
    this.stats = {
      nodes: n,
      committed: 0,
      leaderChanges: 0,
      crashes: 0,
      snapshotsSent: 0,
      configChanges: 0,
      multiChanges: 0,
      jointConfigs: 0,
      transfers: 0,
      reads: 0,
      unawareVoterStalls: 0,
    };
  }

  run(): SimStats {
    for (this.step = 0; this.step < this.opts.steps; this.step++) {
      this.chaosEvent();
      this.proposeWhenCaughtUp();
      this.settle();
      this.checkInvariants();
    }
    this.calmPhase();
    this.checkLogMatching();
    this.stats.committed = this.maxCommitted;
    return this.stats;
  }

  // ------------------------------------------------------------------ events

  private chaosEvent(): void {
    const r = this.rand() * 100;
    if (r < 45) this.deliverOne();
    else if (r < 57) this.advanceTime();
    else if (r < 72) this.flushSome();
    else if (r < 80) this.propose();
    else if (r < 83) this.read();
    else if (r < 85) this.compact();
    else if (r < 86.5) this.changeMembership();
    else if (r < 87.2) this.transfer();
    else if (r < 87.7) this.crash();
    else if (r < 88.5) this.repartition();
    else this.deliverOne();
  }

  private deliverOne(): void {
    if (this.network.length === 0) return;
    const i = this.int(this.network.length);
    const m = this.network[i]!;
    this.network[i] = this.network[this.network.length - 1]!;
    this.network.pop();
    const target = this.node(m.to);
    const cut = this.partition !== undefined && this.partition.has(m.from) !== this.partition.has(m.to);
    const lost = cut || !target.up || this.rand() < this.loss;
    if (!lost && this.rand() < this.dup) this.network.push(m);
    this.trace(() => `${lost ? 'drop' : 'deliver'} type${m.type} ${m.from}->${m.to} t${m.term} i${m.index ?? ''}${m.reject ? ' reject' : ''}`);
    if (m.type === MsgType.Snapshot) {
      this.stats.snapshotsSent++;
      const sender = this.node(m.from);
      if (sender.up) sender.core.reportSnapshot(m.to, !lost);
    }
    if (!lost) target.receive(m);
  }

  private advanceTime(): void {
    this.time++;
    for (const n of this.nodes) {
      if (!n.up) {
        if (this.time >= (this.downUntil.get(n.id) ?? 0)) {
          this.trace(() => `restart ${n.id}`);
          n.restart();
          this.checkedCommit.set(n.id, n.core.commitIndex);
        }
        continue;
      }
      let debt = this.tickDebt.get(n.id)! + this.rate.get(n.id)!;
      for (; debt >= 1; debt--) n.core.tick();
      this.tickDebt.set(n.id, debt);
    }
  }

  private flushSome(): void {
    const n = this.pick(this.nodes.filter((x) => x.up && x.pending.length > 0));
    n?.flush(1 + this.int(n.pending.length));
  }

  private propose(): void {
    // Mostly at the leader, as hosts forward proposals; sometimes anywhere.
    const n = this.rand() < 0.8 ? this.currentLeader() : this.pick(this.nodes.filter((x) => x.up));
    const payload = this.nextPayload++;
    n?.core.propose(new Uint8Array([payload & 255, (payload >> 8) & 255, (payload >> 16) & 255]));
  }

  private read(): void {
    const n = this.pick(this.nodes.filter((x) => x.up));
    if (!n) return;
    const ctx = this.nextCtx++;
    if (n.core.readIndex(ctx).ok) this.readFloor.set(ctx, this.maxCommitted);
  }

  private compact(): void {
    this.pick(this.nodes.filter((x) => x.up))?.compact();
  }

  /**
   * As a member's host does: a change that adds servers first has the leader stage them (they catch up while the
   * simulation goes on), and is proposed once they are synced (see proposeWhenCaughtUp) or by a later call, if
   * the same member still leads.
   */
  private changeMembership(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    const planned = this.plannedChange;
    this.plannedChange = undefined;
    if (planned?.leader !== leader.id) {
      const changes = this.rand() < 0.4 ? [{ id: this.pick(this.ids)!, role: this.pick(ROLES)! }] : this.multiChange(leader.core.membership);
      const joining = changes.filter((c) => c.role !== 'removed' && c.id !== leader.id && leader.core.catchUpOf(c.id) === undefined).map((c) => c.id);
      if (joining.length > 0) {
        leader.core.stageJoiners(joining);
        this.plannedChange = { leader: leader.id, changes };
        this.trace(() => `stage ${JSON.stringify(joining)} at ${leader.id}`);
        return;
      }
      return this.proposeChange(leader, changes);
    }
    this.proposeChange(leader, planned.changes);
  }

  /** The planned change goes as soon as its joiners are synced (a later membership action proposes it anyway). */
  private proposeWhenCaughtUp(): void {
    const planned = this.plannedChange;
    const leader = planned && this.nodes.find((n) => n.id === planned.leader && n.up);
    if (!planned || !leader || leader.core.role !== 'leader') return;
    if (!planned.changes.every((c) => c.role === 'removed' || c.id === leader.id || leader.core.catchUpOf(c.id) === 'synced')) return;
    this.plannedChange = undefined;
    this.proposeChange(leader, planned.changes);
  }

  private proposeChange(leader: SimNode, changes: MembershipChange[]): void {
    const r = leader.core.proposeMembership(changes);
    this.trace(() => `membership ${JSON.stringify(changes)} at ${leader.id}: ${r.ok ? 'ok' : r.error}`);
    if (!r.ok) return leader.core.stageJoiners([]);
    this.stats.configChanges++;
    if (changes.length > 1) this.stats.multiChanges++;
  }

  /** A request changing several members, shaped like what operators send. */
  private multiChange(m: Membership): MembershipChange[] {
    const members = this.ids.filter((id) => roleOf(m, id) !== 'removed');
    const outsiders = this.ids.filter((id) => roleOf(m, id) === 'removed');
    const take = (from: NodeId[], k: number) => this.shuffle(from).slice(0, k);
    switch (this.int(5)) {
      case 0: // add two
        return take(outsiders, 2).map((id) => ({ id, role: this.rand() < 0.7 ? 'voter' : this.pick(ROLES.slice(1, 3))! }));
      case 1: // remove two
        return take(members, 2).map((id) => ({ id, role: 'removed' }));
      case 2: {
        // swap two members' roles (participant <-> observer, never-leader flag)
        const [a, b] = take(members, 2);
        if (a !== undefined && b !== undefined && roleOf(m, a) !== roleOf(m, b)) {
          return [
            { id: a, role: roleOf(m, b) },
            { id: b, role: roleOf(m, a) },
          ];
        }
        return [{ id: this.pick(this.ids)!, role: this.pick(ROLES)! }];
      }
      case 3: {
        // replace a majority of the voters with outsiders (or demoted members)
        const leaving = take(m.voters, Math.floor(m.voters.length / 2) + 1);
        const joining = take([...outsiders, ...m.observers], leaving.length);
        return [...leaving.map((id) => ({ id, role: 'removed' as const })), ...joining.map((id) => ({ id, role: 'voter' as const }))];
      }
      default: // anything
        return take(this.ids, 2 + this.int(3)).map((id) => ({ id, role: this.pick(ROLES)! }));
    }
  }

  private transfer(): void {
    const leader = this.currentLeader();
    if (!leader) return;
    const target = this.rand() < 0.5 ? 'any' : this.pick(this.nodes)!.id;
    const r = leader.core.transferLeadership(target);
    this.trace(() => `transfer ${leader.id} -> ${target}: ${r.ok ? r.target : r.error}`);
    if (r.ok) this.stats.transfers++;
  }

  private crash(): void {
    const n = this.pick(this.nodes.filter((x) => x.up));
    if (!n) return;
    const survive = this.rand() < 0.5 ? 0 : this.int(n.pending.length + 1);
    this.trace(() => `crash ${n.id} keeping ${survive}/${n.pending.length} pending persists`);
    n.crash(survive);
    this.downUntil.set(n.id, this.time + 1 + this.int(30));
    this.stats.crashes++;
  }

  private repartition(): void {
    if (this.partition || this.rand() < 0.3) {
      this.partition = undefined;
    } else {
      this.partition = new Set(this.nodes.filter(() => this.rand() < 0.5).map((n) => n.id));
    }
    this.trace(() => `partition ${this.partition ? [...this.partition].join(',') : 'healed'}`);
  }

  /** Runs every live node's ready cycle until quiet, sending what comes out. */
  private settle(): void {
    for (let again = true; again; ) {
      again = false;
      for (const n of this.nodes) {
        while (n.up && n.core.hasReady()) {
          again = true;
          this.network.push(...n.cycle());
          this.checkReads(n);
        }
      }
    }
  }

  // ------------------------------------------------------------------ calm phase (liveness)

  private calmPhase(): void {
    this.partition = undefined;
    this.loss = 0;
    this.dup = 0;
    for (const n of this.nodes) if (!n.up) this.downUntil.set(n.id, 0);
    let target: { node: NodeId; index: number; term: number } | undefined;
    const deadline = this.time + this.opts.calmTime;
    while (this.time < deadline) {
      this.advanceTime();
      this.settle();
      for (let i = 0; i < 50 && this.network.length + this.pendingWrites() > 0; i++) {
        while (this.network.length > 0) this.deliverOne();
        for (const n of this.nodes) if (n.up) n.flush();
        this.settle();
        this.checkInvariants();
      }
      const leader = this.currentLeader();
      if (leader && (!target || target.node !== leader.id || leader.core.term !== target.term)) {
        const r = leader.core.propose(new Uint8Array([0xca, 0x1f]));
        if (r.ok) target = { node: leader.id, index: r.index, term: r.term };
      }
      if (target && this.node(target.node).app.index >= target.index && this.committed.get(target.index)?.term === target.term) return;
    }
    // Known limitation (see raft.ts): if no eligible voter of the latest committed membership knows
    // that it is one, and every member that knows is barred from leading, nobody campaigns.
    if (!this.nodes.some((n) => mayLead(this.latestConfig, n.id) && mayLead(n.core.membership, n.id))) {
      this.stats.unawareVoterStalls++;
      return;
    }
    this.fail(`liveness: no proposal committed within ${this.opts.calmTime} calm time units`);
  }

  private pendingWrites(): number {
    return this.nodes.reduce((sum, n) => sum + (n.up ? n.pending.length : 0), 0);
  }

  // ------------------------------------------------------------------ invariants

  private checkInvariants(): void {
    for (const n of this.nodes) {
      if (!n.up) continue;
      const core = n.core;
      const from = Math.min(this.checkedCommit.get(n.id) ?? 0, core.commitIndex);
      for (let i = Math.max(from, core.snapshotMeta.index) + 1; i <= core.commitIndex; i++) this.recordCommitted(n.id, core.entry(i)!);
      this.checkedCommit.set(n.id, core.commitIndex);
    }
    for (const n of this.nodes) {
      const core = n.core;
      if (n.up && core.role === 'leader') {
        const prev = this.leaderOfTerm.get(core.term);
        if (prev !== undefined && prev !== n.id) this.fail(`two leaders in term ${core.term}: ${prev} and ${n.id}`);
        if (this.neverPromoted.has(n.id)) this.fail(`never-leader ${n.id} leads term ${core.term}`);
        const own = core.membership;
        const barred = roleOf(own, n.id) === 'neverLeader' || roleOf(own, n.id) === 'observer' || (own.outgoing && roleOf(own.outgoing, n.id) === 'neverLeader');
        if (barred) this.fail(`node ${n.id} leads but may not under its committed membership ${JSON.stringify(own)}`);
        if (this.wasLeader.get(n.id) !== core.term) {
          this.leaderOfTerm.set(core.term, n.id);
          this.wasLeader.set(n.id, core.term);
          this.stats.leaderChanges++;
          this.trace(() => `leader ${n.id} term ${core.term}`);
          this.checkLeaderCompleteness(n);
        }
      }
    }
  }

  private recordCommitted(node: NodeId, e: Entry): Committed {
    const known = this.committed.get(e.index);
    const digest = entryDigest(e);
    if (!known) {
      if (e.kind === EntryKind.Config) this.configCommitted(e);
      const c = { term: e.term, digest };
      this.committed.set(e.index, c);
      this.maxCommitted = Math.max(this.maxCommitted, e.index);
      return c;
    }
    if (known.term !== e.term || known.digest !== digest) {
      this.fail(`node ${node} has a different committed entry at ${e.index}: term ${e.term} vs ${known.term}`);
    }
    return known;
  }

  private configCommitted(e: Entry): void {
    const { membership } = decodeConfig(e.data);
    if (membership.outgoing) this.stats.jointConfigs++;
    for (const id of membership.voters) this.neverPromoted.delete(id);
    if (e.index > this.latestConfigIndex) {
      this.latestConfigIndex = e.index;
      this.latestConfig = membership;
    }
  }

  /** A new leader's log must hold every entry committed so far. */
  private checkLeaderCompleteness(n: SimNode): void {
    for (const [index, c] of this.committed) {
      if (index <= n.core.snapshotMeta.index) continue;
      const e = n.core.entry(index);
      if (!e || e.term !== c.term || entryDigest(e) !== c.digest) this.fail(`leader ${n.id} (term ${n.core.term}) lacks committed entry ${index}`);
    }
  }

  private onApply(node: NodeId, e: Entry): void {
    const c = this.recordCommitted(node, e);
    if (e.kind === EntryKind.Config) this.trace(() => `node ${node} applies config at ${e.index}: ${JSON.stringify(decodeConfig(e.data))}`);
    const hash = this.node(node).app.hash;
    if (c.hash === undefined) c.hash = hash;
    else if (c.hash !== hash) this.fail(`node ${node} state diverged after applying ${e.index}`);
  }

  /**
   * No node may overwrite or drop a committed entry it holds, even in a write that is not durable yet. (A node
   * that never held it — one left behind or removed — may take a stale entry there from a deposed leader or a
   * catch-up push; that entry never commits, and its log stays less up to date than any log holding the
   * committed one.)
   */
  private onPersist(node: NodeId, entries: Entry[], replaced: ReadonlyMap<number, number>): void {
    const written = new Map(entries.map((e) => [e.index, e]));
    for (const [index, term] of replaced) {
      const c = this.committed.get(index);
      if (!c || c.term !== term) continue;
      const e = written.get(index);
      if (!e || e.term !== c.term || entryDigest(e) !== c.digest) this.fail(`node ${node} overwrites committed entry ${index}`);
    }
  }

  private checkReads(n: SimNode): void {
    for (const r of n.reads.splice(0)) {
      this.stats.reads++;
      const floor = this.readFloor.get(r.ctx);
      if (floor === undefined) continue; // a duplicated answer
      if (r.index < floor) this.fail(`read ${r.ctx} at ${n.id}: index ${r.index} < ${floor} committed before it was requested`);
      this.readFloor.delete(r.ctx);
    }
  }

  /** Log matching across every pair of live logs. */
  private checkLogMatching(): void {
    const logs = this.nodes.map((n) => n.core);
    for (const a of logs) {
      for (const b of logs) {
        if (a.id >= b.id) continue;
        const lo = Math.max(a.snapshotMeta.index, b.snapshotMeta.index) + 1;
        const hi = Math.min(a.lastIndex, b.lastIndex);
        let agreed = false;
        for (let i = hi; i >= lo; i--) {
          const ea = a.entry(i)!;
          const eb = b.entry(i)!;
          if (!agreed && ea.term === eb.term) agreed = true;
          if (agreed && (ea.term !== eb.term || entryDigest(ea) !== entryDigest(eb))) this.fail(`logs of ${a.id} and ${b.id} differ at ${i}`);
        }
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private currentLeader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.nodes) if (n.up && n.core.role === 'leader' && (!best || n.core.term > best.core.term)) best = n;
    return best;
  }

  private node(id: NodeId): SimNode {
    return this.nodes[id - 1]!;
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(xs: T[]): T | undefined {
    return xs.length === 0 ? undefined : xs[this.int(xs.length)];
  }

  private shuffle<T>(xs: T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  private trace(line: () => string): void {
    if (!this.opts.trace) return;
    this.traceLog.push(`[${this.step} t=${this.time}] ${line()}`);
    if (this.traceLog.length > 400) this.traceLog.shift();
  }

  private describeLog(n: SimNode): string {
    const parts: string[] = [];
    for (let i = n.core.firstIndex; i <= n.core.lastIndex; i++) {
      const e = n.core.entry(i)!;
      parts.push(`${i}:${e.term}${e.kind === EntryKind.Config ? 'C' : ''}`);
    }
    return `snap ${n.core.snapshotMeta.index}:${n.core.snapshotMeta.term} [${parts.slice(-12).join(' ')}]`;
  }

  private fail(msg: string): never {
    const state = this.nodes.map(
      (n) =>
        `  ${n.id}: ${n.up ? n.core.role : 'down'} t${n.core.term} c${n.core.commitIndex} l${n.core.lastIndex} ${JSON.stringify(n.core.membership)}` +
        (this.opts.trace ? ` log ${this.describeLog(n)}` : ''),
    );
    msg += `\n${state.join('\n')}`;
    const tail = this.opts.trace ? `\n${this.traceLog.join('\n')}` : ' (set SIM_TRACE=1 for the event trace)';
    throw new SimFailure(
      `seed ${this.seed}, step ${this.step}: ${msg}\nreplay: SIM_SEED=${this.seed} npx vitest run server/test/consensus${tail}`,
    );
  }
}
