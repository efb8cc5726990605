// Membership arithmetic and the encoding of config entries.
//
// A config entry carries the changes *and* the full resulting membership, so any member can rebuild its view
// from whatever base it starts with (a fresh joiner knows nothing, a restarted member its snapshot's
// membership) by taking the membership of the latest committed config entry.
//
// Changes that alter the voting set (voters + never-leaders) by at most one member take effect in one entry
// (single-server change). Larger ones use joint consensus (Raft dissertation §4.3): the first entry moves to
// C_old,new, where commits, elections, read indexes and check-quorum need a majority of each of C_old and C_new;
// once it commits the leader appends the entry that leaves to C_new (etcd's ConfChangeV2 with auto-leave).

import { pack, unpack } from 'msgpackr';
import type { MemberRole, MemberSets, Membership, NodeId } from './types.js';

/** One member's change: give `id` a role, or remove it. */
export interface MembershipChange {
  id: NodeId;
  role: MemberRole | 'removed';
  /** Host data carried with the change and handed back when it commits (a member's address, say); opaque here. */
  info?: unknown;
}

/**
 * Decoded payload of an `EntryKind.Config` entry: the changes a request asked for and the membership they lead
 * to (joint while `membership.outgoing` is set). The entry leaving a joint configuration carries no changes.
 */
export interface ConfigEntryData {
  changes: MembershipChange[];
  membership: Membership;
}

/** The role of `id` in one configuration (for a joint membership: in the incoming one). */
export function roleOf(m: MemberSets, id: NodeId): MemberRole | 'removed' {
  if (m.voters.includes(id)) return 'voter';
  if (m.neverLeaders.includes(id)) return 'neverLeader';
  if (m.observers.includes(id)) return 'observer';
  return 'removed';
}

export const isJoint = (m: Membership): m is Membership & { outgoing: MemberSets } => m.outgoing !== undefined;

/** Members whose votes and acknowledgements count toward one configuration's quorum. */
export const quorumMembers = (m: MemberSets): NodeId[] => [...m.voters, ...m.neverLeaders];

export const quorumSize = (m: MemberSets): number => Math.floor(quorumMembers(m).length / 2) + 1;

/** The configurations each of whose majorities a decision needs: one, or both halves of a joint membership. */
const configs = (m: Membership): MemberSets[] => (m.outgoing ? [m, m.outgoing] : [m]);

const union = (lists: NodeId[][]): NodeId[] => [...new Set(lists.flat())].sort((a, b) => a - b);

/** Every member whose vote counts in some configuration of `m`. */
export const allQuorumMembers = (m: Membership): NodeId[] => union(configs(m).map(quorumMembers));

/** Every member other than `self` that the leader replicates to (both halves of a joint membership). */
export const replicaPeers = (m: Membership, self: NodeId): NodeId[] =>
  union(configs(m).map((c) => [...c.voters, ...c.neverLeaders, ...c.observers])).filter((id) => id !== self);

/** Do the members in `ids` form a majority of every configuration of `m`? */
export function hasQuorum(m: Membership, ids: ReadonlySet<NodeId>): boolean {
  return configs(m).every((c) => quorumMembers(c).filter((id) => ids.has(id)).length >= quorumSize(c));
}

/** The highest index a majority of every configuration of `m` holds, given each member's match index. */
export function quorumIndex(m: Membership, matchOf: (id: NodeId) => number): number {
  const majorityMatch = (c: MemberSets) => quorumMembers(c).map(matchOf).sort((a, b) => b - a)[quorumSize(c) - 1] ?? 0;
  return Math.min(...configs(m).map(majorityMatch));
}

/** Outcome of an election given the answers so far: won needs a majority of every configuration, one lost majority loses. */
export function voteOutcome(m: Membership, votes: ReadonlyMap<NodeId, boolean>): 'won' | 'lost' | 'pending' {
  let won = true;
  for (const c of configs(m)) {
    const members = quorumMembers(c);
    const q = quorumSize(c);
    const granted = members.filter((id) => votes.get(id) === true).length;
    const rejected = members.filter((id) => votes.get(id) === false).length;
    if (rejected > members.length - q) return 'lost';
    if (granted < q) won = false;
  }
  return won ? 'won' : 'pending';
}

/**
 * May `id` lead under `m`? A voter may; a never-leader or observer never. In a joint membership a member that
 * is a never-leader on either side may not, and a voter of C_old that C_new removes may (it can be the leader
 * that carries the change through, and it hands over once the leave entry commits).
 */
export function mayLead(m: Membership, id: NodeId): boolean {
  const incoming = roleOf(m, id);
  const outgoing = m.outgoing ? roleOf(m.outgoing, id) : undefined;
  if (outgoing === 'neverLeader') return false;
  return incoming === 'voter' || (incoming === 'removed' && outgoing === 'voter');
}

/** Is `id` a member of `m` that may not lead (a never-leader or observer, not merely a leaving voter)? */
export function isDemoted(m: Membership, id: NodeId): boolean {
  const present = roleOf(m, id) !== 'removed' || (m.outgoing !== undefined && roleOf(m.outgoing, id) !== 'removed');
  return present && !mayLead(m, id);
}

export function applyChange(m: MemberSets, change: MembershipChange): MemberSets {
  const without = (ids: NodeId[]) => ids.filter((id) => id !== change.id);
  const next: MemberSets = { voters: without(m.voters), neverLeaders: without(m.neverLeaders), observers: without(m.observers) };
  if (change.role !== 'removed') {
    const list = change.role === 'voter' ? next.voters : change.role === 'neverLeader' ? next.neverLeaders : next.observers;
    list.push(change.id);
    list.sort((a, b) => a - b);
  }
  return next;
}

/**
 * The membership a request's changes lead to from the (non-joint) `m`: single-step if the voting set changes by
 * at most one member, joint otherwise. A change may keep a member's role (its host data changes: a new
 * address, say). Undefined if the request is invalid: no changes, an id that is not positive or appears twice,
 * removing a non-member, or no voter left.
 */
export function changeMembership(m: MemberSets, changes: readonly MembershipChange[]): Membership | undefined {
  const ids = new Set(changes.map((c) => c.id));
  if (changes.length === 0 || ids.size !== changes.length) return undefined;
  if (changes.some((c) => !(c.id > 0) || (c.role === 'removed' && roleOf(m, c.id) === 'removed'))) return undefined;
  const next = changes.reduce(applyChange, { voters: m.voters, neverLeaders: m.neverLeaders, observers: m.observers });
  if (next.voters.length === 0) return undefined;
  const before = new Set(quorumMembers(m));
  const after = new Set(quorumMembers(next));
  const moved = [...before].filter((id) => !after.has(id)).length + [...after].filter((id) => !before.has(id)).length;
  if (moved <= 1) return next;
  return { ...next, outgoing: { voters: m.voters, neverLeaders: m.neverLeaders, observers: m.observers } };
}

/** The incoming half of a joint membership: what the leave entry switches to. */
export function leaveJoint(m: Membership): Membership {
  return { voters: m.voters, neverLeaders: m.neverLeaders, observers: m.observers };
}

export function encodeConfig(data: ConfigEntryData): Uint8Array {
  return pack(data);
}

/** Also reads entries written before joint consensus, which carried one `change`. */
export function decodeConfig(bytes: Uint8Array): ConfigEntryData {
  const raw = unpack(bytes) as { change?: MembershipChange; changes?: MembershipChange[]; membership: Membership };
  return { changes: raw.changes ?? (raw.change ? [raw.change] : []), membership: raw.membership };
}
