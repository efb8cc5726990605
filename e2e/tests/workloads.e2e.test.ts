import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containersOf, onBed } from './support/bed.js';
import { kubectl, testNamespace } from './support/kubectl.js';
import { applyObjects, idleScript, isReady, listPods, scriptPod, testImage, waitForPod } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// Pods the node agent runs for ordinary controllers: a Deployment's replicas get Ready with an address each,
// and deleting an owner lets the garbage collector take its pods, containers and all.

// Each replica answers HTTP on its own pod IP with its name: proof that every pod has an address of its own.
const echo = `
  const ip = process.env.POD_IP;
  require('http').createServer((q, s) => s.end(process.env.POD_NAME)).listen(8080, ip);
  process.on('SIGTERM', () => process.exit(0));`;

describe('workloads', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('e2e-workloads');
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it("gets a Deployment's pods Ready within seconds, each with its own pod IP", async () => {
    const template = scriptPod('echo', echo, {
      env: [
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
      resources: { limits: { memory: '128Mi', cpu: '250m' } },
    });
    const started = Date.now();
    await applyObjects(ns.name, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'echo' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'echo' } },
        template: { metadata: template.metadata, spec: template.spec },
      },
    });
    await kubectl(['-n', ns.name, 'wait', '--for=condition=Available', 'deployment/echo', '--timeout=120s'], { timeoutMs: 130_000 });
    const readyAfterMs = Date.now() - started;
    const pods = await listPods(ns.name, 'app=echo');
    expect(pods).toHaveLength(3);
    expect(pods.every(isReady)).toBe(true);
    const ips = pods.map((p) => p.status!.podIP!);
    expect(new Set(ips).size).toBe(3);
    for (const pod of pods) {
      expect(pod.status!.podIPs).toEqual([{ ip: pod.status!.podIP }]);
      expect(pod.status!.hostIP).toMatch(/^127\.0\.0\.1[1-3]$/);
      const c = pod.status!.containerStatuses![0]!;
      expect(c).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0, image: testImage });
      expect(c.imageID).not.toBe('');
      expect(c.containerID).toMatch(/^\w+:\/\/[0-9a-f]{64}$/);
      expect(c.state?.running?.startedAt).toBeTruthy();
    }
    // The three nodes take the replicas (the scheduler spreads them by default).
    expect(new Set(pods.map((p) => p.spec!.nodeName)).size).toBeGreaterThan(1);
    if (onBed) {
      for (const pod of pods) {
        expect(pod.status!.podIP).toMatch(/^127\./); // a loopback address of its own
        const res = await fetch(`http://${pod.status!.podIP}:8080/`, { signal: AbortSignal.timeout(10_000) });
        expect(await res.text()).toBe(pod.metadata!.name);
      }
    }
    console.log(`deployment of 3 replicas available after ${readyAfterMs} ms`);
  });

  it('removes the pods an owner owned once the owner is deleted, containers included', async () => {
    const pods = await listPods(ns.name, 'app=echo');
    expect(pods.length).toBe(3);
    await kubectl(['-n', ns.name, 'delete', 'deployment', 'echo', '--cascade=background', '--wait=false']);
    await waitUntil('the garbage collector and the agent to remove the pods', async () => (await listPods(ns.name, 'app=echo')).length === 0, {
      timeoutMs: 120_000,
    });
    if (onBed) for (const pod of pods) expect(await containersOf(pod.metadata!.uid!)).toEqual([]);
  });

  it('removes a bare pod whose ownerReference names a deleted ConfigMap', async () => {
    await kubectl(['-n', ns.name, 'create', 'configmap', 'owner']);
    const owner = JSON.parse(await kubectl(['-n', ns.name, 'get', 'configmap', 'owner', '-o', 'json'])) as { metadata: { uid: string } };
    const pod = scriptPod('owned', idleScript) as ReturnType<typeof scriptPod> & { metadata: Record<string, unknown> };
    pod.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }];
    await applyObjects(ns.name, pod);
    const running: V1Pod = await waitForPod(ns.name, 'owned', 'Ready', isReady);
    await kubectl(['-n', ns.name, 'delete', 'configmap', 'owner', '--wait=false']);
    await waitUntil('the owned pod to be collected', async () => (await listPods(ns.name, 'app=owned')).length === 0, { timeoutMs: 120_000 });
    if (onBed) expect(await containersOf(running.metadata!.uid!)).toEqual([]);
  });
});
