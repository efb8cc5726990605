// Pieces every scenario uses: starting the target, spreading sessions over generator processes, merging
// what the generators report.
import { deploy, type Deployment, type TargetKind } from '../deploy.js';
import { Histogram } from '../histogram.js';
import type { ConnectResult, SessionSettings } from '../loadgen/messages.js';
import { GeneratorPool } from '../loadgen/pool.js';
import type { BenchSettings, Figure } from '../settings.js';

/** Runs `body` against a fresh deployment and generator pool sized for `sessions`, stopping both afterwards. */
export async function withTarget<T>(
  kind: TargetKind,
  settings: BenchSettings,
  sessions: number,
  body: (dep: Deployment, pool: GeneratorPool) => Promise<T>,
  juteMaxBuffer?: number,
): Promise<T> {
  const dep = await deploy(kind, {
    members: settings.members,
    cfg: settings.cfg,
    zkHeapMb: settings.zkHeapMb,
    ...(juteMaxBuffer ? { juteMaxBuffer } : {}),
    ...(settings.corralProfileDir ? { corralProfileDir: settings.corralProfileDir } : {}),
    ...(settings.corralLagDir ? { corralLagDir: settings.corralLagDir } : {}),
  });
  const pool = GeneratorPool.start(Math.max(1, Math.ceil(sessions / settings.sessionsPerGenerator)));
  try {
    return await body(dep, pool);
  } finally {
    await pool.stop();
    await dep.stop();
  }
}

export interface Opened {
  opened: number;
  failed: number;
  /** µs from startAt until each session was ready. */
  ready: Histogram;
  lastReadyAt: number;
  generatorCpuMs: number;
  firstError?: string;
}

/** Opens `count` sessions across the pool (see the connect command); `concurrency` is per generator process. */
export async function openSessions(
  pool: GeneratorPool,
  dep: Deployment,
  count: number,
  session: SessionSettings,
  opts: { concurrency: number; startAt: number; readPath?: string },
): Promise<Opened> {
  const { count: share, first } = pool.split(count);
  const results = await pool.all<ConnectResult>((i) => ({
    op: 'connect', count: share(i), firstIndex: first(i), endpoints: dep.endpoints, session,
    concurrency: opts.concurrency, startAt: opts.startAt, ...(opts.readPath ? { readPath: opts.readPath } : {}),
  }));
  const ready = new Histogram();
  for (const r of results) ready.merge(r.ready);
  const firstError = results.find((r) => r.firstError)?.firstError;
  return {
    opened: results.reduce((n, r) => n + r.opened, 0),
    failed: results.reduce((n, r) => n + r.failed, 0),
    ready,
    lastReadyAt: Math.max(0, ...results.map((r) => r.lastReadyAt)),
    generatorCpuMs: results.reduce((n, r) => n + r.cpuMs, 0),
    ...(firstError ? { firstError } : {}),
  };
}

/** Builds figures for one scenario. */
export function figures(scenario: string): (metric: string, unit: string, better: Figure['better'], value: number | null, note?: string) => Figure {
  return (metric, unit, better, value, note) => ({
    scenario, metric, unit, better, value: value === null || Number.isFinite(value) ? value : null, ...(note ? { note } : {}),
  });
}

export const usToMs = (us: number) => us / 1000;
export const MiB = 1024 * 1024;
