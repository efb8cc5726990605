// Read barriers (ZooKeeper's sync): a read index request lost on the way to the leader, or its answer lost on the
// way back, must not leave the barrier waiting until the next leader change.
import { describe, expect, it } from 'vitest';
import { MsgType } from '../../src/consensus/messages.js';
import { member } from './replicator-harness.js';

describe('read barriers', () => {
  it('asks the leader again when a read index request goes unanswered', async () => {
    const f = member(2, [1, 2, 3]);
    f.heartbeat(1, 1);
    await f.settle();
    let met = false;
    f.replicator.afterBarrier(() => (met = true));
    await f.settle();
    const asks = () => f.sent.filter((m) => m.type === MsgType.ReadIndex && m.to === 1);
    expect(asks()).toHaveLength(1);
    // The request is lost. Within a second nothing is repeated; after it, the request goes out again.
    f.clock.time += 900;
    f.replicator.tick();
    await f.settle();
    expect(asks()).toHaveLength(1);
    f.clock.time += 200;
    f.replicator.tick();
    await f.settle();
    expect(asks()).toHaveLength(2);
    // The leader answers the repeated request: the barrier is met once that index is applied (here: at once).
    f.replicator.step({ type: MsgType.ReadIndexResp, from: 1, to: 2, term: 1, ctx: asks()[1]!.ctx!, index: 0 });
    await f.settle();
    expect(met).toBe(true);
  });
});
