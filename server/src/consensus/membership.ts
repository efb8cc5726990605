// Membership arithmetic and the encoding of config entries.
//
// A config entry carries the change *and* the full resulting membership, so any member can rebuild
// its view from whatever base it starts with (a fresh joiner knows nothing, a restarted member its
// snapshot's membership) by taking the membership of the latest committed config entry.

import { pack, unpack } from 'msgpackr';
import type { MemberRole, Membership, NodeId } from './types.js';

/** A single-server membership change: give `id` a role, or remove it. */
export interface MembershipChange {
  id: NodeId;
  role: MemberRole | 'removed';
  /** Host data carried with the change and handed back when it commits (a member's address, say); opaque here. */
  info?: unknown;
}

/** Decoded payload of an `EntryKind.Config` entry. */
export interface ConfigEntryData {
  change: MembershipChange;
  membership: Membership;
}

export const emptyMembership = (): Membership => ({ voters: [], neverLeaders: [], observers: [] });

export function roleOf(m: Membership, id: NodeId): MemberRole | 'removed' {
  if (m.voters.includes(id)) return 'voter';
  if (m.neverLeaders.includes(id)) return 'neverLeader';
  if (m.observers.includes(id)) return 'observer';
  return 'removed';
}

/** Members whose votes and acknowledgements count toward quorum. */
export const quorumMembers = (m: Membership): NodeId[] => [...m.voters, ...m.neverLeaders];

/** Every member other than `self` that the leader replicates to. */
export const replicaPeers = (m: Membership, self: NodeId): NodeId[] =>
  [...m.voters, ...m.neverLeaders, ...m.observers].filter((id) => id !== self);

export const quorumSize = (m: Membership): number => Math.floor(quorumMembers(m).length / 2) + 1;

export function applyChange(m: Membership, change: MembershipChange): Membership {
  const without = (ids: NodeId[]) => ids.filter((id) => id !== change.id);
  const next: Membership = { voters: without(m.voters), neverLeaders: without(m.neverLeaders), observers: without(m.observers) };
  if (change.role !== 'removed') {
    const list = change.role === 'voter' ? next.voters : change.role === 'neverLeader' ? next.neverLeaders : next.observers;
    list.push(change.id);
    list.sort((a, b) => a - b);
  }
  return next;
}

export function encodeConfig(data: ConfigEntryData): Uint8Array {
  return pack(data);
}

export function decodeConfig(bytes: Uint8Array): ConfigEntryData {
  return unpack(bytes) as ConfigEntryData;
}
