// Snapshots of the replicated state taken while the member keeps applying writes. The tree is written in
// chunks over several event-loop turns; a node that is about to change before its turn is written first, as it
// was when the snapshot began (copy-on-write by observation), so the result is the exact state at one index.
import { statePackr } from './msgpack.js';
import type { ACL } from 'corral/protocol';
import type { ServerSpec } from '../config/server-line.js';
import type { TreeObserver } from '../tree/datatree.js';
import type { ZNode } from '../tree/znode.js';
import type { ReplicatedState } from './apply.js';

type NodeRecord = [
  path: string,
  data: Buffer | null,
  acl: readonly ACL[],
  czxid: number,
  mzxid: number,
  pzxid: number,
  ctime: number,
  mtime: number,
  version: number,
  cversion: number,
  aversion: number,
  owner: bigint,
];

interface Header {
  lastZxid: number;
  /** owner 0: the session has not moved (older snapshots have no owner, nor claim). */
  sessions: Array<[id: bigint, timeout: number, passwd: Buffer, owner?: number, claim?: number]>;
  servers?: ServerSpec[];
  configVersion?: number;
}

function record(path: string, n: ZNode): NodeRecord {
  return [path, n.data, n.acl, n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion, n.ephemeralOwner];
}

/** Produces the chunks of one snapshot; call next() until it returns undefined, then the snapshot is complete. */
export class StateSnapshot implements TreeObserver {
  private readonly order: string[];
  private readonly pending: Set<string>;
  private cursor = 0;
  private early: NodeRecord[] = [];
  private headerSent = false;
  private readonly header: Header;

  constructor(
    private readonly state: ReplicatedState,
    private readonly nodesPerChunk = 2000,
  ) {
    this.order = [...state.tree.paths()];
    this.pending = new Set(this.order);
    this.header = {
      lastZxid: state.lastZxid,
      sessions: [...state.sessions].map(([id, s]) => [id, s.timeout, s.passwd, s.owner ?? 0, s.claim ?? 0]),
      servers: [...state.servers.values()],
      configVersion: state.configVersion,
    };
    state.tree.setObserver(this);
  }

  beforeChange(path: string, node: ZNode | undefined): void {
    if (node && this.pending.delete(path)) this.early.push(record(path, node));
  }

  next(): Buffer | undefined {
    if (!this.headerSent) {
      this.headerSent = true;
      return statePackr.pack(this.header);
    }
    const batch = this.early;
    this.early = [];
    const tree = this.state.tree;
    while (batch.length < this.nodesPerChunk && this.cursor < this.order.length) {
      const path = this.order[this.cursor++]!;
      if (this.pending.delete(path)) batch.push(record(path, tree.get(path)!));
    }
    if (batch.length === 0) {
      this.state.tree.setObserver(undefined);
      return undefined;
    }
    return statePackr.pack(batch);
  }

  /** Stops observing the tree (the snapshot was abandoned). */
  abandon(): void {
    this.state.tree.setObserver(undefined);
  }
}

/** Rebuilds a fresh state from snapshot chunks (the header first). */
export async function restoreSnapshot(state: ReplicatedState, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  let header: Header | undefined;
  for await (const chunk of chunks) {
    if (!header) {
      header = statePackr.unpack(chunk) as Header;
      continue;
    }
    for (const r of statePackr.unpack(chunk) as NodeRecord[]) {
      const [path, data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, owner] = r;
      state.tree.restore(path, { data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner: owner, children: new Set() });
    }
  }
  if (!header) throw new Error('snapshot has no header');
  state.lastZxid = header.lastZxid;
  state.sessions.clear();
  for (const [id, timeout, passwd, owner, claim] of header.sessions) {
    state.sessions.set(id, owner ? { timeout, passwd, owner, ...(claim ? { claim } : {}) } : { timeout, passwd });
  }
  state.servers.clear();
  for (const spec of header.servers ?? []) state.servers.set(spec.id, spec);
  state.configVersion = header.configVersion ?? 0;
  state.quotas.rebuild();
}
