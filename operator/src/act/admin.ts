// Corral's own AdminServer commands the operator uses: moving leadership (asked of the leader), rebuilding the
// ensemble from one member after a quorum loss, and connection limits set live on one member (authenticated as the
// super user, as ZooKeeper 3.9's AdminServer authenticates commands: `Authorization: digest <user>:<password>`).
import type { CorralAdminCommand } from 'corral/protocol';
import { adminUrl } from '../observe/probe.js';
import type { ConnectionLimits } from '../plan/types.js';
import { SUPER_USER } from '../render/objects.js';

/**
 * A hand-over waits for the target to catch up, bounded by an election timeout on the member's side; a recovery
 * waits for the survivor to lead, bounded the same way.
 */
const TRANSFER_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 5_000;

async function command(
  podIP: string,
  name: CorralAdminCommand,
  params: Record<string, string>,
  timeoutMs: number,
  password?: string,
  method: 'GET' | 'POST' = 'GET',
): Promise<Record<string, unknown>> {
  const url = `${adminUrl(podIP, name)}?${new URLSearchParams(params)}`;
  const headers: Record<string, string> = password === undefined ? {} : { Authorization: `digest ${SUPER_USER}:${password}` };
  const res = await fetch(url, { method, headers, signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.error === 'string') throw new Error(`${name} on ${podIP}: ${typeof body.error === 'string' ? body.error : `HTTP ${res.status}`}`);
  return body;
}

export async function transferLeadership(leaderIP: string, to: number): Promise<{ elapsedMs: number }> {
  const body = await command(leaderIP, 'transfer_leadership', { to: String(to) }, TRANSFER_TIMEOUT_MS);
  return { elapsedMs: Number(body.elapsed_ms ?? 0) };
}

export async function setConnectionLimits(podIP: string, limits: ConnectionLimits, password: string): Promise<void> {
  await command(podIP, 'connection_limits', { per_client_address: String(limits.perClientAddress), total: String(limits.total) }, COMMAND_TIMEOUT_MS, password);
}

/**
 * Makes the member the sole voter of a new configuration (POST, super user); returns what it reports. The member
 * refuses while it knows a leader or reaches a quorum, and answers a repeated request as a no-op, so this is safe
 * to retry.
 */
export async function recoverQuorum(podIP: string, password: string): Promise<string> {
  const body = await command(podIP, 'recover_quorum', {}, TRANSFER_TIMEOUT_MS, password, 'POST');
  const what = body.recovered === true ? `member ${String(body.leader)} leads configuration ${String(body.config_version)} alone` : `member ${String(body.leader)} already was the sole voter`;
  return `${what}, last zxid ${String(body.last_zxid)}`;
}
