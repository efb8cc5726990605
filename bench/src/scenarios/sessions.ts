// Session scale: as many idle sessions as the servers' file limits allow, held (pinging) for a few session
// timeouts. Reports how long opening them took, how many survive, how many the server dropped, and what they cost
// in resident memory, in all and per member (sessions are spread evenly over the members).
import { now, sleep } from '../clock.js';
import { memberMode } from '../deploy.js';
import type { VerifyResult } from '../loadgen/messages.js';
import { rssBytes, sum } from '../proc-stats.js';
import type { BenchSettings, Figure, Scenario } from '../settings.js';
import { figures, MiB, openSessions, withTarget } from './common.js';

export const sessions: Scenario = {
  name: 'sessions',
  description: 'idle sessions held for a few timeouts: survivors, sessions lost, server RSS, memory per session',
  run: (kind, s: BenchSettings) => withTarget(kind, s, s.scale.sessions, async (dep, pool) => {
    const fig = figures(`sessions ${s.scale.sessions} idle`);
    const memberRss = () => dep.pids.map(rssBytes);
    await sleep(1000); // let start-up settle before taking the baseline
    const baseline = memberRss();
    const startAt = now();
    const opened = await openSessions(pool, dep, s.scale.sessions, { timeoutMs: s.scale.sessionTimeoutMs, maxFrame: 1 << 20 },
      { concurrency: 200, startAt });
    let peak = sum(memberRss());
    const holdUntil = now() + s.scale.holdTimeouts * s.scale.sessionTimeoutMs;
    while (now() < holdUntil) {
      await sleep(Math.min(1000, holdUntil - now()));
      peak = Math.max(peak, sum(memberRss()));
    }
    const verified = await pool.all<VerifyResult>(() => ({ op: 'verify', timeoutMs: 30_000 }));
    const survived = verified.reduce((n, r) => n + r.ok, 0);
    const stillOpen = verified.reduce((n, r) => n + r.open, 0);
    const lost = verified.reduce((n, r) => n + r.lost, 0);
    const held = memberRss();
    const modes = await Promise.all(dep.members.map(memberMode));
    const perMember: Figure[] = dep.members.length === 1 ? [] : dep.members.map((m, i) =>
      fig(`member ${m.id} RSS held (baseline)`, 'MiB', 'lower', held[i]! / MiB, `${modes[i] ?? 'down'}, baseline ${(baseline[i]! / MiB).toFixed(0)}`));
    return [
      fig('sessions opened', 'sessions', 'higher', opened.opened, opened.failed ? `${opened.failed} failed: ${opened.firstError}` : undefined),
      fig('time to open them', 's', 'lower', opened.opened ? (opened.lastReadyAt - startAt) / 1000 : null),
      fig('sessions alive after hold', 'sessions', 'higher', survived,
        survived < stillOpen ? `${stillOpen - survived} more still connected but unanswered within 30 s` : undefined),
      fig('sessions lost during hold', 'sessions', 'lower', lost),
      fig('server RSS baseline', 'MiB', 'lower', sum(baseline) / MiB),
      fig('server RSS peak', 'MiB', 'lower', peak / MiB),
      ...perMember,
      // Per session the server still holds (a connection it has not closed), whether or not it answered in time.
      fig('RSS per session', 'KiB', 'lower', stillOpen ? (sum(held) - sum(baseline)) / stillOpen / 1024 : null),
    ];
  }),
};
