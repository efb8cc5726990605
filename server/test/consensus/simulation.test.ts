// Whole-cluster randomized simulation. SIM_SEEDS=n runs seeds 1..n; SIM_SEED=s replays one seed
// (add SIM_TRACE=1 for the event trace in the failure message).
import { describe, expect, it } from 'vitest';
import { simulate, type SimOptions } from './simulator.js';

const SIM: SimOptions = { steps: 3000, calmTime: 400, trace: process.env.SIM_TRACE === '1' };
const seeds = process.env.SIM_SEED
  ? [Number(process.env.SIM_SEED)]
  : Array.from({ length: Number(process.env.SIM_SEEDS ?? 300) }, (_, i) => i + 1);

describe('cluster simulation', () => {
  it(`keeps safety and liveness for ${seeds.length} seed(s)`, () => {
    let committed = 0;
    for (const seed of seeds) committed += simulate(seed, SIM).committed;
    // The workload must actually make progress, or the invariants prove little.
    expect(committed).toBeGreaterThan(seeds.length * 20);
  }, 600_000);
});
