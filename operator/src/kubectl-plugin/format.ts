// What the plugin prints: kubectl-style tables (upper-case headers, columns two spaces apart), ages as kubectl
// shows them, and the one-screen status of a cluster. Pure functions of what was read, so they are tested alone.
import type { V1Pod } from '@kubernetes/client-node';
import type { MemberEntryWire, MembersReply } from 'corral/protocol';
import type { CoordinationCluster, MemberStatus } from '../api/index.js';
import { podName } from '../plan/names.js';
import { quotaState, type QuotaRow } from './quota.js';

/** Rows with each column as wide as its widest cell, two spaces apart; no trailing spaces. */
export function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Rows under upper-case headers. */
export const table = (headers: string[], rows: string[][]): string => columns([headers, ...rows]);

/** A duration as kubectl's AGE column shows it: 45s, 3m12s, 45m, 3h20m, 30h, 5d3h, 90d, 3y. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const UNITS = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
/** Bytes in binary units, as quantities are written: 512, 1.5Ki, 10Mi. */
export function bytes(n: number): string {
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${text}${UNITS[unit]}`;
}

/** "used/limit (pct%)", "used" without a limit, "-" when unknown. */
function usage(used: number | undefined, limit: number | undefined, show: (n: number) => string): string {
  if (limit === undefined) return used === undefined ? '-' : show(used);
  if (used === undefined) return `?/${show(limit)}`;
  const pct = limit === 0 ? (used > 0 ? 100 : 0) : Math.floor((used * 100) / limit);
  return `${show(used)}/${show(limit)} (${pct}%)`;
}

const QUOTA_STATE_TEXT = {
  applied: 'applied',
  pending: 'not applied yet',
  removing: 'being removed (dropped from spec.quotas)',
  unknown: 'usage unknown',
} as const;

export function quotaTable(rows: QuotaRow[]): string {
  return table(
    ['PATH', 'NODES', 'BYTES', 'STATE'],
    rows.map((r) => [
      r.path,
      usage(r.ensemble?.count, r.declared?.maxNodes, String),
      usage(r.ensemble?.bytes, r.declared?.maxBytes, bytes),
      QUOTA_STATE_TEXT[quotaState(r)],
    ]),
  );
}

/** What a member is: participant, never-leader (a voter that never leads) or observer. */
const roleOf = (m: MemberStatus) => (m.role === 'observer' ? 'observer' : m.leaderEligible ? 'participant' : 'neverleader');

export interface StatusView {
  cc: CoordinationCluster;
  pods: V1Pod[];
  /** The leader's /commands/members answer, when asked and answered. */
  live?: MembersReply;
  /** Why there is no live answer, when one was asked for. */
  liveError?: string;
  quotas: QuotaRow[];
  now: Date;
}

export function statusScreen(v: StatusView): string {
  const { cc, now } = v;
  const status = cc.status ?? {};
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const created = cc.metadata.creationTimestamp ? new Date(cc.metadata.creationTimestamp).getTime() : undefined;
  // The members' word when asked (leadership may have moved since the operator last looked), else the status's.
  const liveLeader = v.live?.members.find((m) => m.is_leader);
  const leaderName = liveLeader ? podName(cc.metadata.name!, liveLeader.id) : status.leader;
  const stale = status.observedGeneration !== undefined && cc.metadata.generation !== undefined && status.observedGeneration < cc.metadata.generation;
  const header: string[][] = [
    ['Cluster:', `${cc.metadata.namespace}/${cc.metadata.name}${created !== undefined ? ` (age ${age(now.getTime() - created)})` : ''}`],
    ['Status:', ready ? `${ready.status === 'True' ? 'Ready' : `Not ready, ${ready.reason}`}: ${ready.message}` : 'no status yet (is the operator running?)'],
    ['Voters:', `${status.readyVoters ?? 0}/${status.voters ?? 0} ready${status.members ? `, ${status.members.length} members` : ''}`],
    ['Leader:', leaderName ?? 'none'],
    ['Image:', cc.spec.image],
    ['Connect:', status.connectString ?? '-'],
  ];
  if (stale) header.push(['Note:', `the operator has not acted on generation ${cc.metadata.generation} yet (status is of ${status.observedGeneration})`]);
  const recovery = status.recovery;
  if (recovery?.survivor !== undefined) {
    const when = `${age(now.getTime() - new Date(recovery.at).getTime())} ago`;
    header.push(['Recovered:', `from ${podName(cc.metadata.name!, recovery.survivor)} (last zxid ${recovery.zxid ?? '?'}) ${when}, after a quorum loss`]);
  }
  const out = [columns(header)];

  const live = new Map<number, MemberEntryWire>((v.live?.members ?? []).map((m) => [m.id, m]));
  const nodeOf = new Map(v.pods.map((p) => [p.metadata?.name, p.spec?.nodeName ?? '-']));
  const members = status.members ?? [];
  out.push('', 'Members:');
  if (members.length === 0) out.push('  none yet');
  else {
    const rows = members.map((m) => {
      const l = live.get(m.serverId);
      const leads = v.live ? l?.is_leader === true : status.leader === m.name;
      const lag = l?.lag ?? m.lag;
      return [
        m.name,
        String(m.serverId),
        m.group,
        roleOf(m),
        leads ? 'leader' : m.role === 'observer' ? 'observer' : 'follower',
        m.ready ? 'yes' : 'no',
        lag === undefined || lag === null ? '-' : String(lag),
        leads ? '-' : (l?.sync ?? '-'),
        m.zxid ?? '-',
        nodeOf.get(m.name) ?? '-',
      ];
    });
    out.push(indent(table(['NAME', 'ID', 'GROUP', 'ROLE', 'STATE', 'READY', 'LAG', 'SYNC', 'ZXID', 'NODE'], rows)));
  }
  if (v.liveError) out.push(`  (live lag and sync unavailable: ${v.liveError}; LAG is the operator's last observation)`);
  else if (!v.live) out.push("  (LAG is the operator's last observation)");

  out.push('', 'Quotas:');
  out.push(v.quotas.length === 0 ? '  none declared' : indent(quotaTable(v.quotas)));

  out.push('', 'Conditions:');
  const conditions = status.conditions ?? [];
  if (conditions.length === 0) out.push('  none yet');
  else
    out.push(
      indent(
        table(
          ['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'],
          conditions.map((c) => [c.type, c.status, c.reason, age(now.getTime() - new Date(c.lastTransitionTime).getTime()), c.message]),
        ),
      ),
    );
  return out.join('\n');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
