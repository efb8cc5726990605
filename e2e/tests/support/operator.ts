// Installing the operator on the bed the way a user without Helm would (crds/, operator/rbac, operator/deploy),
// and reading a cluster's state as a user would: through kubectl and the members' own answers.
import { readFileSync } from 'node:fs';
import { parseMembersReply, type MembersReply } from '../../../protocol/src/admin-api.js';
import { apply, kubectl, kubectlJson } from './kubectl.js';
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
