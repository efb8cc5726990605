// A Replicator driven by hand: one core, a recording transport, a clock and deferred work the test advances.
import { MsgType, type Message } from '../../src/consensus/messages.js';
import { RaftCore } from '../../src/consensus/raft.js';
import { Replicator, type PeerTransport, type ReplicatorHost } from '../../src/member/replicator.js';

export interface Aux {
  to: number;
  payload: { t: string; ref: number; data?: Uint8Array; retry?: boolean; count?: number; accepted?: number };
}

/** A replicator for member `id` of `voters`, with a hand-cranked clock and recorded traffic; `hooks` replace host callbacks. */
export function member(id: number, voters: number[], hooks: Partial<ReplicatorHost> = {}) {
  const core = new RaftCore({ id, snapshot: { index: 0, term: 0, membership: { voters, neverLeaders: [], observers: [] } }, random: () => 0.5 });
  const aux: Aux[] = [];
  const sent: Message[] = [];
  const peers: PeerTransport = {
    send: (messages) => void sent.push(...messages),
    sendAux: (to, payload) => (aux.push({ to, payload: payload as Aux['payload'] }), true),
    sendSnapshot: async () => {},
  };
  const host: ReplicatorHost = {
    committed: () => {},
    roleChanged: () => {},
    installSnapshot: async () => 0,
    snapshotChunks: async () => (async function* () {})(),
    fatal: (err) => {
      throw err;
    },
    joinersStaged: () => {},
    ...hooks,
  };
  const deferred: Array<() => void> = [];
  const clock = { time: 0 };
  const wal = { append: async () => {}, reset: async () => {} };
  const replicator = new Replicator(core, wal, host, 0, { peers, clock: { now: () => clock.time, defer: (fn) => deferred.push(fn) } });
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      while (deferred.length > 0) deferred.shift()!();
      await Promise.resolve();
    }
  };
  /** One event-loop turn: the deferred work queued so far, then pending promise callbacks. */
  const turn = async () => {
    for (const fn of deferred.splice(0)) fn();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  const heartbeat = (leader: number, term: number) => replicator.step({ type: MsgType.Heartbeat, from: leader, to: id, term, commit: 0 });
  /** Every forwarded proposal, one per entry of the batches sent (a batch's retry flag shown on its first). */
  const forwards = (): Aux[] =>
    aux
      .filter((a) => a.payload.t === 'fwd')
      .flatMap((a) =>
        (a.payload.data as unknown as Uint8Array[]).map((data, i) => ({
          to: a.to,
          payload: { t: 'fwd', ref: a.payload.ref + i, data, ...(i === 0 && a.payload.retry ? { retry: true } : {}) },
        })),
      );
  return { core, replicator, aux, sent, clock, settle, turn, heartbeat, forwards };
}

