// Drives a ReplicatedState the way the member does: numbered transactions in log order.
import { OpCode, Perms } from '../../../protocol/src/constants.js';
import type { ACL, CreateOp, Id, MultiOp } from '../../../protocol/src/records.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';
import { ReplicatedState, type ApplyResult, type StateOptions } from '../../src/state/apply.js';
import { TxnKind, type Txn, type WriteRequest } from '../../src/state/txn.js';

export const OPEN = OPEN_ACL_UNSAFE as ACL[];
export const acl = (perms: number): ACL[] => [{ perms, id: { scheme: 'world', id: 'anyone' } }];
export const ALL_BUT = (p: Perms): ACL[] => acl(Perms.All & ~p);
export const SESSION = 0x100n;

export class Harness {
  readonly state: ReplicatedState;
  zxid = 0;
  time = 1_000;

  constructor(options: Partial<StateOptions> = {}) {
    this.state = new ReplicatedState({ enforceQuota: true, extendedTypesEnabled: true, skipAcl: false, ...options });
    this.txn({ kind: TxnKind.CreateSession, time: this.time, session: SESSION, timeout: 30_000, passwd: Buffer.alloc(16) });
  }

  get tree() {
    return this.state.tree;
  }

  txn(t: Txn): ApplyResult {
    return this.state.apply(t, ++this.zxid);
  }

  req(req: WriteRequest, opts: { session?: bigint; auth?: Id[] } = {}): ApplyResult {
    return this.txn({ kind: TxnKind.Request, time: this.time, session: opts.session ?? SESSION, cxid: this.zxid, auth: opts.auth ?? [], req });
  }

  /** Creates persistent nodes (and their missing ancestors) with the given ACL; throws unless each succeeds. */
  mk(path: string, opts: { data?: string; acl?: ACL[]; flags?: number } = {}): void {
    const r = this.req({ type: OpCode.Create, path, data: opts.data === undefined ? null : Buffer.from(opts.data), acl: opts.acl ?? OPEN, flags: opts.flags ?? 0 });
    if (r.err !== 0) throw new Error(`setup create ${path} failed: ${r.err}`);
  }
}

export const create = (path: string, extra: Partial<Omit<CreateOp, 'path'>> = {}): CreateOp => ({
  type: OpCode.Create, path, data: null, acl: OPEN, flags: 0, ...extra,
});
export const del = (path: string, version = -1): MultiOp => ({ type: OpCode.Delete, path, version });
export const set = (path: string, data: string | null, version = -1): MultiOp => ({
  type: OpCode.SetData, path, data: data === null ? null : Buffer.from(data), version,
});
export const check = (path: string, version: number): MultiOp => ({ type: OpCode.Check, path, version });
