// Submission order of forwarded writes, which the ensemble simulation found broken: a write forwarded to a
// leader that was then replaced came back refused after a later write had already gone to the new leader, so the
// same client's writes were applied in the opposite order (both acknowledged, in order, to the client).
import { describe, expect, it } from 'vitest';
import { member, type Aux } from './replicator-harness.js';

const bytes = (a: Aux) => [...a.payload.data!];

describe('forwarded writes keep their submission order', () => {
  it('holds later writes while an earlier one is unanswered by a replaced leader, then sends both in order', async () => {
    const f = member(2, [1, 2, 3]);
    f.heartbeat(1, 1);
    await f.settle();
    f.replicator.propose(new Uint8Array([1]));
    await f.settle();
    const [first] = f.forwards();
    expect(first!.to).toBe(1);
    // Member 3 takes over; a write submitted now must not overtake the one member 1 has not answered.
    f.heartbeat(3, 2);
    f.replicator.propose(new Uint8Array([2]));
    await f.settle();
    expect(f.forwards()).toHaveLength(1);
    // Member 1, no longer leading, refuses the first write: both go to member 3 at once, first one first.
    f.replicator.handleAux(1, { t: 'fwdAck', ref: first!.payload.ref, count: 1, accepted: 0 });
    await f.settle();
    const later = f.forwards().slice(1);
    expect(later.map((a) => a.to)).toEqual([3, 3]);
    expect(later.map(bytes)).toEqual([[1], [2]]);
  });

  it('after a refusal, sends nothing until every earlier forward is answered, and resends flagged as a retry', async () => {
    const f = member(2, [1, 2, 3]);
    f.heartbeat(1, 1);
    f.replicator.propose(new Uint8Array([1]));
    f.replicator.propose(new Uint8Array([2]));
    await f.settle();
    const [a, b] = f.forwards();
    f.replicator.handleAux(1, { t: 'fwdAck', ref: a!.payload.ref, count: 1, accepted: 0 });
    f.replicator.propose(new Uint8Array([3]));
    f.replicator.tick();
    await f.settle();
    expect(f.forwards()).toHaveLength(2);
    f.replicator.handleAux(1, { t: 'fwdAck', ref: b!.payload.ref, count: 1, accepted: 0 });
    f.replicator.tick();
    await f.settle();
    const resent = f.forwards().slice(2);
    expect(resent.map(bytes)).toEqual([[1], [2], [3]]);
    expect(resent.map((x) => x.payload.retry ?? false)).toEqual([true, false, false]);
  });

  it('a leader that refused a member keeps refusing it until that member retries', async () => {
    const l = member(1, [1]);
    const fwd = (ref: number, retry?: boolean) => l.replicator.handleAux(2, { t: 'fwd', ref, data: [new Uint8Array([ref])], ...(retry ? { retry } : {}) });
    const acks = () => l.aux.filter((a) => a.payload.t === 'fwdAck').map((a) => [a.payload.ref, a.payload.accepted === a.payload.count]);
    fwd(1); // not leading yet: refused
    l.replicator.campaign();
    await l.settle();
    expect(l.core.role).toBe('leader');
    fwd(2); // sent before member 2 heard of the refusal: refused as well, or it would overtake write 1
    fwd(3, true);
    fwd(4);
    expect(acks()).toEqual([
      [1, false],
      [2, false],
      [3, true],
      [4, true],
    ]);
  });
});
