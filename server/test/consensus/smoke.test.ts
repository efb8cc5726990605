import { describe, expect, it } from 'vitest';
import { Cluster, membershipOf } from './cluster.js';

describe('smoke', () => {
  it('elects and replicates', () => {
    const c = new Cluster(membershipOf([1, 2, 3]));
    c.elect(1);
    expect(c.leaders()).toEqual([1]);
    const r = c.node(1).core.propose(new Uint8Array([1, 2]));
    expect(r.ok).toBe(true);
    c.stabilize();
    for (const n of c.nodes.values()) expect(n.app.index).toBe(2);
    c.tick(50);
    expect(c.leaders()).toEqual([1]);
  });
});
