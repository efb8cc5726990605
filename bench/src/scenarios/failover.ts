// Failover: how long writes stop when the leader dies. A writer sets a node in a loop through a follower; the
// leader is killed (SIGKILL, a crash rather than a shutdown); the outage is the time from the kill until a
// write succeeds again, reconnecting to any surviving member as a client library would.
import { now, sleep } from '../clock.js';
import { ControlSession } from '../control-session.js';
import { deploy, memberMode, type Member } from '../deploy.js';
import type { BenchSettings, Scenario } from '../settings.js';
import { figures } from './common.js';

const NODE = '/bench-failover';
const WRITE_PATIENCE_MS = 2000;

/** Sets NODE through `members` (in turn, reconnecting after failures) until a write succeeds; returns when. */
async function writeUntilSuccess(members: Member[], session: { current?: ControlSession }, deadline: number): Promise<number> {
  for (let i = 0; now() < deadline; i++) {
    try {
      session.current ??= await ControlSession.open(members[i % members.length]!.endpoint, 1 << 20);
      const write = session.current.setData(NODE, Buffer.from(String(i))).then(() => true);
      // A member cut off from the leader may hold the request instead of failing it: move on after a while.
      if (await Promise.race([write, sleep(WRITE_PATIENCE_MS).then(() => false)])) return now();
      throw new Error('write timed out');
    } catch {
      session.current?.destroy();
      delete session.current;
      await sleep(20);
    }
  }
  return NaN;
}

export const failover: Scenario = {
  name: 'failover',
  description: 'write outage when the leader is killed (needs --members 3)',
  run: async (kind, s: BenchSettings) => {
    const fig = figures('failover');
    const metric = 'write outage after leader kill';
    if (s.members < 3) return [fig(metric, 'ms', 'lower', null, 'needs ensemble')];
    const dep = await deploy(kind, { members: s.members, cfg: s.cfg, zkHeapMb: s.zkHeapMb });
    try {
      const modes = await Promise.all(dep.members.map(memberMode));
      const leader = dep.members[modes.indexOf('leader')];
      if (!leader) throw new Error(`no leader among the members (modes: ${modes.join(', ')})`);
      const survivors = dep.members.filter((m) => m !== leader);
      const session: { current?: ControlSession } = {};
      session.current = await ControlSession.open(survivors[0]!.endpoint, 1 << 20);
      await session.current.create(NODE, Buffer.alloc(0));
      for (let i = 0; i < 50; i++) await writeUntilSuccess(survivors, session, now() + 10_000); // steady state first
      const killedAt = now();
      process.kill(leader.process.pid, 'SIGKILL');
      const resumedAt = await writeUntilSuccess(survivors, session, killedAt + 120_000);
      session.current?.destroy();
      return [fig(metric, 'ms', 'lower', resumedAt - killedAt, Number.isNaN(resumedAt) ? 'writes did not resume within 120 s' : undefined)];
    } finally {
      await dep.stop();
    }
  },
};
