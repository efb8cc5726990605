// End to end: three RaftCore instances driven over PeerNetwork on loopback, following the host contract in
// consensus/raft.ts with in-memory persistence (persisted(id) at once). They elect a leader and commit proposals;
// a member that joins after the leader compacted its log catches up through a snapshot streamed out of band;
// after the leader dies the other two elect a new one and keep committing.
import { pack, unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { MsgType, type Message } from '../../src/consensus/messages.js';
import { RaftCore } from '../../src/consensus/raft.js';
import { EntryKind, type Membership, type NodeId } from '../../src/consensus/types.js';
import type { PeerNetwork } from '../../src/peer/peer-network.js';
import { startNetworks, waitFor } from './helpers.js';

/** The replicated toy state machine: the payloads of applied normal entries. */
interface App {
  index: number;
  items: string[];
}

class Host {
  readonly core: RaftCore;
  app: App = { index: 0, items: [] };
  snapshotsInstalled = 0;
  /** Snapshot images by index: our own compactions and ones received from a leader. */
  private readonly images = new Map<number, App>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly id: NodeId,
    readonly net: PeerNetwork,
    membership: Membership,
  ) {
    this.core = new RaftCore({ id, snapshot: { index: 0, term: 0, membership }, random: Math.random, electionTicks: 10 });
    net.onMessage((m) => this.step(m));
    net.onSnapshot(async (_from, meta, chunks) => {
      const m = meta as Message;
      const items: string[] = [];
      for await (const chunk of chunks) items.push(...(unpack(chunk) as string[]));
      this.images.set(m.snapshot!.index, { index: m.snapshot!.index, items });
      this.step(m); // the data is here: now the core may take the message
    });
    this.timer = setInterval(() => {
      this.core.tick();
      this.drain();
    }, 10);
  }

  step(m: Message): void {
    this.core.step(m);
    this.drain();
  }

  propose(item: string): boolean {
    const r = this.core.propose(new TextEncoder().encode(item));
    this.drain();
    return r.ok;
  }

  /** Snapshot the state machine at its applied index and drop the log up to there. */
  compact(): number {
    this.images.set(this.app.index, { index: this.app.index, items: [...this.app.items] });
    this.core.compact(this.app.index);
    return this.app.index;
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.net.close();
  }

  private drain(): void {
    while (this.core.hasReady()) {
      const rd = this.core.ready();
      if (rd.persist) {
        if (rd.persist.snapshot) {
          const image = this.images.get(rd.persist.snapshot.index)!;
          this.app = { index: image.index, items: [...image.items] };
          this.snapshotsInstalled++;
        }
        this.core.persisted(rd.persist.id); // "durable" at once
      }
      this.net.send(rd.messages.filter((m) => !m.snapshot));
      for (const m of rd.messages.filter((m) => m.snapshot)) this.streamSnapshot(m);
      for (const e of rd.committed) {
        expect(e.index).toBe(this.app.index + 1);
        if (e.kind === EntryKind.Normal) this.app.items.push(new TextDecoder().decode(e.data));
        this.app.index = e.index;
      }
    }
  }

  private streamSnapshot(m: Message): void {
    const image = this.images.get(m.snapshot!.index)!;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < image.items.length; i += 7) yield pack(image.items.slice(i, i + 7));
    }
    const report = (ok: boolean) => {
      if (m.type !== MsgType.Snapshot) return;
      this.core.reportSnapshot(m.to, ok);
      this.drain();
    };
    this.net.sendSnapshot(m.to, m, chunks()).then(
      () => report(true),
      () => report(false),
    );
  }
}

const hosts: Host[] = [];
const nets: PeerNetwork[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  await Promise.all(nets.splice(0).map((n) => n.close()));
});

const leaderOf = (live: Host[]) => {
  const leaders = live.filter((h) => h.core.role === 'leader');
  return leaders.length === 1 ? leaders[0] : undefined;
};

describe('RaftCore over PeerNetwork', () => {
  it('elects a leader, commits, catches a late member up by snapshot, and survives the leader’s death', async () => {
    const membership: Membership = { voters: [1, 2, 3], neverLeaders: [], observers: [] };
    const started = await startNetworks([1, 2, 3]);
    nets.push(...started.nets.values());
    const live = [1, 2].map((id) => new Host(id, started.nets.get(id)!, membership));
    hosts.push(...live);

    await waitFor('a leader among 1 and 2', () => leaderOf(live) !== undefined);
    let leader = leaderOf(live)!;
    for (let i = 0; i < 50; i++) expect(leader.propose(`a${i}`)).toBe(true);
    const expected = Array.from({ length: 50 }, (_, i) => `a${i}`);
    await waitFor('50 applied on 1 and 2', () => live.every((h) => h.app.items.length === 50));
    expect(live.map((h) => h.app.items)).toEqual([expected, expected]);

    // The leader compacts; member 3 starts empty and can only catch up through a snapshot.
    const compactedAt = leader.compact();
    expect(leader.core.firstIndex).toBeGreaterThan(1);
    const late = new Host(3, started.nets.get(3)!, membership);
    hosts.push(late);
    live.push(late);
    await waitFor('3 caught up', () => late.app.index >= compactedAt, 5000);
    expect(late.snapshotsInstalled).toBe(1);
    expect(late.app.items).toEqual(expected);

    for (let i = 0; i < 10; i++) expect(leader.propose(`b${i}`)).toBe(true);
    expected.push(...Array.from({ length: 10 }, (_, i) => `b${i}`));
    await waitFor('60 applied everywhere', () => live.every((h) => h.app.items.length === 60));
    live.forEach((h) => expect(h.app.items).toEqual(expected));

    // The leader dies; the other two elect a new leader in a later term and keep committing.
    const oldTerm = leader.core.term;
    await leader.stop();
    const survivors = live.filter((h) => h !== leader);
    await waitFor('a new leader', () => leaderOf(survivors) !== undefined && leaderOf(survivors)!.core.term > oldTerm, 5000);
    leader = leaderOf(survivors)!;
    expect(leader.propose('c0')).toBe(true);
    expected.push('c0');
    await waitFor('c0 applied on the survivors', () => survivors.every((h) => h.app.items.length === 61));
    survivors.forEach((h) => expect(h.app.items).toEqual(expected));
  });
});
