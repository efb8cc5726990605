// Reconfig: how long writes stop while one request replaces a majority of the voters. Three members hold a tree of
// `reconfig.nodes` nodes of 4 KiB; two more servers are up but hold nothing. A writer sets a node in a loop through
// the leader, and one reconfig adds the two fresh servers and removes the two followers, so that every write after
// the change needs one of the newcomers. The figure is the longest gap between successful writes from the request
// until 3 s after its answer. Both servers sync a joiner before the change takes effect (ZooKeeper as a non-voting
// follower, Corral by catching it up first); the request takes as long as that sync.
import { OpCode } from '../../../protocol/src/index.js';
import { now, sleep } from '../clock.js';
import { ControlSession } from '../control-session.js';
import { deploy, type Deployment, type TargetKind } from '../deploy.js';
import type { BenchSettings, Scenario } from '../settings.js';
import { WriteLoop, writeGap } from '../write-loop.js';
import { failedWrites, figures, leaderOf, spread } from './common.js';

const NODE = '/bench-reconfig';
const DATA = '/bench-reconfig-data';
const NODE_BYTES = 4096;
const STEADY_MS = 1000;
const AFTER_MS = 3000;
/** Creates in flight while the tree is loaded. */
const LOAD_DEPTH = 100;

interface Run {
  maxGapMs: number;
  failed: number;
  firstError?: string;
  requestMs: number;
  /** The reconfig's own error, if it failed. */
  reconfigError?: number;
}

async function load(session: ControlSession, nodes: number): Promise<void> {
  await session.create(NODE, Buffer.alloc(0));
  await session.create(DATA, Buffer.alloc(0));
  const blob = Buffer.alloc(NODE_BYTES, 7);
  for (let i = 0; i < nodes; i += LOAD_DEPTH) {
    const batch = Array.from({ length: Math.min(LOAD_DEPTH, nodes - i) }, (_, j) => session.create(`${DATA}/n${i + j}`, blob));
    await Promise.all(batch);
  }
}

async function measure(dep: Deployment, nodes: number): Promise<Run> {
  const { leader, followers } = await leaderOf({ ...dep, members: dep.members.slice(0, 3) });
  const joiners = dep.members.slice(3);
  const control = await ControlSession.open(leader.endpoint, 1 << 20);
  try {
    await load(control, nodes);
    const writer = new WriteLoop([leader.endpoint], NODE);
    await sleep(STEADY_MS);
    const askedAt = now();
    const reconfigError = await control.call({
      type: OpCode.Reconfig,
      joiningServers: joiners.map((j) => j.serverLine).join(','),
      leavingServers: followers.map((f) => f.id).join(','),
      newMembers: null,
      curConfigId: -1,
    });
    const answeredAt = now();
    await sleep(AFTER_MS);
    const gap = writeGap(await writer.stop(), askedAt, answeredAt + AFTER_MS);
    return { ...gap, requestMs: answeredAt - askedAt, ...(reconfigError ? { reconfigError } : {}) };
  } finally {
    control.destroy();
  }
}

async function oneRun(kind: TargetKind, s: BenchSettings): Promise<Run> {
  const cfg = { ...s.cfg, reconfigEnabled: 'true', skipACL: 'yes', snapCount: Math.max(100, Math.floor(s.reconfig.nodes / 2)) };
  const dep = await deploy(kind, { members: 3, joining: 2, cfg, zkHeapMb: s.zkHeapMb });
  try {
    return await measure(dep, s.reconfig.nodes);
  } finally {
    await dep.stop();
  }
}

export const reconfig: Scenario = {
  name: 'reconfig',
  description: 'write gap while one reconfig replaces two of three members with fresh servers that must fetch the tree (needs --members 3)',
  run: async (kind, s: BenchSettings) => {
    const fig = figures(`reconfig ${s.reconfig.nodes}×4KiB`);
    if (s.members !== 3) return [fig('majority swap max write gap median', 'ms', 'lower', null, 'needs --members 3')];
    const runs: Run[] = [];
    for (let i = 0; i < s.reconfig.runs; i++) runs.push(await oneRun(kind, s));
    const refused = runs.filter((r) => r.reconfigError !== undefined);
    return [
      ...spread(fig, 'majority swap max write gap', runs.map((r) => r.maxGapMs)),
      failedWrites(fig, 'majority swap failed writes', runs, 'requests'),
      ...spread(fig, 'majority swap request time', runs.map((r) => r.requestMs)),
      fig('reconfig requests refused', 'requests', 'lower', refused.length,
        refused.length ? `errors: ${refused.map((r) => r.reconfigError).join(', ')}` : undefined),
    ];
  },
};
