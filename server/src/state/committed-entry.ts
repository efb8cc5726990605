// Committed log entries as the apply function takes them: a transaction (client writes, sessions, expiry), a
// configuration change (a reconfig, or the entry leaving a joint configuration), or the no-op a new leader commits
// first. Every member turns an entry into one of these the same way, so apply sees the same sequence everywhere.
import { isMemberRole, type ServerSpec, type MemberRole as ServerRole } from '../config/server-line.js';
import { decodeConfig, roleOf, type ConfigEntryData, type MembershipChange } from '../consensus/membership.js';
import { EntryKind, type Entry, type MemberRole, type MemberSets } from '../consensus/types.js';
import { decodeTxn, type Txn } from './txn.js';

/** A committed config entry: the changes a request asked for and the membership they lead to. */
export interface ConfigChange extends ConfigEntryData {
  kind: 'config';
}

export interface Noop {
  kind: 'noop';
}

export type CommittedOp = Txn | ConfigChange | Noop;

/** What apply takes for `entry`; `proposed` is the transaction this member encoded into it, if it still has it. */
export function committedOp(entry: Entry, proposed?: Txn): CommittedOp {
  switch (entry.kind) {
    case EntryKind.Normal:
      return proposed ?? decodeTxn(entry.data);
    case EntryKind.Config:
      return { kind: 'config', ...decodeConfig(entry.data) };
    case EntryKind.Noop:
      return { kind: 'noop' };
  }
}

/** What travels with a membership change through the log (MembershipChange.info). */
export interface ChangeInfo {
  /** The member's server line after the change; absent when it leaves. */
  spec?: ServerSpec;
  time: number;
  /** Part of a quorum recovery (Member.recoverQuorum): the members it removes are lost. */
  recovery?: true;
}

/** The ChangeInfo a change carries, if it carries one (the consensus core hands it back untyped). */
export function changeInfo(change: MembershipChange): ChangeInfo | undefined {
  const info: unknown = change.info;
  if (typeof info !== 'object' || info === null || !('time' in info) || typeof info.time !== 'number') return undefined;
  const spec = 'spec' in info ? info.spec : undefined;
  const recovery = 'recovery' in info && info.recovery === true ? { recovery: true as const } : {};
  return isServerSpec(spec) ? { spec, time: info.time, ...recovery } : { time: info.time, ...recovery };
}

function isServerSpec(x: unknown): x is ServerSpec {
  if (typeof x !== 'object' || x === null) return false;
  const s: Partial<Record<keyof ServerSpec, unknown>> = x;
  return (
    typeof s.id === 'number' &&
    typeof s.host === 'string' &&
    typeof s.quorumPort === 'number' &&
    typeof s.electionPort === 'number' &&
    typeof s.role === 'string' &&
    isMemberRole(s.role)
  );
}

const SERVER_ROLE: Record<MemberRole, ServerRole> = { voter: 'participant', neverLeader: 'neverleader', observer: 'observer' };

/**
 * The server lines once a committed config entry is in force: a member it adds or changes gets the line that
 * came with the change (a role change alone keeps the address), and only the members of its (incoming)
 * membership keep a line. So a line a member's own zoo.cfg listed ahead of the ensemble (a joiner's file naming
 * servers not added yet) goes at the first change it applies, and every member shows the same /zookeeper/config.
 */
export function serversAfter(
  servers: ReadonlyMap<number, ServerSpec>,
  changes: readonly MembershipChange[],
  membership: MemberSets,
): Map<number, ServerSpec> {
  const next = new Map(servers);
  for (const change of changes) {
    const previous = servers.get(change.id);
    const spec = change.role === 'removed' ? undefined : (changeInfo(change)?.spec ?? (previous && { ...previous, role: SERVER_ROLE[change.role] }));
    if (spec) next.set(change.id, spec);
  }
  for (const id of next.keys()) if (roleOf(membership, id) === 'removed') next.delete(id);
  return next;
}

/** The server lines after the config entries among `entries` (committed, in log order), starting from `servers`. */
export function serversAfterLog(servers: ReadonlyMap<number, ServerSpec>, entries: readonly Entry[]): Map<number, ServerSpec> {
  let result = new Map(servers);
  for (const entry of entries) {
    if (entry.kind !== EntryKind.Config) continue;
    const { changes, membership } = decodeConfig(entry.data);
    // The entry leaving a joint configuration carries no changes: the lines already are the incoming half's.
    if (changes.length > 0) result = serversAfter(result, changes, membership);
  }
  return result;
}
