// ZooKeeper's per-session guarantees, checked on what clients recorded: replies come in request order (FIFO), a
// session never sees a zxid older than one it has already seen (also after moving to another member), and every
// read shows exactly the committed state at the zxid it was answered with, which is no older than anything the
// session had seen when it asked.
import type { CommittedStates } from './committed-states.js';
import { outcomeMatches } from './zk-model.js';
import type { Recorder } from './recorder.js';

export function checkSessions(recorder: Recorder, committed: CommittedStates): string[] {
  const problems: string[] = [];
  const last = new Map<bigint, { xid: number; zxid: number; kind: string }>();
  for (const r of recorder.replies) {
    const prev = last.get(r.session);
    if (prev && r.xid <= prev.xid) problems.push(`session ${r.session}: reply to xid ${r.xid} after xid ${prev.xid} (not FIFO)`);
    if (prev && r.zxid < prev.zxid) problems.push(`session ${r.session} (client ${r.client}): ${r.kind} reply (xid ${r.xid}) from member ${r.member} carries zxid ${hex(r.zxid)}, after the ${prev.kind} reply (xid ${prev.xid}) carried ${hex(prev.zxid)}`);
    if (!prev || r.zxid >= prev.zxid) last.set(r.session, { xid: r.xid, zxid: r.zxid, kind: r.kind });
    else prev.xid = r.xid;
  }
  for (const read of recorder.reads) {
    if (read.zxid < read.seenBefore) problems.push(`client ${read.client}: read of ${read.path} at zxid ${hex(read.zxid)} after it had seen ${hex(read.seenBefore)}`);
    const expected = committed.expectedRead(read.path, read.zxid, read.withData);
    if (!outcomeMatches(expected, read.outcome)) {
      problems.push(`client ${read.client}: read of ${read.path} at zxid ${hex(read.zxid)} saw ${JSON.stringify(read.outcome)}, committed state was ${JSON.stringify(expected)}`);
    }
  }
  return problems;
}

export function hex(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}
