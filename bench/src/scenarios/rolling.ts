// Rolling restart: five members restarted one by one while an application's client (app-client.ts: a multi-host
// connect string, a create and a read back at a time) keeps working. Corral's five are four participants and one
// never-leader (server 5), restarted in its operator's order (operator/src/plan/plan.ts): members not serving
// first, then observers, never-leaders, followers, and the leader last, after it handed leadership to an up-to-date
// participant over the AdminServer; each restarted member is waited for until the leader's members view says it
// is synced with lag 0 (and its /ready says ready, where members have that endpoint). ZooKeeper has no never-leader
// role, so its five are participants, restarted as a StatefulSet rolls them (highest ordinal first, the leader
// wherever it falls), each waited for until `ruok` says imok and `srvr` says it serves, as its Helm charts' probes
// do. Each restart is a SIGTERM, the process gone, then a fresh start on the same data dir.
import { now, sleep } from '../clock.js';
import { ControlSession } from '../control-session.js';
import { AppClient, audit, type Audit } from '../app-client.js';
import { membersView, readiness, transferLeadership } from '../corral-admin.js';
import { deploy, memberMode, type Deployment, type Member, type TargetKind } from '../deploy.js';
import { LeadershipWatch, logOffsets, wonInLogs } from '../leadership.js';
import { fourLetterWord } from '../../../test-support/four-letter-words.js';
import type { BenchSettings, Figure, Scenario } from '../settings.js';
import { expectedPauseMs, pausesAt, writeGap } from '../write-loop.js';
import { figures, leaderOf, median, spread } from './common.js';

const ROOT = '/bench-rolling';
const MEMBERS = 5;
/** Corral's never-leader; the ZooKeeper member with the same id is a plain participant. */
const NEVER_LEADER = 5;
const STEADY_MS = 5000;
const AFTER_MS = 1000;
/** Kubernetes' default terminationGracePeriodSeconds: SIGKILL after this. */
const GRACE_MS = 30_000;
const BACK_TIMEOUT_MS = 120_000;
const POLL_MS = 25;

interface Step {
  id: number;
  /** What the member was at its turn: leader, follower, never-leader (Corral), or not serving. */
  was: string;
  /** Leadership transfer before the leader's restart (Corral): when it was asked for, and its time by the leader's account. */
  transfer?: { at: number; ms: number };
  signalledAt: number;
  backAt: number;
}

interface Run {
  audit: Audit;
  steps: Step[];
  rollMs: number;
  /** Leaderships won during the watch, by the members' logs, and as polls saw them begin. */
  wonLogged: number;
  wonPolled: number;
  neverLeaderLed: boolean;
  /** The write pauses at each restart's signal, the transfer and each failed request (see pausesAt). */
  pausesMs: number[];
  longestGapMs: number;
  /** The longest gap in the steady state before the roll, for scale. */
  steadyGapMs: number;
  /** What pausesMs would sum to if the roll cost nothing: the steady state's expected pause, once per moment. */
  baselineMs: number;
  disconnects: number;
}

/** SIGTERM, the process gone, a fresh start; resolves once `back` says the member is back. */
async function restart(m: Member, was: string, back: (m: Member) => Promise<boolean>, transfer?: Step['transfer']): Promise<Step> {
  const signalledAt = now();
  await m.process.stop(GRACE_MS);
  m.start();
  const deadline = now() + BACK_TIMEOUT_MS;
  while (!(await back(m))) {
    if (m.process.exited()) throw new Error(`member ${m.id} exited after its restart:\n${m.process.logTail()}`);
    if (now() > deadline) throw new Error(`member ${m.id} not back within ${BACK_TIMEOUT_MS} ms of its restart`);
    await sleep(POLL_MS);
  }
  return { id: m.id, was, ...(transfer ? { transfer } : {}), signalledAt, backAt: now() };
}

// ---- Corral: the operator's order ----

/**
 * Serving, in step with the leader by the leader's own view, and ready by its /ready where it has one. `leader` is
 * where to ask; should leadership have moved meanwhile, the new leader is looked up.
 */
async function corralBack(dep: Deployment, m: Member, leader: { current: Member }): Promise<boolean> {
  if ((await memberMode(m)) === undefined) return false;
  let view = await membersView(leader.current);
  if (!view?.find((e) => e.id === leader.current.id)?.is_leader) {
    leader.current = (await leaderOf(dep)).leader;
    view = await membersView(leader.current);
  }
  const entry = view?.find((e) => e.id === m.id);
  if (!entry || entry.sync !== 'synced' || entry.lag !== 0 || !entry.connected) return false;
  return (await readiness(m)) !== 'not ready';
}

async function rollCorral(dep: Deployment): Promise<Step[]> {
  const steps: Step[] = [];
  const pending = new Set(dep.members);
  while (pending.size > 0) {
    const { leader } = await leaderOf(dep);
    const back = (m: Member) => corralBack(dep, m, { current: leader });
    const view = await membersView(leader);
    if (!view) throw new Error(`leader ${leader.id} did not answer /commands/members`);
    const roleOf = (m: Member) => view.find((e) => e.id === m.id)?.role;
    const modes = new Map(await Promise.all([...pending].map(async (m) => [m, await memberMode(m)] as const)));
    const rank = (m: Member) => (modes.get(m) === undefined ? 0 : { observer: 1, neverleader: 2, participant: 3 }[roleOf(m) ?? 'participant']);
    const next = [...pending].filter((m) => m !== leader).sort((a, b) => rank(a) - rank(b) || a.id - b.id)[0];
    if (next) {
      const was = modes.get(next) === undefined ? 'not serving' : roleOf(next) === 'neverleader' ? 'never-leader' : modes.get(next)!;
      steps.push(await restart(next, was, back));
      pending.delete(next);
      continue;
    }
    // The leader is left: hand over to an up-to-date participant (one group here, so no group to prefer), then restart it.
    const target = view
      .filter((e) => e.id !== leader.id && e.role === 'participant' && e.connected && e.sync === 'synced')
      .sort((a, b) => (a.lag ?? Infinity) - (b.lag ?? Infinity) || a.id - b.id)[0];
    if (!target) throw new Error(`no up-to-date participant to take over from leader ${leader.id}: ${JSON.stringify(view)}`);
    const transferAt = now();
    const transferMs = await transferLeadership(leader, target.id);
    const successor = dep.members.find((m) => m.id === target.id)!;
    steps.push(await restart(leader, 'leader', (m) => corralBack(dep, m, { current: successor }), { at: transferAt, ms: transferMs }));
    pending.delete(leader);
  }
  return steps;
}

// ---- ZooKeeper: a StatefulSet's order ----

async function zookeeperBack(m: Member): Promise<boolean> {
  try {
    return (await fourLetterWord(m.endpoint.host, m.endpoint.port, 'ruok', 1000)) === 'imok' && (await memberMode(m)) !== undefined;
  } catch {
    return false;
  }
}

async function rollZooKeeper(dep: Deployment): Promise<Step[]> {
  const steps: Step[] = [];
  for (const m of [...dep.members].sort((a, b) => b.id - a.id)) {
    steps.push(await restart(m, (await memberMode(m)) ?? 'not serving', zookeeperBack));
  }
  return steps;
}

// ---- A run ----

async function oneRun(kind: TargetKind, s: BenchSettings): Promise<Run> {
  const dep = await deploy(kind, {
    members: MEMBERS, cfg: s.cfg, zkHeapMb: s.zkHeapMb, electionLogs: true,
    ...(kind === 'corral' ? { corralAdmin: true, roles: { [NEVER_LEADER]: 'neverleader' as const } } : {}),
  });
  try {
    const setup = await ControlSession.open(dep.endpoints[0]!, 1 << 20);
    await setup.create(ROOT, Buffer.alloc(0));
    await setup.close();
    const { leader } = await leaderOf(dep);
    const offsets = logOffsets(dep.members);
    const watch = new LeadershipWatch(dep.members, leader.id);
    const client = await AppClient.start(dep.endpoints, ROOT);
    const steadyFrom = now();
    await sleep(STEADY_MS);
    const rollStart = now();
    const steps = kind === 'corral' ? await rollCorral(dep) : await rollZooKeeper(dep);
    const rollEnd = now();
    await sleep(AFTER_MS);
    const records = await client.stop();
    const leaderships = await watch.stop();
    const neverLeader = dep.members.find((m) => m.id === NEVER_LEADER)!;
    const writes = records.filter((r) => r.kind === 'write');
    const moments = [
      ...steps.flatMap((st) => [st.signalledAt, ...(st.transfer ? [st.transfer.at] : [])]),
      ...records.filter((r) => !r.ok).map((r) => r.sentAt),
    ];
    const pauses = pausesAt(writes, moments);
    // Writes that ended before the roll: the gap the roll's first restart opens is not the steady state's.
    const steady = writes.filter((r) => r.endedAt <= rollStart);
    const run: Run = {
      audit: await audit(dep.endpoints, ROOT, records),
      steps,
      rollMs: rollEnd - rollStart,
      wonLogged: sum([...wonInLogs(kind, dep.members, offsets).values()]),
      wonPolled: leaderships.started.length,
      neverLeaderLed: leaderships.leaders.has(NEVER_LEADER) || wonInLogs(kind, [neverLeader]).get(NEVER_LEADER)! > 0,
      pausesMs: pauses,
      longestGapMs: writeGap(writes, rollStart, rollEnd).maxGapMs,
      steadyGapMs: writeGap(steady, steadyFrom, rollStart).maxGapMs,
      baselineMs: expectedPauseMs(steady, steadyFrom, rollStart) * pauses.length,
      disconnects: client.disconnects,
    };
    process.stderr.write(`\n[rolling] ${kind}: ${describeRun(run)}`);
    return run;
  } finally {
    await dep.stop();
  }
}

function describeRun(r: Run): string {
  const order = r.steps.map((st) =>
    `${st.id} (${st.was}${st.transfer ? `, transfer ${st.transfer.ms} ms` : ''}, back in ${Math.round(st.backAt - st.signalledAt)} ms)`);
  const errors = [...r.audit.errors].map(([e, n]) => `${e} ×${n}`).join(', ') || 'none';
  return `roll ${Math.round(r.rollMs)} ms: ${order.join(', ')}; leaderships won ${r.wonLogged} (polled ${r.wonPolled}); ` +
    `pauses ${r.pausesMs.map(Math.round).join('+')} ms (steady-state baseline ${Math.round(r.baselineMs)} ms), longest gap ${Math.round(r.longestGapMs)} ms (steady state ` +
    `${Math.round(r.steadyGapMs)} ms); ${r.audit.writes} writes, ${r.audit.reads} reads, ` +
    `failures: ${errors}; client reconnects ${r.disconnects}\n`;
}

// ---- Figures ----

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const perRun = (xs: Array<number | boolean>) => `${xs.length} runs: ${xs.map((x) => (typeof x === 'boolean' ? (x ? 'yes' : 'no') : Math.round(x))).join(', ')}`;

function report(kind: TargetKind, runs: Run[]): Figure[] {
  const fig = figures(`rolling ${MEMBERS} members`);
  const audits = runs.map((r) => r.audit);
  const errors = new Map<string, number>();
  for (const a of audits) for (const [e, n] of a.errors) errors.set(e, (errors.get(e) ?? 0) + n);
  const errorNote = [...errors].map(([e, n]) => `${e} ×${n}`).join(', ');
  const failed = audits.map((a) => a.failedWrites + a.failedReads);
  return [
    fig('failed operations', 'ops', 'lower', sum(failed),
      `${perRun(failed)}; of ${sum(audits.map((a) => a.writes + a.reads))}${errorNote ? `; ${errorNote}` : ''}`),
    fig('failed writes applied anyway (ambiguous)', 'writes', 'lower', sum(audits.map((a) => a.ambiguousApplied)),
      `of ${sum(audits.map((a) => a.failedWrites))} failed writes`),
    fig('acknowledged writes lost', 'writes', 'lower', sum(audits.map((a) => a.lostAcknowledged))),
    fig('reads missing own write', 'reads', 'lower', sum(audits.map((a) => a.readsMissingOwnWrite))),
    fig('leader changes median', 'changes', 'lower', median(runs.map((r) => r.wonLogged)),
      `${perRun(runs.map((r) => r.wonLogged))} (members' logs); polls saw ${runs.map((r) => r.wonPolled).join(', ')}`),
    fig('never-leader led', 'runs', 'lower', runs.filter((r) => r.neverLeaderLed).length,
      kind === 'corral' ? perRun(runs.map((r) => r.neverLeaderLed)) : `member ${NEVER_LEADER}, a plain participant (ZooKeeper has no never-leader role)`),
    ...spread(fig, 'write unavailability total', runs.map((r) => sum(r.pausesMs))),
    fig('write unavailability total, steady-state baseline, median', 'ms', 'lower', median(runs.map((r) => r.baselineMs)),
      `${perRun(runs.map((r) => r.baselineMs))}: what the total would read at as many moments of the steady state before the roll`),
    ...spread(fig, 'longest write gap', runs.map((r) => r.longestGapMs)),
    fig('steady-state longest write gap median', 'ms', 'lower', median(runs.map((r) => r.steadyGapMs)), 'before the roll, for scale'),
    fig('roll wall time median', 'ms', 'lower', median(runs.map((r) => r.rollMs)), perRun(runs.map((r) => r.rollMs))),
  ];
}

export const rolling: Scenario = {
  name: 'rolling',
  description: `failed operations, leader changes and write pauses while ${MEMBERS} members restart one by one (needs --members ${MEMBERS})`,
  run: async (kind, s: BenchSettings) => {
    if (s.members !== MEMBERS) return [figures(`rolling ${MEMBERS} members`)('failed operations', 'ops', 'lower', null, `needs --members ${MEMBERS}`)];
    const runs: Run[] = [];
    for (let i = 0; i < s.rollingRuns; i++) runs.push(await oneRun(kind, s));
    return report(kind, runs);
  },
};
