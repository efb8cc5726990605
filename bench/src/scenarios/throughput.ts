// Closed-loop throughput and latency: a fixed number of sessions, each keeping `depth` requests outstanding,
// for each read/write mix in turn, against 1 KiB values.
import type { TargetKind } from '../deploy.js';
import { now } from '../clock.js';
import { ControlSession } from '../control-session.js';
import { Histogram } from '../histogram.js';
import type { LoadResult } from '../loadgen/messages.js';
import { cpuMeter } from '../proc-stats.js';
import type { BenchSettings, Figure, Scenario } from '../settings.js';
import { figures, openSessions, usToMs, withTarget } from './common.js';

const KEY_PREFIX = '/bench/k';

export const throughput: Scenario = {
  name: 'throughput',
  description: 'ops/s and latency for 100% reads, 100% writes and 90/10, 1 KiB values, pipelined sessions',
  run: (kind: TargetKind, s: BenchSettings) => withTarget(kind, s, s.throughput.sessions, async (dep, pool) => {
    const t = s.throughput;
    const control = await ControlSession.open(dep.endpoints[0]!, 1 << 20);
    const value = Buffer.alloc(t.valueSize, 0x62);
    await control.create('/bench', Buffer.alloc(0));
    await Promise.all(Array.from({ length: t.keyCount }, (_, i) => control.create(KEY_PREFIX + i, value)));
    await control.close();
    const opened = await openSessions(pool, dep, t.sessions, { timeoutMs: 30_000, maxFrame: 1 << 20 },
      { concurrency: 100, startAt: now() });
    if (opened.failed > 0) throw new Error(`throughput: ${opened.failed} sessions failed to open: ${opened.firstError}`);

    const out: Figure[] = [];
    for (const mix of t.mixes) {
      const fig = figures(`throughput ${mix.name}`);
      const startAt = now() + 100;
      const measureFrom = startAt + t.warmupMs;
      // Server CPU over the same window the generators measure in (they stop sending at its end).
      const server = cpuMeter(dep.pids);
      setTimeout(() => server.start(), measureFrom - now());
      const serverCpu = new Promise<number>((r) => setTimeout(() => r(server.stop()), measureFrom + t.durationMs - now()));
      const results = await pool.all<LoadResult>(() => ({
        op: 'load', readFraction: mix.readFraction, depth: t.depth, keyPrefix: KEY_PREFIX, keyCount: t.keyCount,
        valueSize: t.valueSize, startAt, warmupMs: t.warmupMs, durationMs: t.durationMs,
      }));
      const all = new Histogram();
      for (const r of results) {
        all.merge(r.reads);
        all.merge(r.writes);
      }
      const completed = results.reduce((n, r) => n + r.completed, 0);
      const errors = results.reduce((n, r) => n + r.errors + r.outOfOrder, 0);
      const genCpu = (results.reduce((n, r) => n + r.cpuMs, 0) / t.durationMs) * 100;
      out.push(
        fig('throughput', 'ops/s', 'higher', completed / (t.durationMs / 1000), errors ? `${errors} errors` : undefined),
        fig('latency p50', 'ms', 'lower', usToMs(all.quantile(0.5))),
        fig('latency p99', 'ms', 'lower', usToMs(all.quantile(0.99))),
        fig('latency p99.9', 'ms', 'lower', usToMs(all.quantile(0.999))),
        fig('server CPU', '% core', 'neither', await serverCpu),
        fig('generator CPU', '% core', 'neither', genCpu),
      );
    }
    return out;
  }),
};
