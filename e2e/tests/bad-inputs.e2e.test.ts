import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testNamespace } from './support/kubectl.js';
import { applyObjects, condition, containerStatus, idleScript, isReady, getPod, podEvents, scriptPod, waitForPod } from './support/pods.js';
import { waitUntil } from './support/wait.js';

// What a user sees when a pod cannot run: the reason in the pod's status (and events), as a kubelet
// reports it, while every other pod on the nodes goes on running.

describe('bad inputs', () => {
  let ns: Awaited<ReturnType<typeof testNamespace>>;
  beforeAll(async () => {
    ns = await testNamespace('e2e-bad');
    await applyObjects(ns.name, scriptPod('steady', idleScript));
    await waitForPod(ns.name, 'steady', 'Ready', isReady);
  });
  afterAll(async () => {
    await ns?.remove();
  });

  it('reports an image that does not exist as a pull error, then a pull back-off', async () => {
    const pod = scriptPod('no-image', idleScript, { image: 'localhost/corral-e2e-missing:1' });
    await applyObjects(ns.name, pod);
    const seen = await waitForPod(ns.name, 'no-image', 'waiting on its image', (p) =>
      ['ErrImagePull', 'ImagePullBackOff'].includes(containerStatus(p)?.state?.waiting?.reason ?? ''),
    );
    expect(seen.status!.phase).toBe('Pending');
    expect(containerStatus(seen)!.state!.waiting!.message).toContain('localhost/corral-e2e-missing:1');
    await waitForPod(ns.name, 'no-image', 'in ImagePullBackOff', (p) => containerStatus(p)?.state?.waiting?.reason === 'ImagePullBackOff');
    const events = await podEvents(ns.name, 'no-image');
    expect(events.some((e) => e.startsWith('Failed: Failed to pull image "localhost/corral-e2e-missing:1"'))).toBe(true);
  });

  it('shows a crashing container in CrashLoopBackOff, restarting it with growing delays', async () => {
    await applyObjects(ns.name, scriptPod('crasher', 'process.exit(3)'));
    const backingOff = (restarts: number) => (p: V1Pod) =>
      containerStatus(p)?.restartCount === restarts && containerStatus(p)?.state?.waiting?.reason === 'CrashLoopBackOff';
    // As the kubelet: the first restart is at once, then the wait doubles from 10 s.
    const first = containerStatus(await waitForPod(ns.name, 'crasher', 'backing off after one restart', backingOff(1)))!;
    expect(first.state!.waiting!.message).toMatch(/^back-off 10s restarting failed container=main pod=crasher_/);
    expect(first.lastState!.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const looping = await waitForPod(ns.name, 'crasher', 'backing off after two restarts', backingOff(2), 120_000);
    const second = containerStatus(looping)!;
    expect(second.state!.waiting!.message).toMatch(/^back-off 20s /);
    const waited = Date.parse(second.lastState!.terminated!.startedAt as unknown as string) - Date.parse(first.lastState!.terminated!.finishedAt as unknown as string);
    expect(waited).toBeGreaterThanOrEqual(9_000); // whole-second timestamps
    expect(looping.status!.phase).toBe('Running');
    expect(condition(looping, 'Ready')).toBe('False');
    const events = await podEvents(ns.name, 'crasher');
    expect(events.some((e) => e.startsWith('BackOff: Back-off restarting failed container main'))).toBe(true);
  });

  it('keeps a pod whose ConfigMap volume is missing Pending with a FailedMount event, and starts it once it exists', async () => {
    await applyObjects(
      ns.name,
      scriptPod('no-config', idleScript, { volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }, { volumes: [{ name: 'cfg', configMap: { name: 'absent' } }] }),
    );
    const events = await waitUntil('a FailedMount event', async () => {
      const all = await podEvents(ns.name, 'no-config');
      return all.some((e) => e.startsWith('FailedMount:')) ? all : undefined;
    });
    expect(events).toContain('FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found');
    const pending = await getPod(ns.name, 'no-config');
    expect(pending.status!.phase).toBe('Pending');
    expect(containerStatus(pending)?.state?.waiting?.reason).toBe('ContainerCreating');
    await applyObjects(ns.name, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'absent' }, data: { k: 'v' } });
    await waitForPod(ns.name, 'no-config', 'Ready once the ConfigMap exists', isReady);
  });

  it('leaves a pod whose claim does not exist unscheduled, saying which claim', async () => {
    await applyObjects(
      ns.name,
      scriptPod('no-claim', idleScript, { volumeMounts: [{ name: 'data', mountPath: '/data' }] }, {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'absent-claim' } }],
      }),
    );
    const pod = await waitForPod(ns.name, 'no-claim', 'unschedulable', (p) => condition(p, 'PodScheduled') === 'False');
    const scheduled = pod.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
    expect(scheduled.reason).toBe('Unschedulable');
    expect(scheduled.message).toContain('persistentvolumeclaim "absent-claim" not found');
  });

  it('reports a reference to a missing Secret key as CreateContainerConfigError', async () => {
    await applyObjects(
      ns.name,
      scriptPod('no-secret', idleScript, {
        env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'absent-secret', key: 'password' } } }],
      }),
    );
    const pod = await waitForPod(ns.name, 'no-secret', 'in CreateContainerConfigError', (p) => containerStatus(p)?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(containerStatus(pod)!.state!.waiting!.message).toBe('secret "absent-secret" not found');
  });

  it('keeps serving other pods meanwhile', async () => {
    const steady = await getPod(ns.name, 'steady');
    expect(isReady(steady)).toBe(true);
    expect(containerStatus(steady)!.restartCount).toBe(0);
    await applyObjects(ns.name, scriptPod('newcomer', idleScript));
    await waitForPod(ns.name, 'newcomer', 'Ready', isReady);
  });
});
