// Whole-cluster randomized simulation. SIM_SEEDS=n runs seeds 1..n (default 500); SIM_SEED=s replays
// one seed (add SIM_TRACE=1 for the event trace and logs in the failure message).
import { describe, expect, it } from 'vitest';
import { simulate, type SimOptions } from './simulator.js';

const SIM: SimOptions = { steps: 3000, calmTime: 400, trace: process.env.SIM_TRACE === '1' };
const seeds = process.env.SIM_SEED
  ? [Number(process.env.SIM_SEED)]
  : Array.from({ length: Number(process.env.SIM_SEEDS ?? 500) }, (_, i) => i + 1);
// Chunks keep each test report short; yielding between seeds keeps the worker responsive.
const CHUNK = 250;

describe('cluster simulation', () => {
  for (let i = 0; i < seeds.length; i += CHUNK) {
    const chunk = seeds.slice(i, i + CHUNK);
    it(`keeps safety and liveness for seeds ${chunk[0]}..${chunk[chunk.length - 1]}`, async () => {
      let committed = 0;
      let jointConfigs = 0;
      for (const seed of chunk) {
        const stats = simulate(seed, SIM);
        committed += stats.committed;
        jointConfigs += stats.jointConfigs;
        await new Promise((resolve) => setImmediate(resolve)); // let the worker answer vitest's RPCs
      }
      // The workload must actually make progress, and go through joint configurations, or the invariants prove little.
      expect(committed).toBeGreaterThan(chunk.length * 20);
      if (chunk.length >= 50) expect(jointConfigs).toBeGreaterThan(chunk.length / 10);
      if (process.env.SIM_STATS === '1') console.log({ seeds: chunk.length, committed, jointConfigs });
    }, 120_000);
  }
});
