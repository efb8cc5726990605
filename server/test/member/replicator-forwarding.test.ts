// The follower side of write forwarding: a follower does not hand writes to a leader whose connection is gone
// (they wait for it to be heard from again, or for its successor), and it learns the term in which the leader
// really appended a forwarded write, so a write is declared lost only when it is.
import { describe, expect, it } from 'vitest';
import { member } from '../simulation/replicator-harness.js';

/** Member 2 of three, following member 1 in term 1. */
async function follower() {
  const f = member(2, [1, 2, 3]);
  f.heartbeat(1, 1);
  await f.settle();
  expect(f.core.leader).toBe(1);
  return f;
}

describe('write forwarding', () => {
  it('holds writes while the leader is unreachable and sends them once it is heard from again', async () => {
    const f = await follower();
    f.replicator.peerGone(1);
    f.replicator.propose(new Uint8Array([1]));
    f.replicator.tick();
    await f.settle();
    expect(f.forwards()).toHaveLength(0);
    f.heartbeat(1, 1);
    f.replicator.tick();
    await f.settle();
    expect(f.forwards().map((a) => a.to)).toEqual([1]);
  });

  it('sends held writes to the successor as soon as it leads', async () => {
    const f = await follower();
    f.replicator.peerGone(1);
    f.replicator.propose(new Uint8Array([1]));
    f.replicator.propose(new Uint8Array([2]));
    await f.settle();
    f.heartbeat(3, 2);
    await f.settle();
    const sent = f.forwards();
    expect(sent.map((a) => a.to)).toEqual([3, 3]);
    expect(sent.map((a) => [...a.payload.data!])).toEqual([[1], [2]]);
  });

  it('reports the term in which the leader appended a forwarded write, not the term it was sent in', async () => {
    const f = await follower();
    const handed: number[] = [];
    f.replicator.propose(new Uint8Array([1]), (term) => handed.push(term));
    await f.settle();
    const [fwd] = f.forwards();
    // The leader was re-elected in term 2 before the write reached it.
    f.replicator.handleAux(1, { t: 'fwdAck', ref: fwd!.payload.ref, count: 1, accepted: 1, term: 2 });
    expect(handed).toEqual([2]);
  });

  it('gives an unanswered forward up as lost (handed in the term it was sent) once its leader is gone', async () => {
    const f = await follower();
    const handed: number[] = [];
    f.replicator.propose(new Uint8Array([1]), (term) => handed.push(term));
    await f.settle();
    f.replicator.peerGone(1);
    expect(handed).toEqual([1]);
  });

  it('sends the writes of one turn as one message, and takes an answer that accepted only the first ones', async () => {
    const f = await follower();
    const handed: Array<[number, number]> = [];
    for (const b of [1, 2, 3]) f.replicator.propose(new Uint8Array([b]), (term) => handed.push([b, term]));
    await f.settle();
    const batches = f.aux.filter((a) => a.payload.t === 'fwd');
    expect(batches).toHaveLength(1);
    const [first] = f.forwards();
    // The leader took two, then began handing over and refused the third.
    f.replicator.handleAux(1, { t: 'fwdAck', ref: first!.payload.ref, count: 3, accepted: 2, term: 1 });
    expect(handed).toEqual([[1, 1], [2, 1]]);
    f.heartbeat(3, 2); // the new leader gets the refused one, marked as a retry
    await f.settle();
    const resent = f.forwards().slice(3);
    expect(resent.map((a) => [a.to, [...a.payload.data!]])).toEqual([[3, [3]]]);
  });
});
