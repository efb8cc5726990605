// The planner against the fake cluster from many seeds. PLAN_SIM_SEEDS=n runs seeds 1..n (default 300);
// PLAN_SIM_SEED=s replays one seed and prints its trace on failure (PLAN_SIM_DEBUG=1 adds each plan's waits).
import { describe, expect, it } from 'vitest';
import { simulate, type SimOptions } from './simulation.js';

const SIM: SimOptions = { faultTicks: 150, calmTicks: 250 };
const seeds = process.env.PLAN_SIM_SEED
  ? [Number(process.env.PLAN_SIM_SEED)]
  : Array.from({ length: Number(process.env.PLAN_SIM_SEEDS ?? 300) }, (_, i) => i + 1);

describe('planner simulation', () => {
  it(`keeps safety and reaches the spec for seeds ${seeds[0]}..${seeds.at(-1)}`, () => {
    let worst = 0;
    const totals = { specChanges: 0, faults: 0, restarts: 0, reconfigs: 0 };
    for (const seed of seeds) {
      let out;
      try {
        out = simulate(seed, SIM);
      } catch (e) {
        throw new Error(`seed ${seed}: ${(e as Error).stack}`);
      }
      if (out.violations.length > 0) {
        const trace = seeds.length === 1 ? `\n${out.trace.join('\n')}` : ` (replay: PLAN_SIM_SEED=${seed})`;
        expect.fail(`seed ${seed}: ${out.violations.slice(0, 5).join('; ')}${trace}`);
      }
      worst = Math.max(worst, out.calmTicksUsed);
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += out[k];
    }
    // The runs must exercise what they claim to: spec changes, faults, restarts and reconfigs.
    if (seeds.length >= 100) {
      expect(totals.specChanges).toBeGreaterThan(seeds.length * 2);
      expect(totals.faults).toBeGreaterThan(seeds.length * 5);
      expect(totals.restarts).toBeGreaterThan(seeds.length);
      expect(totals.reconfigs).toBeGreaterThan(seeds.length);
    }
    if (process.env.PLAN_SIM_STATS === '1') console.log({ seeds: seeds.length, worstCalmTicks: worst, ...totals });
  }, 120_000);
});
