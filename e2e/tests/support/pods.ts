import type { V1Pod } from '@kubernetes/client-node';
import { exists, kubectl, kubectlJson } from './kubectl.js';
import { waitUntil } from './wait.js';

/** Pod lookups and waits for the pod-level e2e tests. Every wait is bounded and says what it waited for. */

export async function getPod(namespace: string, name: string): Promise<V1Pod> {
  return kubectlJson<V1Pod>(['get', 'pod', name, '-n', namespace]);
}

export async function listPods(namespace: string, selector?: string): Promise<V1Pod[]> {
  const args = ['get', 'pods', '-n', namespace, ...(selector ? ['-l', selector] : [])];
  return (await kubectlJson<{ items: V1Pod[] }>(args)).items;
}

export function condition(pod: V1Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

export const isReady = (pod: V1Pod) => condition(pod, 'Ready') === 'True';

export function containerStatus(pod: V1Pod, name?: string) {
  const all = pod.status?.containerStatuses ?? [];
  return name ? all.find((c) => c.name === name) : all[0];
}

/** Waits until the pod satisfies `check`, returning it; the timeout message shows the pod's status. */
export async function waitForPod(
  namespace: string,
  name: string,
  what: string,
  check: (pod: V1Pod) => boolean,
  timeoutMs = 90_000,
): Promise<V1Pod> {
  let last: V1Pod | undefined;
  try {
    return await waitUntil(
      `pod ${namespace}/${name}: ${what}`,
      async () => {
        last = await getPod(namespace, name);
        return check(last) ? last : undefined;
      },
      { timeoutMs },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last?.status)}`);
  }
}

export async function waitForPodGone(namespace: string, name: string, timeoutMs = 90_000): Promise<void> {
  await waitUntil(`pod ${namespace}/${name} to be gone`, async () => !(await exists(['pod', name, '-n', namespace])), {
    timeoutMs,
  });
}

/** The pod's events as `Reason: message` lines, oldest first. */
export async function podEvents(namespace: string, name: string): Promise<string[]> {
  const list = await kubectlJson<{ items: { reason: string; message: string; lastTimestamp?: string }[] }>([
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.kind=Pod,involvedObject.name=${name}`,
  ]);
  return list.items
    .sort((a, b) => (a.lastTimestamp ?? '').localeCompare(b.lastTimestamp ?? ''))
    .map((e) => `${e.reason}: ${e.message}`);
}

/** Creates (or updates) objects given as plain objects; returns kubectl's output. */
export async function applyObjects(namespace: string, ...objects: object[]): Promise<string> {
  return kubectl(['-n', namespace, 'apply', '-f', '-'], { input: objects.map((o) => JSON.stringify(o)).join('\n') });
}

export const testImage = process.env.CORRAL_E2E_IMAGE ?? 'localhost/corral:dev';

/**
 * A pod running a small Node.js program in the member image (which has node on PATH): the tests' stand-in
 * for an arbitrary workload. `extra` is merged into the container.
 */
export function scriptPod(name: string, script: string, extra: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 5,
      ...podSpec,
      containers: [
        {
          name: 'main',
          image: testImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', script],
          env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          ...extra,
        },
      ],
    },
  };
}

/** A script that idles until SIGTERM and then exits at once (node as PID 1 would otherwise ignore it). */
export const idleScript = "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);";
