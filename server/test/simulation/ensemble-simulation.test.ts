// Whole-ensemble simulation above the consensus core. SIM_ENSEMBLE_SEEDS=n runs seeds 1..n (default below);
// SIM_ENSEMBLE_SEED=s replays one seed.
import { describe, expect, it } from 'vitest';
import { EnsembleFailure, simulateEnsemble, type EnsembleOptions, type EnsembleStats } from './ensemble-sim.js';

const OPTIONS: EnsembleOptions = { chaosMs: 6000, calmMs: 4000, clients: 4 };
const DEFAULT_SEEDS = 20;
const seeds = process.env.SIM_ENSEMBLE_SEED
  ? [Number(process.env.SIM_ENSEMBLE_SEED)]
  : Array.from({ length: Number(process.env.SIM_ENSEMBLE_SEEDS ?? DEFAULT_SEEDS) }, (_, i) => i + 1);
const CHUNK = 10;

function add(total: Partial<EnsembleStats>, s: EnsembleStats): void {
  for (const [k, v] of Object.entries(s) as Array<[keyof EnsembleStats, number]>) total[k] = (total[k] ?? 0) + v;
}

describe('ensemble simulation (replicator, apply, sessions, clients)', () => {
  for (let i = 0; i < seeds.length; i += CHUNK) {
    const chunk = seeds.slice(i, i + CHUNK);
    it(`keeps every invariant and a linearizable history for seeds ${chunk[0]}..${chunk.at(-1)}`, async () => {
      const total: Partial<EnsembleStats> = {};
      for (const seed of chunk) {
        add(total, await simulateEnsemble(seed, OPTIONS));
        await new Promise((resolve) => setImmediate(resolve)); // let the worker answer vitest's RPCs
      }
      // The workload must exercise what the checks are about, or they prove little.
      expect(total.operations!).toBeGreaterThan(chunk.length * 50);
      expect(total.linearizableReads!).toBeGreaterThan(chunk.length * 5);
      expect(total.crashes!).toBeGreaterThan(0);
      expect(total.leaderTerms!).toBeGreaterThan(chunk.length);
    }, 300_000);
  }

  it('catches a member that answers sync without waiting for its read barrier', async () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 30 && failures.length === 0; seed++) {
      try {
        await simulateEnsemble(seed, { ...OPTIONS, syncWithoutBarrier: true });
      } catch (err) {
        if (!(err instanceof EnsembleFailure)) throw err;
        failures.push(err.message);
      }
    }
    expect(failures.length).toBe(1);
    expect(failures[0]).toMatch(/not linearizable/);
    expect(failures[0]).toMatch(/SIM_ENSEMBLE_SEED=\d+ npx vitest run server\/test\/simulation/);
  }, 300_000);
});
