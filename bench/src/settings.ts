// Everything a run is parameterised by, and what a scenario reports.
import type { ZooCfg } from '../../test-support/zoo-cfg.js';
import type { TargetKind } from './deploy.js';

export interface Mix {
  name: string;
  readFraction: number;
}

export const MIXES: readonly Mix[] = [
  { name: 'reads', readFraction: 1 },
  { name: 'writes', readFraction: 0 },
  { name: 'mixed', readFraction: 0.9 },
];

export interface BenchSettings {
  quick: boolean;
  targets: TargetKind[];
  members: number;
  /** zoo.cfg keys both servers get. */
  cfg: ZooCfg;
  zkHeapMb: number;
  /** Sessions one generator process holds at most (each is a file descriptor; the limit is 20,000). */
  sessionsPerGenerator: number;
  corralProfileDir?: string;
  corralLagDir?: string;
  throughput: {
    sessions: number;
    /** Outstanding requests per session. */
    depth: number;
    keyCount: number;
    valueSize: number;
    warmupMs: number;
    durationMs: number;
    mixes: Mix[];
  };
  storm: { clients: number; mapKiB: number; sessionTimeoutMs: number };
  bigStorm: { clients: number; mapMiB: number };
  scale: { sessions: number; sessionTimeoutMs: number; holdTimeouts: number };
  /** Fresh ensembles the failover scenario measures (leader kill, and for Corral a planned transfer, in each). */
  failoverRuns: number;
  /** The reconfig scenario: nodes of 4 KiB in the tree the joiners must fetch, and fresh ensembles measured. */
  reconfig: { nodes: number; runs: number };
  /** Fresh five-member deployments the rolling scenario restarts one by one. */
  rollingRuns: number;
}

/** One figure for one target. `better` says which way is good, for reading the ratio. */
export interface Figure {
  scenario: string;
  metric: string;
  unit: string;
  better: 'higher' | 'lower' | 'neither';
  /** null when the scenario could not produce it; `note` says why. */
  value: number | null;
  note?: string;
}

export interface Scenario {
  name: string;
  /** Which settings it uses, for --help. */
  description: string;
  run(kind: TargetKind, settings: BenchSettings): Promise<Figure[]>;
}
