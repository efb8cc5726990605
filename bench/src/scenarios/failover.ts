// Failover: how long writes stop when leadership moves. In each of several fresh ensembles a writer sets a node in
// a loop through a follower. For Corral, leadership is first handed over on purpose (AdminServer
// transfer_leadership?to=any on the leader; ZooKeeper has no such command): the figure is the longest gap between
// successful writes around the transfer. Then the leader is killed (SIGKILL, a crash rather than a shutdown):
// the outage is the time from the kill until a write sent after it succeeds. Corral's election timeout is
// partly random, hence several runs and their min/median/max. In a fresh ensemble of each run, the leader is then
// told to stop (SIGTERM, as Kubernetes deletes a pod): the figure is the longest gap between successful writes from
// the signal until the process is gone and a while after. Corral's leader hands over before it exits; ZooKeeper's
// followers notice it left and hold an election.
import { now, sleep } from '../clock.js';
import { ControlSession } from '../control-session.js';
import { transferLeadership } from '../corral-admin.js';
import { deploy, type Deployment, type TargetKind } from '../deploy.js';
import type { BenchSettings, Scenario } from '../settings.js';
import { WriteLoop, writeGap } from '../write-loop.js';
import { failedWrites, figures, leaderOf, median, spread } from './common.js';

const NODE = '/bench-failover';
const STEADY_MS = 1000;
/** How long after the transfer command answered the writer is still watched for a stall. */
const AFTER_TRANSFER_MS = 1500;

interface Transfer {
  maxGapMs: number;
  failed: number;
  firstError?: string;
  /** The longest gap in the steady state before the transfer, for scale. */
  steadyGapMs: number;
  /** How long the leader took to hand over, by its own account. */
  adminMs: number;
}

interface Run {
  killOutageMs: number;
  shutdown: { maxGapMs: number; failed: number; firstError?: string };
  transfer?: Transfer;
}

async function measureTransfer(dep: Deployment): Promise<Transfer> {
  const { leader, followers } = await leaderOf(dep);
  const writer = new WriteLoop([...followers, leader].map((m) => m.endpoint), NODE);
  await sleep(STEADY_MS);
  const askedAt = now();
  const adminMs = await transferLeadership(leader, 'any');
  const answeredAt = now();
  await sleep(AFTER_TRANSFER_MS);
  const records = await writer.stop();
  const window = writeGap(records, askedAt, answeredAt + AFTER_TRANSFER_MS);
  const steady = writeGap(records, askedAt - STEADY_MS / 2, askedAt);
  return { ...window, steadyGapMs: steady.maxGapMs, adminMs };
}

async function measureLeaderKill(dep: Deployment): Promise<number> {
  const { leader, followers } = await leaderOf(dep);
  const writer = new WriteLoop(followers.map((m) => m.endpoint), NODE);
  await sleep(STEADY_MS);
  const killedAt = now();
  process.kill(leader.process.pid, 'SIGKILL');
  const resumedAt = await writer.firstSuccessSentFrom(killedAt, killedAt + 120_000);
  await writer.stop();
  return resumedAt - killedAt;
}

async function measureLeaderShutdown(dep: Deployment): Promise<Run['shutdown']> {
  const { leader, followers } = await leaderOf(dep);
  const writer = new WriteLoop(followers.map((m) => m.endpoint), NODE);
  await sleep(STEADY_MS);
  const signalledAt = now();
  process.kill(leader.process.pid, 'SIGTERM');
  while (!leader.process.exited() && now() - signalledAt < 60_000) await sleep(5);
  const goneAt = now();
  await sleep(AFTER_TRANSFER_MS);
  return writeGap(await writer.stop(), signalledAt, goneAt + AFTER_TRANSFER_MS);
}

/** A fresh ensemble with the benchmark's node, for `measure`. */
async function withEnsemble<T>(kind: TargetKind, s: BenchSettings, measure: (dep: Deployment) => Promise<T>): Promise<T> {
  const dep = await deploy(kind, { members: s.members, cfg: s.cfg, zkHeapMb: s.zkHeapMb, corralAdmin: true });
  try {
    const setup = await ControlSession.open(dep.endpoints[0]!, 1 << 20);
    await setup.create(NODE, Buffer.alloc(0));
    await setup.close();
    return await measure(dep);
  } finally {
    await dep.stop();
  }
}

async function oneRun(kind: TargetKind, s: BenchSettings): Promise<Run> {
  const first = await withEnsemble(kind, s, async (dep) => {
    const transfer = kind === 'corral' ? await measureTransfer(dep) : undefined;
    return { killOutageMs: await measureLeaderKill(dep), ...(transfer ? { transfer } : {}) };
  });
  return { ...first, shutdown: await withEnsemble(kind, s, measureLeaderShutdown) };
}

export const failover: Scenario = {
  name: 'failover',
  description: 'write outage when the leader is killed or told to stop, and (Corral) write gap of a planned leadership transfer (needs --members 3)',
  run: async (kind, s: BenchSettings) => {
    const fig = figures('failover');
    if (s.members < 3) return [fig('leader-kill write outage median', 'ms', 'lower', null, 'needs ensemble')];
    const runs: Run[] = [];
    for (let i = 0; i < s.failoverRuns; i++) runs.push(await oneRun(kind, s));
    const out = spread(fig, 'leader-kill write outage', runs.map((r) => r.killOutageMs));
    out.push(
      ...spread(fig, 'leader SIGTERM max write gap', runs.map((r) => r.shutdown.maxGapMs)),
      failedWrites(fig, 'leader SIGTERM failed writes', runs.map((r) => r.shutdown), 'shutdowns'),
    );
    const transfers = runs.flatMap((r) => (r.transfer ? [r.transfer] : []));
    if (transfers.length === 0) {
      out.push(...['min', 'median', 'max'].map((q) =>
        fig(`planned transfer max write gap ${q}`, 'ms', 'lower', null, 'no leadership transfer command')));
      return out;
    }
    out.push(
      ...spread(fig, 'planned transfer max write gap', transfers.map((t) => t.maxGapMs)),
      failedWrites(fig, 'planned transfer failed writes', transfers, 'transfers'),
      fig('planned transfer admin elapsed median', 'ms', 'lower', median(transfers.map((t) => t.adminMs))),
      fig('steady-state max write gap median', 'ms', 'lower', median(transfers.map((t) => t.steadyGapMs)),
        'before the transfer, for scale'),
    );
    return out;
  },
};
