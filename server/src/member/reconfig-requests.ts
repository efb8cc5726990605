// The reconfig opcode on a member: checks, the membership changes through consensus, and the answer once they
// are in force here; once apply has applied a committed change (/zookeeper/config), the peer list follows it.
//
// A request changing several members goes through a joint configuration: its entry updates /zookeeper/config
// (one new version for the whole request), and the request is answered when the entry leaving the joint
// configuration applies. Until then the members that leave stay in the peer list: C_old still votes. Removed
// members stay in it a little longer, so the leader's last append (telling them the change committed) gets out.
import type { Logger } from 'pino';
import { CONFIG_PATH, ErrorCode, OpCode, Perms, type ClientResponse, type ReconfigRequest } from 'corral/protocol';
import type { MemberConfig } from '../config/member-config.js';
import type { ServerSpec } from '../config/server-line.js';
import type { MembershipChange } from '../consensus/membership.js';
import type { ApplyResult, ReplicatedState } from '../state/apply.js';
import { changeInfo, type ConfigChange } from '../state/committed-entry.js';
import { statOf } from '../tree/znode.js';
import { permits } from '../tree/acl.js';
import { hex } from './connection.js';
import type { PathConnection } from './request-path.js';
import { planReconfig, type PlannedChange } from './reconfig.js';
import type { MembershipRefusal } from './replicator.js';

export interface ReconfigHost {
  readonly config: MemberConfig;
  readonly log: Logger;
  replicated(): ReplicatedState;
  proposeMembership(changes: MembershipChange[]): Promise<MembershipRefusal>;
  /** The servers to keep connections with changed: reconnect the peer network to the new list. */
  serversChanged(servers: ServerSpec[]): void;
  reply(xid: number, err: ErrorCode, body?: ClientResponse): Buffer;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` in `ms` milliseconds, without keeping the process alive. */
  after(ms: number, fn: () => void): void;
}

type ReconfigConnection = Pick<PathConnection, 'readOnly' | 'auth' | 'answer' | 'expectWrite' | 'complete' | 'close'>;

interface PendingReconfig {
  conn: ReconfigConnection;
  xid: number;
  /** The request's changes, as matched against committed config entries (see keyOf). */
  key: string;
  /** Its joint entry applied; answered when the leave entry does. */
  joint: boolean;
}

/** How many times a request refused while leadership moves is proposed (half a tickTime apart). */
const TRANSFER_RETRIES = 8;
/** How long, in tickTimes, removed members stay peers once their removal is in force. */
const DEPARTURE_GRACE_TICKS = 2;

const keyOf = (changes: readonly MembershipChange[]) =>
  changes
    .map((c) => `${c.id}:${c.role}`)
    .sort()
    .join(',');

export class ReconfigRequests {
  /** Requests from clients here, answered when their changes are in force. */
  private pending: PendingReconfig[] = [];
  /** Server lines of removed members still kept as peers: while a joint config is in force, and a grace period after. */
  private readonly departing = new Map<number, ServerSpec>();
  /** Server lines of joiners the leader here catches up before proposing the change that adds them. */
  private staged: ServerSpec[] = [];

  constructor(private readonly host: ReconfigHost) {}

  handle(conn: ReconfigConnection, xid: number, req: ReconfigRequest): void {
    const { host } = this;
    const refuse = (err: ErrorCode) => conn.answer(xid, OpCode.Reconfig, () => host.reply(xid, err));
    if (!host.config.reconfigEnabled) return refuse(ErrorCode.ReconfigDisabled);
    if (host.config.standalone) return refuse(ErrorCode.Unimplemented);
    if (conn.readOnly) return refuse(ErrorCode.NotReadOnly);
    const state = host.replicated();
    const plan = planReconfig(req, state.servers, state.configVersion, host.now());
    // ZooKeeper checks the WRITE permission on /zookeeper/config after the request itself: a client without it
    // sees BADVERSION or BADARGUMENTS for a request that could never apply (kazoo's TestReconfig relies on it).
    if ('err' in plan && !plan.ownLimit) return refuse(plan.err);
    if (!permits(state.tree.get(CONFIG_PATH)!.acl, Perms.Write, conn.auth, host.config.skipACL)) return refuse(ErrorCode.NoAuth);
    if ('err' in plan) return refuse(plan.err);
    conn.expectWrite(xid, OpCode.Reconfig);
    const pending: PendingReconfig = { conn, xid, key: keyOf(plan.changes), joint: false };
    this.pending.push(pending);
    void this.propose(plan.changes).then((refusal) => {
      if (refusal === undefined) return;
      this.pending = this.pending.filter((p) => p !== pending);
      const lastZxid = host.replicated().lastZxid;
      if (refusal === 'reconfigInProgress') conn.complete(xid, host.reply(xid, ErrorCode.ReconfigInProgress), lastZxid);
      else if (refusal === 'invalidChange') conn.complete(xid, host.reply(xid, ErrorCode.BadArguments), lastZxid);
      else if (refusal === 'newConfigNoQuorum') conn.complete(xid, host.reply(xid, ErrorCode.NewConfigNoQuorum), lastZxid);
      // No leader took it, or one may have: like a write lost in a leader change, the client must find out itself.
      else conn.close(`reconfig outcome unknown (${refusal})`);
    });
  }

  /**
   * A leader that the request removes or demotes refuses it while it hands leadership over first (as ZooKeeper
   * users expect); so does one in the middle of an operator's transfer. Propose again at the next leader.
   */
  private async propose(changes: PlannedChange[]): Promise<MembershipRefusal> {
    const { host } = this;
    for (let attempt = 1; ; attempt++) {
      const refusal = await host.proposeMembership(changes);
      if (refusal !== 'transferring' || attempt === TRANSFER_RETRIES) return refusal;
      await new Promise<void>((r) => host.after(host.config.tickTime / 2, r));
    }
  }

  /** This leader catches up `joiners` (none: `[]`) before proposing their change: keep them as peers meanwhile. */
  stage(joiners: MembershipChange[]): void {
    this.staged = joiners.flatMap((c) => changeInfo(c)?.spec ?? []);
    this.peersChanged();
  }

  /** A config entry apply has applied (`result`): update the peer list, and answer whoever asked for the change. */
  applied({ changes, membership }: ConfigChange, result: ApplyResult): void {
    const { host } = this;
    const state = host.replicated();
    const { zxid } = result;
    // The change that staged joiners is in force: they are members now.
    if (changes.some((c) => this.staged.some((spec) => spec.id === c.id))) this.staged = [];
    if (changes.length === 0) return this.leftJoint(state, zxid);
    // A quorum recovery's removed members are lost: they stop being peers at once (a departure grace would keep a
    // link that delivers messages queued before the loss to one that comes back with its old data).
    const recovery = changes.some((c) => changeInfo(c)?.recovery);
    if (!recovery) for (const spec of result.removed ?? []) this.departing.set(spec.id, spec);
    this.peersChanged();
    if (!membership.outgoing) this.releaseDeparting();
    const key = keyOf(changes);
    host.log.info({ changes: key, joint: membership.outgoing !== undefined, version: hex(BigInt(zxid)) }, 'membership changed');
    const p = this.pending.find((q) => q.key === key && !q.joint);
    if (!p) return;
    if (membership.outgoing) p.joint = true;
    else this.answer(p, state, zxid);
  }

  /** The entry leaving a joint configuration: C_new alone is in force. */
  private leftJoint(state: ReplicatedState, zxid: number): void {
    this.releaseDeparting();
    this.host.log.info({ version: hex(BigInt(state.configVersion)) }, 'joint configuration left');
    for (const p of this.pending.filter((q) => q.joint)) this.answer(p, state, zxid);
  }

  private answer(p: PendingReconfig, state: ReplicatedState, zxid: number): void {
    this.pending = this.pending.filter((q) => q !== p);
    const node = state.tree.get(CONFIG_PATH)!;
    p.conn.complete(p.xid, this.host.reply(p.xid, ErrorCode.Ok, { type: OpCode.Reconfig, data: node.data, stat: statOf(node) }), zxid);
  }

  /** The removal of the departing members is in force: drop them from the peers after the grace period. */
  private releaseDeparting(): void {
    const ids = [...this.departing.keys()];
    if (ids.length === 0) return;
    this.host.after(DEPARTURE_GRACE_TICKS * this.host.config.tickTime, () => {
      for (const id of ids) this.departing.delete(id);
      this.peersChanged();
    });
  }

  /**
   * The log written before a restart has been applied again: the removals it replayed are long in force and need
   * no grace period (unless a joint configuration still counts the leaving members). The peers are set once, here.
   */
  replayed(joint: boolean): void {
    if (!joint) this.departing.clear();
    this.peersChanged();
  }

  /** Joiners the leader here is catching up before proposing the change that adds them (their lines are in peerServers). */
  stagedIds(): number[] {
    return this.staged.map((s) => s.id);
  }

  /** The servers to keep connections with: the configuration's, departing members' and staged joiners'. */
  peerServers(): ServerSpec[] {
    const servers = new Map(this.host.replicated().servers);
    for (const spec of [...this.departing.values(), ...this.staged]) if (!servers.has(spec.id)) servers.set(spec.id, spec);
    return [...servers.values()];
  }

  private peersChanged(): void {
    this.host.serversChanged(this.peerServers());
  }
}
