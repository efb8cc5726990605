// Corral's own AdminServer commands for whoever operates an ensemble (the Kubernetes operator among them):
// who is a member with which role, how far behind each one is, and moving leadership away on demand.
import type { AdminServer } from '../admin/admin-server.js';
import type { JsonValue } from '../admin/json.js';

export interface MemberStatus {
  id: number;
  host: string;
  clientPort: number | undefined;
  role: 'participant' | 'observer' | 'neverleader';
  isLeader: boolean;
  /** Log entries the member is behind the leader's commit index (null when unknown, e.g. not asked on the leader). */
  lag: number | null;
  connected: boolean;
  /** The leader's view of its replication to the member (see RaftCore.catchUpOf); null elsewhere and for itself. */
  sync: 'synced' | 'catchingUp' | 'silent' | null;
  /**
   * Whether the member joins or leaves with the change in flight: in the middle of a joint change, or (joining) a
   * server the leader catches up before proposing the change that adds it.
   */
  change: 'joining' | 'leaving' | null;
}

export type TransferOutcome =
  | { ok: true; from: number; to: number; elapsedMs: number }
  | { ok: false; error: string; leader: number };

export interface EnsembleControl {
  memberStatus(): MemberStatus[];
  transferLeadership(target: number | 'any'): Promise<TransferOutcome>;
}

export function registerEnsembleCommands(admin: AdminServer, control: EnsembleControl): void {
  admin.registerCommand('members', ['mbrs'], () => {
    const members: JsonValue[] = control.memberStatus().map(
      (m) =>
        new Map<string, JsonValue>([
          ['id', m.id],
          ['host', m.host],
          ['client_port', m.clientPort ?? null],
          ['role', m.role],
          ['never_leader', m.role === 'neverleader'],
          ['is_leader', m.isLeader],
          ['lag', m.lag],
          ['connected', m.connected],
          ['sync', m.sync],
          ['change', m.change],
        ]),
    );
    return new Map<string, JsonValue>([['members', members]]);
  });
  admin.registerCommand('transfer_leadership', ['xfer'], async (_view, args) => {
    const to = args.get('to') ?? 'any';
    const target = to === 'any' ? 'any' : Number(to);
    if (target !== 'any' && !Number.isInteger(target)) return new Map([['error', `to must be a member id or "any", not ${to}`]]);
    const outcome = await control.transferLeadership(target);
    if (!outcome.ok) return new Map<string, JsonValue>([['error', outcome.error], ['leader', outcome.leader]]);
    return new Map<string, JsonValue>([
      ['from', outcome.from],
      ['to', outcome.to],
      ['elapsed_ms', outcome.elapsedMs],
    ]);
  });
}
