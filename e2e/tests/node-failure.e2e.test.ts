import type { V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersOf, onBed, setNodeMode } from './support/bed.js';
import { exists, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';
import { applyObjects, containerStatus, getPod, idleScript, isReady, scriptPod, waitForPod, waitForPodGone } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// The agent's control endpoint plays node failures for the operator's tests: a kubelet reporting NotReady,
// a node cut off from the API server, a node that loses power. Each test puts its node back.

const node = 'corral-node-3';

async function nodeReady(): Promise<string | undefined> {
  const n = await kubectlJson<V1Node>(['get', 'node', node]);
  return n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

describe.runIf(onBed)('node failures', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  const pinned = (name: string) => scriptPod(name, idleScript, {}, { nodeName: node });
  beforeAll(async () => {
    ns = await testNamespace('e2e-nodes');
  });
  afterAll(async () => {
    await setNodeMode(node, 'ready');
    await waitUntil(`${node} Ready again`, async () => (await nodeReady()) === 'True', { timeoutMs: 60_000 });
    await ns?.remove();
  });

  it('reports a node NotReady and Ready again on request, its pods running throughout', async () => {
    await applyObjects(ns.name, pinned('steady'));
    const before = await waitForPod(ns.name, 'steady', 'Ready', isReady);
    await setNodeMode(node, 'notready');
    await waitUntil(`${node} NotReady`, async () => (await nodeReady()) === 'False', { timeoutMs: 30_000 });
    const n = await kubectlJson<V1Node>(['get', 'node', node]);
    expect(n.status!.conditions!.find((c) => c.type === 'Ready')!.reason).toBe('KubeletNotReady');
    await setNodeMode(node, 'ready');
    await waitUntil(`${node} Ready`, async () => (await nodeReady()) === 'True', { timeoutMs: 30_000 });
    const after = await waitForPod(ns.name, 'steady', 'Ready', isReady);
    expect(containerStatus(after)!.restartCount).toBe(0);
    expect(containerStatus(after)!.containerID).toBe(containerStatus(before)!.containerID);
  });

  it('holds a deletion while the node is partitioned, and finishes it once the node is back', async () => {
    const pod = await getPod(ns.name, 'steady');
    await setNodeMode(node, 'partitioned');
    await kubectl(['-n', ns.name, 'delete', 'pod', 'steady', '--wait=false']);
    // Cut off, the node hears nothing: the pod stays Terminating and its container keeps running.
    const terminating = await getPod(ns.name, 'steady');
    expect(terminating.metadata!.deletionTimestamp).toBeTruthy();
    await new Promise((r) => setTimeout(r, 3_000)); // long enough for a connected node to have finished the delete
    expect(await exists(['pod', 'steady', '-n', ns.name])).toBe(true);
    expect((await containersOf(pod.metadata!.uid!)).map((c) => c.state)).toEqual(['running']);
    await setNodeMode(node, 'ready');
    await waitForPodGone(ns.name, 'steady', 60_000);
    expect(await containersOf(pod.metadata!.uid!)).toEqual([]);
  });

  it('kills every container on a node that goes down, and restarts them when it comes back', async () => {
    await applyObjects(ns.name, pinned('survivor'));
    const before = await waitForPod(ns.name, 'survivor', 'Ready', isReady);
    await setNodeMode(node, 'down');
    await waitUntil('the container to die with its node', async () => (await containersOf(before.metadata!.uid!)).every((c) => c.state !== 'running'), {
      timeoutMs: 30_000,
    });
    // Silent, the node's Lease runs out and the node lifecycle controller stops believing it Ready.
    await waitUntil(`${node} no longer Ready`, async () => (await nodeReady()) !== 'True', { timeoutMs: 120_000, intervalMs: 2_000 });
    await setNodeMode(node, 'ready');
    const after = await waitForPod(ns.name, 'survivor', 'running again after a restart', (p) => isReady(p) && (containerStatus(p)?.restartCount ?? 0) >= 1, 120_000);
    expect(containerStatus(after)!.lastState!.terminated!.exitCode).toBe(137);
  });
});
