// Installing the operator on the bed the way a user without Helm would (crds/, operator/rbac, operator/deploy),
// and reading a cluster's state as a user would: through kubectl and the members' own answers.
import { readFileSync } from 'node:fs';
import { ZooKeeperClient } from '../../../client/src/client.js';
import { parseMembersReply, type MembersReply } from '../../../protocol/src/admin-api.js';
import { apply, kubectl, kubectlJson, type testNamespace } from './kubectl.js';
import { testImage } from './pods.js';
import { waitUntil } from './wait.js';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

export const OPERATOR_NS = 'corral-system';

/** CRD, RBAC and the two-replica Deployment; resolves once one replica is ready (holds the Lease, caches synced). */
export async function installOperator(image = testImage): Promise<void> {
  await apply(read('crds/corral.dev_coordinationclusters.yaml'));
  await kubectl(['wait', '--for=condition=Established', 'crd/coordinationclusters.corral.dev', '--timeout=60s']);
  await apply(read('operator/deploy/operator.yaml').replace(/^(\s*)image: localhost\/corral:dev$/m, `$1image: ${image}`));
  await apply(read('operator/rbac/role.yaml'));
  await waitUntil('an operator replica ready', async () => {
    const d = await kubectlJson(['get', 'deployment', 'corral-operator', '-n', OPERATOR_NS]);
    return (d.status?.readyReplicas ?? 0) >= 1;
  }, { timeoutMs: 180_000 });
}

/** Removes what installOperator made, CRD included, so the next test file (a Helm install, say) starts clean. */
export async function uninstallOperator(): Promise<void> {
  await kubectl(['delete', '--ignore-not-found', '--wait=true', '-f', '-'], { input: read('operator/deploy/operator.yaml') + '\n---\n' + read('operator/rbac/role.yaml'), timeoutMs: 180_000 });
  await kubectl(['delete', '--ignore-not-found', '--wait=true', '-f', '-'], { input: read('crds/corral.dev_coordinationclusters.yaml'), timeoutMs: 180_000 });
}

/** Ends an operator test: its clusters first, while the operator still runs their finalizers; then the namespace and the operator. */
export async function removeClustersAndOperator(ns: Awaited<ReturnType<typeof testNamespace>> | undefined): Promise<void> {
  if (ns) await kubectl(['delete', 'coordinationclusters', '--all', '-n', ns.name, '--wait=true', '--timeout=120s']);
  await ns?.remove();
  await uninstallOperator();
}

export interface ClusterCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export async function getCluster(ns: string, name: string): Promise<any> {
  return kubectlJson(['get', 'coordinationcluster', name, '-n', ns]);
}

export const condition = (cc: any, type: string): ClusterCondition | undefined => cc.status?.conditions?.find((c: ClusterCondition) => c.type === type);

/** Waits for Ready=True at the current generation; returns the cluster. */
export async function waitReady(ns: string, name: string, timeoutMs = 240_000): Promise<any> {
  return waitUntil(`cluster ${ns}/${name} Ready`, async () => {
    const cc = await getCluster(ns, name);
    const ready = condition(cc, 'Ready');
    return ready?.status === 'True' && cc.status.observedGeneration === cc.metadata.generation ? cc : false;
  }, { timeoutMs, intervalMs: 1000 });
}

/** The member pods of a cluster, by server id. */
export async function memberPods(ns: string, cluster: string): Promise<Map<number, any>> {
  const list = await kubectlJson(['get', 'pods', '-n', ns, '-l', `corral.dev/cluster=${cluster}`]);
  return new Map(list.items.map((p: any) => [Number(p.metadata.labels['corral.dev/server-id']), p]));
}

/** A member's own view (`/commands/members`) through its pod IP. */
export async function membersView(podIP: string): Promise<MembersReply> {
  const res = await fetch(`http://${podIP}:8080/commands/members`, { signal: AbortSignal.timeout(3000) });
  return parseMembersReply(await res.json());
}

/**
 * Runs the `corral` CLI as a pod of its own (where the members' DNS names resolve, as for any application in the
 * cluster) and resolves once it succeeded; a failure throws with the pod's last state.
 */
export async function corralPod(ns: string, name: string, image: string, args: string[]): Promise<void> {
  await apply(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { restartPolicy: 'Never', containers: [{ name: 'cli', image, imagePullPolicy: 'IfNotPresent', command: ['corral', ...args] }] },
    }),
    ns,
  );
  const phase = await waitUntil(`client pod ${name} done`, async () => {
    const p = await kubectlJson(['get', 'pod', name, '-n', ns]);
    return ['Succeeded', 'Failed'].includes(p.status?.phase) ? (p.status.phase as string) : false;
  });
  if (phase !== 'Succeeded') {
    const p = await kubectlJson(['get', 'pod', name, '-n', ns]);
    throw new Error(`corral ${args.join(' ')} failed: ${JSON.stringify(p.status?.containerStatuses?.[0]?.state)}`);
  }
}

/** A CoordinationCluster manifest on the image under test, with small volumes and a short tick. */
export function clusterManifest(name: string, spec: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'corral.dev/v1alpha1',
    kind: 'CoordinationCluster',
    metadata: { name },
    spec: { image: testImage, storage: { size: '64Mi' }, config: { tickTime: '500' }, ...spec },
  });
}

/** Placement on the node of region-<r> (the bed has one node per region). */
export const inRegion = (r: number) => ({ nodeSelector: { 'topology.kubernetes.io/region': `region-${r}` } });

/**
 * Two regions of leader-eligible voters (east: two on corral-node-1, west: one on corral-node-2) and a
 * never-leader tie-breaker in a third (tie: corral-node-3).
 */
export function threeRegions(name: string, extra: Record<string, unknown> = {}): string {
  return clusterManifest(name, {
    groups: [
      { name: 'east', voters: 2, ...inRegion(1) },
      { name: 'west', voters: 1, ...inRegion(2) },
      { name: 'tie', voters: 1, leaderEligible: false, ...inRegion(3) },
    ],
    ...extra,
  });
}

/** A client on the host, dialling the members' pod IPs (the host cannot resolve the in-cluster names). */
export async function clientFor(ns: string, cluster: string): Promise<ZooKeeperClient> {
  const ips = [...(await memberPods(ns, cluster)).values()].flatMap((p) => (p.status?.podIP ? [`${p.status.podIP}:2181`] : [])).join(',');
  return ZooKeeperClient.connect(ips, { connectTimeout: 15_000 });
}

/** The server ids of `/zookeeper/config`, sorted, and the roles they have there. */
export async function configMembership(ns: string, cluster: string): Promise<Map<number, string>> {
  const zk = await clientFor(ns, cluster);
  try {
    await zk.sync('/zookeeper/config');
    const { config } = await zk.getConfig();
    return new Map(
      config
        .split('\n')
        .filter((l) => l.startsWith('server.'))
        .map((l) => [Number(l.slice(7, l.indexOf('='))), l.split(';')[0]!.split(':')[3] ?? 'participant'] as const)
        .sort(([a], [b]) => a - b),
    );
  } finally {
    await zk.close();
  }
}

/** The cluster's Events as `Reason: message`, oldest first; with `since` (a Date.now() value), only those recorded since. */
export async function clusterEvents(ns: string, name: string, since = 0): Promise<string[]> {
  const list = await kubectlJson(['get', 'events', '-n', ns, '--field-selector', `involvedObject.kind=CoordinationCluster,involvedObject.name=${name}`]);
  // Event times have whole seconds.
  const from = Math.floor(since / 1000) * 1000;
  return list.items
    .filter((e: any) => Date.parse(e.lastTimestamp ?? e.eventTime ?? 0) >= from)
    .sort((a: any, b: any) => (a.firstTimestamp ?? '').localeCompare(b.firstTimestamp ?? ''))
    .map((e: any) => `${e.reason}: ${e.message}`);
}

/**
 * Watches a cluster while something runs: which members led (asked of every member, every 200 ms), each member's
 * pod incarnations (uids), and every distinct Progressing condition the operator recorded.
 */
export class ClusterWatch {
  readonly leaders = new Set<number>();
  /** Leaders in the order they were seen leading. */
  readonly leaderSequence: number[] = [];
  readonly podUids = new Map<number, string[]>();
  /** Members in the order a new pod of theirs appeared. */
  readonly replacedOrder: number[] = [];
  readonly progressing: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(private readonly ns: string, private readonly cluster: string) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const [pods, cc] = await Promise.all([memberPods(this.ns, this.cluster).catch(() => new Map()), getCluster(this.ns, this.cluster).catch(() => undefined)]);
      for (const [id, p] of pods) {
        const uids = this.podUids.get(id) ?? [];
        if (uids.includes(p.metadata.uid)) continue;
        if (uids.length > 0) this.replacedOrder.push(id);
        this.podUids.set(id, [...uids, p.metadata.uid]);
      }
      const p = cc && condition(cc, 'Progressing');
      const line = p && `${p.status} ${p.reason}: ${p.message}`;
      if (line && this.progressing.at(-1) !== line) this.progressing.push(line);
      const views = await Promise.all([...pods.values()].filter((p) => p.status?.podIP).map((p) => membersView(p.status.podIP).catch(() => undefined)));
      for (const view of views) {
        for (const m of view?.members ?? []) {
          if (!m.is_leader) continue;
          this.leaders.add(m.id);
          if (this.leaderSequence.at(-1) !== m.id) this.leaderSequence.push(m.id);
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<this> {
    this.running = false;
    await this.loop;
    return this;
  }

  /** How many pods each member had while watched (1 = untouched, 2 = replaced once). */
  incarnations(): Map<number, number> {
    return new Map([...this.podUids].map(([id, uids]) => [id, uids.length]));
  }
}
