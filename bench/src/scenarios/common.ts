// Pieces every scenario uses: starting the target, spreading sessions over generator processes, merging
// what the generators report.
import { sleep } from '../clock.js';
import { deploy, memberMode, type Deployment, type Member, type TargetKind } from '../deploy.js';
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

/** The member that leads, and the others (waits for a leader for up to ~10 s). */
export async function leaderOf(dep: Deployment): Promise<{ leader: Member; followers: Member[] }> {
  for (let tries = 0; ; tries++) {
    const modes = await Promise.all(dep.members.map(memberMode));
    const leader = dep.members[modes.indexOf('leader')];
    if (leader) return { leader, followers: dep.members.filter((m) => m !== leader) };
    if (tries > 100) throw new Error(`no leader among the members (modes: ${modes.join(', ')})`);
    await sleep(100);
  }
}

export const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** min, median and max of one measurement over the runs; the median's note lists every run. */
export function spread(fig: ReturnType<typeof figures>, metric: string, xs: number[]): Figure[] {
  const finite = xs.filter(Number.isFinite);
  const lost = xs.length - finite.length;
  const note = `${xs.length} runs: ${xs.map((x) => (Number.isFinite(x) ? Math.round(x) : 'none')).join(', ')}`;
  return [
    fig(`${metric} min`, 'ms', 'lower', finite.length ? Math.min(...finite) : null),
    fig(`${metric} median`, 'ms', 'lower', finite.length ? median(finite) : null, note),
    fig(`${metric} max`, 'ms', 'lower', lost ? null : Math.max(...finite), lost ? `${lost} runs never resumed within 120 s` : undefined),
  ];
}

/** Writes that failed over all the runs, with the distinct first errors in the note. */
export function failedWrites(fig: ReturnType<typeof figures>, metric: string, gaps: Array<{ failed: number; firstError?: string }>, what: string): Figure {
  const errors = new Set(gaps.flatMap((g) => (g.firstError ? [g.firstError] : [])));
  return fig(metric, 'writes', 'lower', gaps.reduce((n, g) => n + g.failed, 0), [`over ${gaps.length} ${what}`, ...errors].join('; '));
}
