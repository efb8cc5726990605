// Asking one member how the ensemble looks from where it stands: its `/commands/members` answer over the
// AdminServer at the pod's IP. A member that does not answer in time is recorded as such, never guessed.
import { parseMembersReply, type CorralAdminCommand, type MembersReply } from 'corral/protocol';
import { MEMBER_PORTS } from '../api/index.js';
import type { MemberEntry, Probe } from '../plan/types.js';

/** A member that takes longer than this is busy or gone; the planner treats both as not answering. */
export const PROBE_TIMEOUT_MS = 1500;

export const adminUrl = (podIP: string, command: CorralAdminCommand) => `http://${podIP.includes(':') ? `[${podIP}]` : podIP}:${MEMBER_PORTS.admin}/commands/${command}`;

const STATES = new Set(['leader', 'follower', 'observer', 'standalone']);

export function probeFromReply(serverId: number, reply: MembersReply): Probe {
  const state = STATES.has(reply.self.server_state) ? (reply.self.server_state as 'leader' | 'follower' | 'observer' | 'standalone') : 'looking';
  return {
    serverId,
    answered: true,
    state,
    zxid: reply.self.last_zxid,
    members: reply.members.map(
      (m): MemberEntry => ({ id: m.id, role: m.role, isLeader: m.is_leader, lag: m.lag, connected: m.connected, sync: m.sync, change: m.change }),
    ),
    connectionLimits: { perClientAddress: reply.self.connection_limits.per_client_address, total: reply.self.connection_limits.total },
  };
}

export async function probeMember(serverId: number, podIP: string | undefined, timeoutMs = PROBE_TIMEOUT_MS): Promise<Probe> {
  if (!podIP) return { serverId, answered: false, error: 'pod has no IP yet' };
  try {
    const res = await fetch(adminUrl(podIP, 'members'), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { serverId, answered: false, error: `HTTP ${res.status}` };
    const reply = parseMembersReply(await res.json());
    if (reply.self.id !== serverId) return { serverId, answered: false, error: `the member at ${podIP} is server ${reply.self.id}` };
    return probeFromReply(serverId, reply);
  } catch (err) {
    return { serverId, answered: false, error: (err as Error).message };
  }
}
