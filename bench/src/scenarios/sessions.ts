// Session scale: as many idle sessions as the server's file limit allows, held (pinging) for a few session
// timeouts. Reports how many survive and what they cost the server in resident memory.
import { now, sleep } from '../clock.js';
import type { VerifyResult } from '../loadgen/messages.js';
import { rssBytes, sum } from '../proc-stats.js';
import type { BenchSettings, Scenario } from '../settings.js';
import { figures, MiB, openSessions, withTarget } from './common.js';

export const sessions: Scenario = {
  name: 'sessions',
  description: 'idle sessions held for a few timeouts: survivors, server RSS, memory per session',
  run: (kind, s: BenchSettings) => withTarget(kind, s, s.scale.sessions, async (dep, pool) => {
    const fig = figures(`sessions ${s.scale.sessions} idle`);
    const rss = () => sum(dep.pids.map(rssBytes));
    await sleep(1000); // let start-up settle before taking the baseline
    const baseline = rss();
    const opened = await openSessions(pool, dep, s.scale.sessions, { timeoutMs: s.scale.sessionTimeoutMs, maxFrame: 1 << 20 },
      { concurrency: 200, startAt: now() });
    let peak = rss();
    const holdUntil = now() + s.scale.holdTimeouts * s.scale.sessionTimeoutMs;
    while (now() < holdUntil) {
      await sleep(Math.min(1000, holdUntil - now()));
      peak = Math.max(peak, rss());
    }
    const verified = await pool.all<VerifyResult>(() => ({ op: 'verify', timeoutMs: 30_000 }));
    const survived = verified.reduce((n, r) => n + r.ok, 0);
    const held = rss();
    return [
      fig('sessions opened', 'sessions', 'higher', opened.opened, opened.failed ? `${opened.failed} failed: ${opened.firstError}` : undefined),
      fig('sessions alive after hold', 'sessions', 'higher', survived),
      fig('server RSS baseline', 'MiB', 'lower', baseline / MiB),
      fig('server RSS peak', 'MiB', 'lower', peak / MiB),
      fig('RSS per session', 'KiB', 'lower', survived ? (held - baseline) / survived / 1024 : null),
    ];
  }),
};
