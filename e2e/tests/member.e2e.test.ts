import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { V1PersistentVolume } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMode } from '../../client/src/index.js';
import { containersOf, onBed, stateDir } from './support/bed.js';
import { exists, kubectl, kubectlJson, testNamespace } from './support/kubectl.js';
import { claim, memberPodSpec, withClient, zooCfgMap } from './support/members.js';
import { applyObjects, getPod, isReady, waitForPod, waitForPodGone } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// One member in a pod, as the operator will run them: zoo.cfg from a ConfigMap, data on a claim the bed's
// provisioner backs with a host directory. Clients connect to the pod IP, which only the bed makes
// reachable from the test process.

const member = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'solo' } },
  spec: memberPodSpec('solo-config', 'solo-data'),
});

describe.runIf(onBed)('a member pod', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('e2e-member');
    await applyObjects(ns.name, zooCfgMap('solo-config', []), claim('solo-data'));
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('serves ZooKeeper clients from its ConfigMap zoo.cfg and its claim', async () => {
    await applyObjects(ns.name, member('solo'));
    const pod = await waitForPod(ns.name, 'solo', 'Ready', isReady, 120_000);
    const address = `${pod.status!.podIP}:2181`;
    await withClient(address, 'a write to the member', (zk) => zk.create('/e2e', Buffer.from('kept'), { mode: CreateMode.Persistent }));
    const pvc = await kubectlJson<{ status: { phase: string }; spec: { volumeName: string; storageClassName: string } }>([
      'get', 'pvc', 'solo-data', '-n', ns.name,
    ]);
    expect(pvc.status.phase).toBe('Bound');
    expect(pvc.spec.storageClassName).toBe('corral-local');
    const pv = await kubectlJson<V1PersistentVolume>(['get', 'pv', pvc.spec.volumeName]);
    // Pinned to the zone of the node the pod was scheduled to (WaitForFirstConsumer).
    const node = await kubectlJson<{ metadata: { labels: Record<string, string> } }>(['get', 'node', pod.spec!.nodeName!]);
    expect(pv.spec!.nodeAffinity!.required!.nodeSelectorTerms[0]!.matchExpressions![0]!.values).toEqual([
      node.metadata.labels['topology.kubernetes.io/zone'],
    ]);
    expect(existsSync(join(pv.spec!.hostPath!.path, 'myid')) || existsSync(pv.spec!.hostPath!.path)).toBe(true);
  });

  it('stops the container within its grace period when the pod is deleted', async () => {
    const pod = await getPod(ns.name, 'solo');
    const grace = pod.spec!.terminationGracePeriodSeconds!;
    const started = Date.now();
    await kubectl(['-n', ns.name, 'delete', 'pod', 'solo', '--wait=false']);
    await waitForPodGone(ns.name, 'solo', (grace + 30) * 1000);
    const tookMs = Date.now() - started;
    // The member exits on SIGTERM (handing over if it led); the agent kills at the end of the grace period.
    expect(tookMs).toBeLessThan(grace * 1000);
    expect(await containersOf(pod.metadata!.uid!)).toEqual([]);
    console.log(`member pod deleted in ${tookMs} ms (grace ${grace} s)`);
  });

  it('finds its data again in a new pod on the same claim', async () => {
    await applyObjects(ns.name, member('solo'));
    const pod = await waitForPod(ns.name, 'solo', 'Ready', isReady, 120_000);
    const data = await withClient(`${pod.status!.podIP}:2181`, 'a read from the new member', async (zk) => (await zk.getData('/e2e')).data);
    expect(data?.toString()).toBe('kept');
  });

  it('deletes the volume and its directory once the claim goes (reclaim policy Delete)', async () => {
    const pvc = await kubectlJson<{ spec: { volumeName: string } }>(['get', 'pvc', 'solo-data', '-n', ns.name]);
    const pv = await kubectlJson<V1PersistentVolume>(['get', 'pv', pvc.spec.volumeName]);
    expect(pv.spec!.persistentVolumeReclaimPolicy).toBe('Delete');
    await kubectl(['-n', ns.name, 'delete', 'pod', 'solo']);
    await kubectl(['-n', ns.name, 'delete', 'pvc', 'solo-data']);
    await waitUntil('the released volume to be deleted', async () => !(await exists(['pv', pvc.spec.volumeName])));
    expect(existsSync(pv.spec!.hostPath!.path)).toBe(false);
  });

  it('keeps a released volume and its data when the class says Retain', async () => {
    const className = `${ns.name}-retain`;
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: className },
        provisioner: 'corral.dev/host-path',
        reclaimPolicy: 'Retain',
        volumeBindingMode: 'WaitForFirstConsumer',
      }),
    });
    let pvName = '';
    try {
      await applyObjects(ns.name, claim('kept-data', className), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'writer' },
        spec: {
          terminationGracePeriodSeconds: 1,
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: memberPodSpec('unused').containers[0]!.image,
              command: ['node', '-e', "require('fs').writeFileSync('/data/file', 'retained')"],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'kept-data' } }],
        },
      });
      await waitForPod(ns.name, 'writer', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
      pvName = (await kubectlJson<{ spec: { volumeName: string } }>(['get', 'pvc', 'kept-data', '-n', ns.name])).spec.volumeName;
      await kubectl(['-n', ns.name, 'delete', 'pod', 'writer']);
      await kubectl(['-n', ns.name, 'delete', 'pvc', 'kept-data']);
      const released = await waitUntil('the volume to be Released', async () => {
        const pv = await kubectlJson<V1PersistentVolume>(['get', 'pv', pvName]);
        return pv.status?.phase === 'Released' ? pv : undefined;
      });
      expect(released.spec!.hostPath!.path.startsWith(stateDir) || released.spec!.hostPath!.path.includes('/volumes/')).toBe(true);
      const { readFileSync, rmSync } = await import('node:fs');
      expect(readFileSync(join(released.spec!.hostPath!.path, 'file'), 'utf8')).toBe('retained');
      rmSync(released.spec!.hostPath!.path, { recursive: true, force: true });
    } finally {
      if (pvName) await kubectl(['delete', 'pv', pvName, '--wait=false']);
      await kubectl(['delete', 'storageclass', className, '--wait=false']);
    }
  });
});
