// Whole-cluster randomized simulation. SIM_SEEDS=n runs seeds 1..n (default 500); SIM_SEED=s replays
// one seed (add SIM_TRACE=1 for the event trace and logs in the failure message).
import { afterAll, describe, expect, it } from 'vitest';
import { simulate, type SimOptions } from './simulator.js';

const SIM: SimOptions = { steps: 3000, calmTime: 400, trace: process.env.SIM_TRACE === '1' };
const seeds = process.env.SIM_SEED
  ? [Number(process.env.SIM_SEED)]
  : Array.from({ length: Number(process.env.SIM_SEEDS ?? 500) }, (_, i) => i + 1);
// Chunks keep each test report short; yielding between seeds keeps the worker responsive.
const CHUNK = 250;
/**
 * The calm phase may end stuck in the core's documented limitation (raft.ts: no eligible voter of the latest
 * committed membership knows that it is one, so nobody campaigns). Tolerated, within bounds: the run reports the
 * stalled seeds, and a chunk fails above this share of stalls (one in 250), since a rise means the limitation got
 * common or a real liveness bug hides behind it. Measured: 0 of seeds 1..10,000. Checked on chunks of 50 seeds or
 * more (a replayed seed may stall).
 */
const MAX_UNAWARE_VOTER_STALL_RATE = 1 / 250;

describe('cluster simulation', () => {
  const stalls = { seeds: 0, stalled: [] as number[] };
  afterAll(() => {
    const { seeds, stalled } = stalls;
    console.log(`unaware-voter stalls: ${stalled.length} of ${seeds} seeds (${((100 * stalled.length) / Math.max(1, seeds)).toFixed(2)}%)${stalled.length > 0 ? `: ${stalled.join(' ')}` : ''}`);
  });

  for (let i = 0; i < seeds.length; i += CHUNK) {
    const chunk = seeds.slice(i, i + CHUNK);
    it(`keeps safety and liveness for seeds ${chunk[0]}..${chunk[chunk.length - 1]}`, async () => {
      let committed = 0;
      let jointConfigs = 0;
      const stalled: number[] = [];
      for (const seed of chunk) {
        const stats = simulate(seed, SIM);
        committed += stats.committed;
        jointConfigs += stats.jointConfigs;
        if (stats.unawareVoterStalls > 0) stalled.push(seed);
        await new Promise((resolve) => setImmediate(resolve)); // let the worker answer vitest's RPCs
      }
      // The workload must actually make progress, and go through joint configurations, or the invariants prove little.
      expect(committed).toBeGreaterThan(chunk.length * 20);
      if (chunk.length >= 50) expect(jointConfigs).toBeGreaterThan(chunk.length / 10);
      stalls.seeds += chunk.length;
      stalls.stalled.push(...stalled);
      if (chunk.length >= 50) {
        expect(stalled.length / chunk.length, `unaware-voter stalls in seeds ${stalled.join(' ')}`).toBeLessThanOrEqual(MAX_UNAWARE_VOTER_STALL_RATE);
      }
      if (process.env.SIM_STATS === '1') console.log({ seeds: chunk.length, committed, jointConfigs });
    }, 120_000);
  }
});
