// The zoo.cfg every member of a cluster mounts (one ConfigMap per config revision), and the server lines a pod's
// first start takes its membership from. What differs per pod (its id, address, initial membership, the super
// user's digest) reaches it through the environment; see server/src/bin/pod-config.ts.
import type { DefaultedSpec } from '../api/index.js';
import { MEMBER_PORTS } from '../api/index.js';
import { memberHost } from '../plan/names.js';
import type { ConnectionLimits, InitialMember } from '../plan/types.js';

/** Where the member image keeps its data (the PVC's mount point). */
export const DATA_DIR = '/var/lib/corral/data';
export const CONFIG_DIR = '/etc/corral';

/** Settings the operator relies on; spec.config cannot set these keys (the CRD refuses them). */
function ownedSettings(spec: DefaultedSpec): Record<string, string> {
  return {
    dataDir: DATA_DIR,
    clientPort: String(MEMBER_PORTS.client),
    // Membership changes go through reconfig, so the ensemble never restarts to grow or shrink.
    reconfigEnabled: 'true',
    standaloneEnabled: 'false',
    // Each member binds its listeners to its own pod IP (corral-pod), so quorum listeners take every address.
    quorumListenOnAllIPs: 'true',
    // spec.quotas are hard limits: writes past them fail with QUOTAEXCEEDED (ZooKeeper's default only logs).
    enforceQuota: 'true',
    'admin.enableServer': 'true',
    'admin.serverPort': String(MEMBER_PORTS.admin),
    ...(spec.metrics.enabled ? { 'metricsProvider.httpPort': String(spec.metrics.port) } : {}),
  };
}

/** ZooKeeper's defaults for the settings an ensemble cannot start without. */
const BASE_SETTINGS: Record<string, string> = { tickTime: '2000', initLimit: '10', syncLimit: '5', '4lw.commands.whitelist': '*' };

export function renderZooCfg(spec: DefaultedSpec): string {
  const settings = { ...BASE_SETTINGS, ...spec.config, ...ownedSettings(spec) };
  const lines = Object.keys(settings)
    .sort()
    .map((k) => `${k}=${settings[k]}`);
  return `# Written by corral-operator; each pod adds its server lines and connection limits (CORRAL_CONFIG_LINES).\n${lines.join('\n')}\n`;
}

/**
 * The zoo.cfg lines particular to one pod, fixed when it is created: the server lines of the membership a first
 * start joins (a member with data follows the membership it recovers), and the connection limits it starts
 * with. Neither is part of the config revision: membership changes go through reconfig and limits are set live,
 * so neither restarts a member.
 */
export function podConfigLines(cluster: string, namespace: string, members: readonly InitialMember[], limits: ConnectionLimits): string {
  const servers = members.map(({ serverId, role }) => {
    const host = memberHost(cluster, namespace, serverId);
    return `server.${serverId}=${host}:${MEMBER_PORTS.quorum}:${MEMBER_PORTS.election}:${role};${MEMBER_PORTS.client}`;
  });
  return [...servers, `maxClientCnxns=${limits.perClientAddress}`, `maxCnxns=${limits.total}`].join('\n');
}
