// Corral's own AdminServer commands, as an operator uses them: moving leadership, each member's replication state
// as the leader sees it, and a member's readiness. Members must be deployed with `corralAdmin`.
import type { MemberEntryWire } from '../../protocol/src/admin-api.js';
import type { Member } from './deploy.js';

const ANSWER_TIMEOUT_MS = 2000;

async function command(m: Member, path: string): Promise<Response> {
  if (m.adminPort === undefined) throw new Error(`member ${m.id} has no AdminServer (deploy with corralAdmin)`);
  return fetch(`http://${m.endpoint.host}:${m.adminPort}${path}`, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
}

/** Asks the leader to hand leadership to `to` (a member id, or any up-to-date voter); returns its elapsed_ms. */
export async function transferLeadership(leader: Member, to: number | 'any'): Promise<number> {
  const body = (await (await command(leader, `/commands/transfer_leadership?to=${to}`)).json()) as { elapsed_ms?: number; error?: string | null };
  if (typeof body.elapsed_ms !== 'number') throw new Error(`transfer_leadership: ${body.error ?? JSON.stringify(body)}`);
  return body.elapsed_ms;
}

/** The members as `m` sees them (on the leader: each one's sync state and lag); undefined when it does not answer. */
export async function membersView(m: Member): Promise<MemberEntryWire[] | undefined> {
  try {
    const body = (await (await command(m, '/commands/members')).json()) as { members?: MemberEntryWire[] };
    return Array.isArray(body.members) ? body.members : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What `m`'s `/ready` says: ready (200: it serves and has caught up), not (503, or no answer at all), or that the
 * member has no such endpoint (404, older members).
 */
export async function readiness(m: Member): Promise<'ready' | 'not ready' | 'no endpoint'> {
  try {
    const res = await command(m, '/ready');
    await res.body?.cancel();
    return res.status === 200 ? 'ready' : res.status === 404 ? 'no endpoint' : 'not ready';
  } catch {
    return 'not ready';
  }
}
