// Where peers listen, from the zoo.cfg server lines: Corral carries all member traffic on each member's quorum
// port (the election port of ZooKeeper's line is parsed but never bound).
import type { ServerSpec } from '../config/server-line.js';
import type { NodeId } from '../consensus/types.js';
import type { PeerAddress } from './outbound-link.js';

/** The addresses of every member except `selfId`, as PeerNetwork's `peers` / setPeers() want them. */
export function peerAddresses(servers: readonly ServerSpec[], selfId: NodeId): Map<NodeId, PeerAddress> {
  return new Map(servers.filter((s) => s.id !== selfId).map((s) => [s.id, { host: s.host, port: s.quorumPort }]));
}
