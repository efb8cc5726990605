// Whole-ensemble simulation above the consensus core. SIM_ENSEMBLE_SEEDS=n runs seeds 1..n (default below);
// SIM_ENSEMBLE_SEED=s replays one seed.
import { describe, expect, it } from 'vitest';
import { EnsembleFailure, simulateEnsemble, type EnsembleOptions, type EnsembleStats } from './ensemble-sim.js';
import type { SyncMode } from './sim-member.js';

const OPTIONS: EnsembleOptions = { chaosMs: 6000, calmMs: 4000, clients: 4 };
/** Shorter runs for the broken variants: they fail during the chaos. */
const VARIANT_OPTIONS: EnsembleOptions = { chaosMs: 3000, calmMs: 2000, clients: 4 };
const DEFAULT_SEEDS = 12;
const seeds = process.env.SIM_ENSEMBLE_SEED
  ? [Number(process.env.SIM_ENSEMBLE_SEED)]
  : Array.from({ length: Number(process.env.SIM_ENSEMBLE_SEEDS ?? DEFAULT_SEEDS) }, (_, i) => i + 1);
const CHUNK = 6;

function add(total: Partial<EnsembleStats>, s: EnsembleStats): void {
  for (const [k, v] of Object.entries(s) as Array<[keyof EnsembleStats, number]>) total[k] = (total[k] ?? 0) + v;
}

describe('ensemble simulation (request path, replicator, apply, sessions, reconfig, clients)', () => {
  for (let i = 0; i < seeds.length; i += CHUNK) {
    const chunk = seeds.slice(i, i + CHUNK);
    it(`keeps every invariant and a linearizable history for seeds ${chunk[0]}..${chunk.at(-1)}`, async () => {
      const total: Partial<EnsembleStats> = {};
      for (const seed of chunk) {
        add(total, await simulateEnsemble(seed, OPTIONS));
        await new Promise((resolve) => setImmediate(resolve)); // let the worker answer vitest's RPCs
      }
      // The workload must exercise what the checks are about, or they prove little (judged over several seeds:
      // one replayed seed may happen to have no crash).
      if (chunk.length === 1) return;
      expect(total.operations!).toBeGreaterThan(chunk.length * 50);
      expect(total.linearizableReads!).toBeGreaterThan(chunk.length * 5);
      expect(total.crashes!).toBeGreaterThan(0);
      expect(total.leaderTerms!).toBeGreaterThan(chunk.length);
      // Members removed and added back by reconfig amid the faults.
      expect(total.reconfigsDone!).toBeGreaterThan(chunk.length);
      expect(total.configChanges!).toBeGreaterThan(chunk.length);
    }, 300_000);
  }

  /** The first failure among seeds 1..30 with `mode`, which must exist. */
  async function firstFailure(mode: SyncMode): Promise<string> {
    for (let seed = 1; seed <= 30; seed++) {
      try {
        await simulateEnsemble(seed, { ...VARIANT_OPTIONS, syncMode: mode });
      } catch (err) {
        if (!(err instanceof EnsembleFailure)) throw err;
        return err.message;
      }
    }
    return 'no failure';
  }

  it('catches a member that answers sync without waiting for its read barrier', async () => {
    const failure = await firstFailure('noBarrier');
    expect(failure).toMatch(/not linearizable/);
    expect(failure).toMatch(/SIM_ENSEMBLE_SEED=\d+ npx vitest run server\/test\/simulation/);
  }, 300_000);

  it('catches the sync member.ts had before 9aa18f6 (answered after the whole batch): replies go back in time', async () => {
    expect(await firstFailure('afterBatch')).toMatch(/session guarantees violated:\n(.*\n)*.*sync reply .* carries zxid/);
  }, 300_000);
});
