// The reconfig opcode on a member: checks, the membership change through consensus, and the answer once the
// change is applied here; applying a committed change updates /zookeeper/config and the peer list.
import type { Logger } from 'pino';
import { CONFIG_PATH, ErrorCode, OpCode, Perms } from '../../../protocol/src/constants.js';
import type { ClientResponse, ReconfigRequest } from '../../../protocol/src/records.js';
import type { MemberConfig } from '../config/member-config.js';
import type { ServerSpec } from '../config/server-line.js';
import { decodeConfig, type MembershipChange } from '../consensus/membership.js';
import type { Entry } from '../consensus/types.js';
import type { ReplicatedState, TreeEvent } from '../state/apply.js';
import { statOf } from '../tree/znode.js';
import { permits } from '../tree/acl.js';
import { hex, type ClientConnection } from './connection.js';
import { planReconfig, type ChangeInfo } from './reconfig.js';
import type { MembershipRefusal } from './replicator.js';

export interface ReconfigHost {
  readonly config: MemberConfig;
  readonly log: Logger;
  replicated(): ReplicatedState;
  proposeMembership(change: MembershipChange): Promise<MembershipRefusal>;
  /** The servers changed: reconnect the peer network to the new list. */
  serversChanged(servers: ServerSpec[]): void;
  watchEvents(events: TreeEvent[]): void;
  reply(xid: number, err: ErrorCode, body?: ClientResponse): Buffer;
}

interface PendingReconfig {
  conn: ClientConnection;
  xid: number;
  id: number;
  role: MembershipChange['role'];
}

const SERVER_ROLE = { voter: 'participant', neverLeader: 'neverleader', observer: 'observer' } as const;

export class ReconfigRequests {
  /** Requests from clients here, answered when their change is applied. */
  private pending: PendingReconfig[] = [];

  constructor(private readonly host: ReconfigHost) {}

  handle(conn: ClientConnection, xid: number, req: ReconfigRequest): void {
    const { host } = this;
    const refuse = (err: ErrorCode) => conn.answer(xid, OpCode.Reconfig, () => host.reply(xid, err));
    if (!host.config.reconfigEnabled) return refuse(ErrorCode.ReconfigDisabled);
    if (host.config.standalone) return refuse(ErrorCode.Unimplemented);
    if (conn.readOnly) return refuse(ErrorCode.NotReadOnly);
    const state = host.replicated();
    if (!permits(state.tree.get(CONFIG_PATH)!.acl, Perms.Write, conn.auth, host.config.skipACL)) return refuse(ErrorCode.NoAuth);
    const plan = planReconfig(req, state.servers, state.configVersion, Date.now());
    if ('err' in plan) return refuse(plan.err);
    conn.expectWrite(xid, OpCode.Reconfig);
    const pending = { conn, xid, id: plan.change.id, role: plan.change.role };
    this.pending.push(pending);
    void host.proposeMembership(plan.change).then((refusal) => {
      if (refusal === undefined) return;
      this.pending = this.pending.filter((p) => p !== pending);
      const lastZxid = host.replicated().lastZxid;
      if (refusal === 'reconfigInProgress') conn.complete(xid, host.reply(xid, ErrorCode.ReconfigInProgress), lastZxid);
      else if (refusal === 'invalidChange') conn.complete(xid, host.reply(xid, ErrorCode.BadArguments), lastZxid);
      // No leader took it, or one may have: like a write lost in a leader change, the client must find out itself.
      else conn.close(`reconfig outcome unknown (${refusal})`);
    });
  }

  /** A committed membership change: update /zookeeper/config, the peer list, and answer whoever asked for it. */
  applied(entry: Entry, zxid: number): void {
    const { host } = this;
    const state = host.replicated();
    const { change } = decodeConfig(entry.data);
    const info = change.info as ChangeInfo | undefined;
    const previous = state.servers.get(change.id);
    const spec = change.role === 'removed' ? undefined : (info?.spec ?? (previous && { ...previous, role: SERVER_ROLE[change.role] }));
    host.watchEvents(state.applyConfig(change.id, spec, zxid, info?.time ?? 0).events);
    host.serversChanged([...state.servers.values()]);
    host.log.info({ member: change.id, role: change.role, version: hex(BigInt(zxid)) }, 'membership changed');
    const i = this.pending.findIndex((p) => p.id === change.id && p.role === change.role);
    if (i < 0) return;
    const [{ conn, xid }] = this.pending.splice(i, 1) as [PendingReconfig];
    const node = state.tree.get(CONFIG_PATH)!;
    conn.complete(xid, host.reply(xid, ErrorCode.Ok, { type: OpCode.Reconfig, data: node.data, stat: statOf(node) }), zxid);
  }
}
