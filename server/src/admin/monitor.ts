// The monitoring values behind `mntr`, the AdminServer's `monitor` and the Prometheus gauges: ZooKeeper's
// names (without the zk_ prefix mntr adds), in one list so the three never disagree.
import { isVoter } from '../config/server-line.js';
import type { MemberView } from './view.js';
import { fileDescriptorCounts } from './file-descriptors.js';
import { Real, roundAverage } from './java-format.js';
import { fullVersion } from './build-date.js';

export type MonitorValue = number | string | Real;

export function monitorValues(view: MemberView, now = Date.now()): Array<[string, MonitorValue]> {
  const stats = view.stats;
  const quorum = view.quorum?.();
  const out: Array<[string, MonitorValue]> = [
    ['version', fullVersion(view.version)],
    ['server_state', view.mode()],
  ];
  if (quorum) out.push(['peer_state', quorum.peerState]);
  out.push(
    ['avg_latency', new Real(roundAverage(stats.avgLatency))],
    ['max_latency', stats.maxLatency],
    ['min_latency', stats.minLatency],
    ['packets_received', stats.packetsReceived],
    ['packets_sent', stats.packetsSent],
    ['num_alive_connections', view.connections().length],
    ['outstanding_requests', stats.outstandingRequests],
    ['znode_count', view.nodeCount()],
    ['watch_count', view.watches.count],
    ['ephemerals_count', view.ephemeralCount()],
    ['approximate_data_size', view.approximateDataSize()],
  );
  const fds = fileDescriptorCounts();
  if (fds) out.push(['open_file_descriptor_count', fds.open], ['max_file_descriptor_count', fds.max]);
  const fsync = view.fsyncStats();
  out.push(
    ['uptime', Math.max(0, now - view.startTime)],
    ['global_sessions', view.sessions().length],
    ['fsync_threshold_exceed_count', fsync.thresholdExceeded],
    ['avg_fsynctime', new Real(roundAverage(fsync.count === 0 ? 0 : fsync.totalMs / fsync.count))],
    ['cnt_fsynctime', fsync.count],
    ['sum_fsynctime', fsync.totalMs],
  );
  if (quorum) out.push(['quorum_size', quorum.servers.filter(isVoter).length]);
  const leader = quorum?.leader;
  if (leader) {
    out.push(
      ['learners', leader.learners],
      // ZooKeeper 3.4's name for the learner count, still read by older monitoring scripts.
      ['followers', leader.learners],
      ['synced_followers', leader.syncedFollowers],
      ['synced_observers', leader.syncedObservers],
      ['pending_syncs', leader.pendingSyncs],
    );
  }
  return out;
}
