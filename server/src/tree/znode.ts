// One znode as the data tree keeps it. Stat fields live on the node itself; numChildren and dataLength are
// derived from `children` and `data` when a Stat is built.
import { CONTAINER_EPHEMERAL_OWNER, MAX_TTL, type ACL, type Stat } from 'corral/protocol';

export interface ZNode {
  /** null when the client created the node with null data (clients can tell the difference). */
  data: Buffer | null;
  acl: readonly ACL[];
  czxid: number;
  mzxid: number;
  pzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  /**
   * Children created so far (ZooKeeper's internal count, which also numbers sequential children). Clients see
   * creates plus deletes: 2 * cversion - numChildren, as ZooKeeper's DataNode.copyStat reports it.
   */
  cversion: number;
  aversion: number;
  /** Session id for ephemerals, 0n for persistent nodes, ZooKeeper's marker values for containers and TTL nodes. */
  ephemeralOwner: bigint;
  children: Set<string>;
}

export function statOf(n: ZNode): Stat {
  return {
    czxid: n.czxid,
    mzxid: n.mzxid,
    ctime: n.ctime,
    mtime: n.mtime,
    version: n.version,
    cversion: 2 * n.cversion - n.children.size,
    aversion: n.aversion,
    // ZooKeeper shows clients the owning session of ephemerals only; container and TTL markers read as 0.
    ephemeralOwner: isEphemeralOwner(n.ephemeralOwner) ? n.ephemeralOwner : 0n,
    dataLength: n.data?.length ?? 0,
    numChildren: n.children.size,
    pzxid: n.pzxid,
  };
}

// ZooKeeper's EphemeralType encoding in ephemeralOwner: containers own Long.MIN_VALUE; TTL nodes 0xFF in the top
// byte, the extended type (0 = TTL) in bits 40..55 and the TTL in the low 40 bits.
export const CONTAINER_OWNER = CONTAINER_EPHEMERAL_OWNER;
const TTL_MASK = 0xff00000000000000n;
const EXTENDED_TYPE_BITS = 0x00ffff0000000000n;

export function ttlOwner(ttl: number): bigint {
  return BigInt.asIntN(64, TTL_MASK | BigInt(ttl));
}

/** The TTL in ms when the owner marks a TTL node, else undefined. */
export function ttlOf(owner: bigint): number | undefined {
  if (owner === CONTAINER_OWNER || owner === 0n) return undefined;
  const u = BigInt.asUintN(64, owner);
  if ((u & TTL_MASK) !== TTL_MASK || (u & EXTENDED_TYPE_BITS) !== 0n) return undefined;
  return Number(u & BigInt(MAX_TTL));
}

export function isEphemeralOwner(owner: bigint): boolean {
  return owner !== 0n && owner !== CONTAINER_OWNER && ttlOf(owner) === undefined;
}

/**
 * Whether a childless container (one that once had children) or TTL node (untouched for its TTL) is due for
 * removal at `time`. The member proposes removals with it; apply re-checks it when the removal commits.
 */
export function isExpiredNode(n: ZNode, time: number): boolean {
  if (n.children.size > 0) return false;
  if (n.ephemeralOwner === CONTAINER_OWNER) return n.cversion > 0;
  const ttl = ttlOf(n.ephemeralOwner);
  return ttl !== undefined && time > n.mtime + ttl;
}
