// Who led when, seen two ways: polling every member's `srvr` often (what a monitor sees from outside), and the
// members' own logs (every leadership a member won, even one too short for a poll to catch). Both servers run
// with election logs for this (deploy's electionLogs).
import { readFileSync, statSync } from 'node:fs';
import { now, sleep } from './clock.js';
import { memberMode, type Member, type TargetKind } from './deploy.js';

/** How often each member is asked (one poll at a time per member: a slow answer delays only its own next poll). */
const POLL_MS = 50;

export interface Leaderships {
  /** Leaderships that began while watching: a member seen leading after it was seen in another mode (or first). */
  started: Array<{ id: number; at: number }>;
  /** Members seen leading at least once. */
  leaders: Set<number>;
  polls: number;
}

export class LeadershipWatch {
  private stopped = false;
  private readonly done: Promise<void>;
  private readonly started: Leaderships['started'] = [];
  private readonly leaders = new Set<number>();
  private polls = 0;

  /** `leading`: the member that leads as watching starts (its leadership is not counted as a new one). */
  constructor(members: Member[], leading: number) {
    this.done = Promise.all(members.map((m) => this.watch(m, m.id === leading))).then(() => undefined);
    this.leaders.add(leading);
  }

  async stop(): Promise<Leaderships> {
    this.stopped = true;
    await this.done;
    return { started: [...this.started].sort((a, b) => a.at - b.at), leaders: this.leaders, polls: this.polls };
  }

  private async watch(m: Member, leadingAtStart: boolean): Promise<void> {
    // A member that does not answer (restarting, or a poll lost to a busy machine) keeps the state last seen, so
    // one lost answer does not split a leadership in two.
    let leading = leadingAtStart;
    while (!this.stopped) {
      const mode = await memberMode(m);
      this.polls++;
      if (mode === 'leader') {
        this.leaders.add(m.id);
        if (!leading) this.started.push({ id: m.id, at: now() });
        leading = true;
      } else if (mode !== undefined) leading = false;
      await sleep(POLL_MS);
    }
  }
}

/** Where each member's log ends now: what `wonInLogs` reads from. */
export function logOffsets(members: Member[]): Map<number, number> {
  return new Map(members.map((m) => [m.id, statSync(m.logPath).size]));
}

/**
 * Leaderships each member's log records from its offset on (from the start without one): Corral logs each role
 * change at info level, ZooKeeper's leader logs "LEADING - LEADER ELECTION TOOK" once per leadership.
 */
export function wonInLogs(kind: TargetKind, members: Member[], from = new Map<number, number>()): Map<number, number> {
  const won = new Map<number, number>();
  for (const m of members) {
    const text = readFileSync(m.logPath).subarray(from.get(m.id) ?? 0).toString('utf8');
    const lines = text.split('\n').filter(kind === 'corral' ? isCorralLeadership : (l) => l.includes('LEADING - LEADER ELECTION TOOK'));
    won.set(m.id, lines.length);
  }
  return won;
}

function isCorralLeadership(line: string): boolean {
  if (!line.includes('consensus role changed')) return false;
  try {
    const entry = JSON.parse(line) as { msg?: string; role?: string };
    return entry.msg === 'consensus role changed' && entry.role === 'leader';
  } catch {
    return false;
  }
}
