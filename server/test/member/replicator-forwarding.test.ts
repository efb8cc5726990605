// The follower side of write forwarding: a follower does not hand writes to a leader whose connection is gone
// (they wait for it to be heard from again, or for its successor), and it learns the term in which the leader
// really appended a forwarded write, so a write is declared lost only when it is.
import { describe, expect, it } from 'vitest';
import { MsgType } from '../../src/consensus/messages.js';
import { RaftCore } from '../../src/consensus/raft.js';
import { Replicator, type PeerTransport, type ReplicatorClock, type ReplicatorHost } from '../../src/member/replicator.js';

interface SentAux {
  to: number;
  payload: { t: string; ref: number; data?: Uint8Array };
}

function follower() {
  const core = new RaftCore({
    id: 2,
    snapshot: { index: 0, term: 0, membership: { voters: [1, 2, 3], neverLeaders: [], observers: [] } },
    random: () => 0.5,
  });
  const aux: SentAux[] = [];
  const peers: PeerTransport = {
    send: () => {},
    sendAux: (to, payload) => (aux.push({ to, payload: payload as SentAux['payload'] }), true),
    sendSnapshot: async () => {},
  };
  const host: ReplicatorHost = {
    committed: () => {},
    roleChanged: () => {},
    installSnapshot: async () => 0,
    snapshotChunks: async () => [],
    fatal: (err) => {
      throw err;
    },
  };
  let time = 0;
  const deferred: Array<() => void> = [];
  const clock: ReplicatorClock = { now: () => time, defer: (fn) => deferred.push(fn) };
  const wal = { append: async () => {}, reset: async () => {} };
  const replicator = new Replicator(core, wal, host, 0, peers, clock);
  const settle = () => {
    while (deferred.length > 0) deferred.shift()!();
  };
  /** A heartbeat from `leader` in `term`: the follower now knows who leads. */
  const heartbeat = (leader: number, term: number) => {
    replicator.step({ type: MsgType.Heartbeat, from: leader, to: 2, term, commit: 0 });
    settle();
  };
  const advance = (ms: number) => (time += ms);
  return { core, replicator, aux, settle, heartbeat, advance };
}

const forwards = (aux: SentAux[]) => aux.filter((a) => a.payload.t === 'fwd');

describe('write forwarding', () => {
  it('holds writes while the leader is unreachable and sends them once it is heard from again', () => {
    const f = follower();
    f.heartbeat(1, 1);
    expect(f.core.leader).toBe(1);
    f.replicator.peerGone(1);
    f.replicator.propose(new Uint8Array([1]));
    f.settle();
    f.replicator.tick();
    f.settle();
    expect(forwards(f.aux)).toHaveLength(0);
    f.heartbeat(1, 1);
    f.replicator.tick();
    f.settle();
    expect(forwards(f.aux).map((a) => a.to)).toEqual([1]);
  });

  it('sends held writes to the successor as soon as it leads', () => {
    const f = follower();
    f.heartbeat(1, 1);
    f.replicator.peerGone(1);
    f.replicator.propose(new Uint8Array([1]));
    f.replicator.propose(new Uint8Array([2]));
    f.settle();
    f.heartbeat(3, 2);
    const sent = forwards(f.aux);
    expect(sent.map((a) => a.to)).toEqual([3, 3]);
    expect(sent.map((a) => [...a.payload.data!])).toEqual([[1], [2]]);
  });

  it('reports the term in which the leader appended a forwarded write, not the term it was sent in', () => {
    const f = follower();
    f.heartbeat(1, 1);
    const handed: number[] = [];
    f.replicator.propose(new Uint8Array([1]), (term) => handed.push(term));
    f.settle();
    const [fwd] = forwards(f.aux);
    // The leader was re-elected in term 2 before the write reached it.
    f.replicator.handleAux(1, { t: 'fwdAck', ref: fwd!.payload.ref, ok: true, term: 2 });
    expect(handed).toEqual([2]);
  });

  it('gives an unanswered forward up as lost (handed in the term it was sent) once its leader is gone', () => {
    const f = follower();
    f.heartbeat(1, 1);
    const handed: number[] = [];
    f.replicator.propose(new Uint8Array([1]), (term) => handed.push(term));
    f.settle();
    f.replicator.peerGone(1);
    expect(handed).toEqual([1]);
  });
});
