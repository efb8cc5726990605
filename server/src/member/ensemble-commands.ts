// Corral's own AdminServer commands for whoever operates an ensemble (the Kubernetes operator among them): who is a
// member with which role, how far behind each one is and what this member says of itself (`members`, in the shape
// of protocol/src/admin-api.ts, which the operator parses), whether it is ready to serve (`/ready`, the pod's
// readiness probe), its connection limits, read and changed live, moving leadership away on demand, and rebuilding
// the ensemble from this member after its quorum was lost for good (`recover_quorum`).
import type { ConnectionLimitsWire, CorralAdminCommand, MemberEntryWire, MembersReply } from 'corral/protocol';
import { superUserRefusal } from '../admin/admin-auth.js';
import type { AdminServer } from '../admin/admin-server.js';
import { CommandRefusal, anytime, served, type AdminCommand, type CommandArgs } from '../admin/commands.js';
import { hexLong } from '../admin/java-format.js';
import type { JsonValue } from '../admin/json.js';
import type { Readiness } from './readiness.js';

export type TransferOutcome =
  | { ok: true; from: number; to: number; elapsedMs: number }
  | { ok: false; error: string; leader: number };

export type RecoveryOutcome =
  | { ok: true; recovered: boolean; removed: number[]; configVersion: number; lastZxid: number; leader: number }
  | { ok: false; error: string };

export interface EnsembleControl {
  /** This member's id in memberStatus() (a standalone member is 1 there, while conf reports its serverId as 0). */
  memberId(): number;
  memberStatus(): MemberEntryWire[];
  /** As mntr's zk_server_state, or `looking` while an ensemble member knows no leader. */
  serverState(): string;
  readiness(): Promise<Readiness>;
  connectionLimits(): ConnectionLimitsWire;
  /** New connections are checked against the new limits; connections already open stay. */
  setConnectionLimits(limits: Partial<ConnectionLimitsWire>): void;
  transferLeadership(target: number | 'any'): Promise<TransferOutcome>;
  /**
   * Makes this member the sole voter of a new configuration and lets it lead, keeping its data: the way back from a
   * quorum lost for good. Refused while it is part of a serving quorum; a no-op when it already is the sole voter.
   */
  recoverQuorum(): Promise<RecoveryOutcome>;
  lastZxid(): number;
}

/** Java's int, which ZooKeeper's maxClientCnxns and maxCnxns are. */
const MAX_LIMIT = 2 ** 31 - 1;
const LIMIT_KEYS = ['per_client_address', 'total'] as const;

// The shared wire types are interfaces, which TypeScript does not take as index-signature objects; the JSON writer
// reads them as plain objects.
const json = (value: object) => value as { readonly [key: string]: JsonValue };

export function registerEnsembleCommands(admin: AdminServer, control: EnsembleControl): void {
  admin.registerTable(ensembleCommands(control));
  admin.registerEndpoint('/ready', async () => {
    const readiness = await control.readiness();
    const state = { server_state: control.serverState(), last_zxid: `0x${hexLong(control.lastZxid())}` };
    if (readiness.ready) return { status: 200, body: { ready: true, ...state } };
    return { status: 503, body: { ready: false, reason: readiness.reason, ...state } };
  });
}

/** Corral's own commands, one row for each name of protocol's CorralAdminCommand. */
function ensembleCommands(control: EnsembleControl): Record<CorralAdminCommand, AdminCommand> {
  return {
    // Answers while the member is not serving too: the operator must see members that are catching up or looking.
    members: anytime(['mbrs'], async (v) => {
      const { ready } = await control.readiness();
      const reply: MembersReply = {
        members: control.memberStatus(),
        self: {
          id: control.memberId(),
          server_state: control.serverState(),
          last_zxid: `0x${hexLong(v.lastZxid())}`,
          ready,
          connection_limits: control.connectionLimits(),
        },
      };
      return new Map<string, JsonValue>([
        ['members', reply.members.map(json)],
        ['self', json(reply.self)],
      ]);
    }),
    connection_limits: anytime([], (v, args, request) => {
      if (LIMIT_KEYS.some((k) => args.has(k))) {
        const refused = superUserRefusal(request.authorization, v.config.superDigest);
        if (refused) return refused;
        const requested = requestedLimits(args);
        if (requested instanceof CommandRefusal) return requested;
        control.setConnectionLimits(requested);
      }
      return new Map(Object.entries(control.connectionLimits()));
    }),
    transfer_leadership: served(['xfer'], async (v, args, request) => {
      // Credentials are taken but not yet required, so callers can start sending them before a release requires them.
      const refused = superUserRefusal(request.authorization, v.config.superDigest, { optional: true });
      if (refused) return refused;
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
    }),
    // Changes the membership by decree, so: POST only, the super user only, and answered while not serving (a member
    // that lost its quorum does not serve).
    recover_quorum: {
      aliases: [],
      serverRequired: false,
      method: 'POST',
      run: async (v, _args, request) => {
        const refused = superUserRefusal(request.authorization, v.config.superDigest);
        if (refused) return refused;
        const outcome = await control.recoverQuorum();
        if (!outcome.ok) return new Map([['error', outcome.error]]);
        return new Map<string, JsonValue>([
          ['recovered', outcome.recovered],
          ['leader', outcome.leader],
          ['removed', outcome.removed],
          ['config_version', `0x${hexLong(outcome.configVersion)}`],
          ['last_zxid', `0x${hexLong(outcome.lastZxid)}`],
        ]);
      },
    },
  };
}

/** The limits a connection_limits request sets, or why they are refused (400): each a whole number, 0 = unlimited. */
function requestedLimits(args: CommandArgs): Partial<ConnectionLimitsWire> | CommandRefusal {
  const limits: Partial<ConnectionLimitsWire> = {};
  for (const key of LIMIT_KEYS) {
    const text = args.get(key);
    if (text === undefined) continue;
    const value = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
    if (!(value <= MAX_LIMIT)) return new CommandRefusal(400, `${key} must be a whole number from 0 (unlimited) to ${MAX_LIMIT}, not '${text}'`);
    limits[key] = value;
  }
  return limits;
}
