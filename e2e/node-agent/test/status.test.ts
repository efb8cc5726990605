import type { V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildPodStatus, podPhase, timestamp, type ContainerState, type ContainerStatus } from '../src/pods/status.js';

const container = (name: string, state: ContainerState, extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  state,
  lastState: {},
  ready: false,
  started: false,
  restartCount: 0,
  image: 'localhost/corral:dev',
  imageID: 'sha256:abc',
  ...extra,
});
const running = { running: { startedAt: '2030-01-01T00:00:00Z' } };
const exited = (exitCode: number): ContainerState => ({ terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } });
const crashLooping = (exitCode: number) =>
  container('c', { waiting: { reason: 'CrashLoopBackOff' } }, { lastState: exited(exitCode), restartCount: 2 });

describe('podPhase', () => {
  it.each([
    ['Always', [container('c', running)], 'Running'],
    ['Always', [container('c', { waiting: { reason: 'ContainerCreating' } })], 'Pending'],
    ['Always', [crashLooping(1)], 'Running'],
    ['Always', [container('c', exited(0))], 'Running'],
    ['Never', [container('a', exited(0)), container('b', exited(0))], 'Succeeded'],
    ['Never', [container('a', exited(0)), container('b', exited(2))], 'Failed'],
    ['Never', [container('a', running), container('b', exited(2))], 'Running'],
    ['OnFailure', [container('a', exited(0))], 'Succeeded'],
    ['OnFailure', [crashLooping(1)], 'Running'],
  ] as const)('restartPolicy %s, %j → %s', (policy, containers, phase) => {
    expect(podPhase(policy, [], [...containers])).toBe(phase);
  });

  it('is Pending while init containers run, Failed when one fails under restartPolicy Never', () => {
    const main = [container('c', { waiting: { reason: 'PodInitializing' } })];
    expect(podPhase('Always', [container('init', running)], main)).toBe('Pending');
    expect(podPhase('Always', [container('init', { waiting: { reason: 'CrashLoopBackOff' } }, { lastState: exited(1) })], main)).toBe('Pending');
    expect(podPhase('Never', [container('init', exited(1))], main)).toBe('Failed');
    expect(podPhase('Never', [container('init', exited(0))], [container('c', running)])).toBe('Running');
  });
});

describe('buildPodStatus', () => {
  const now = new Date('2030-01-01T00:01:00.250Z');
  const pod = (conditions: V1PodCondition[] = []): V1Pod => ({
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status: { conditions },
  });

  it('reports unready containers by name and is Ready only when all are', () => {
    const s = buildPodStatus({
      pod: pod(),
      hostIP: '127.0.0.11',
      podIP: '127.1.0.5',
      initContainers: [],
      containers: [container('a', running, { ready: true }), container('b', running)],
      now,
    });
    expect(s.phase).toBe('Running');
    expect(s.podIPs).toEqual([{ ip: '127.1.0.5' }]);
    expect(s.hostIPs).toEqual([{ ip: '127.0.0.11' }]);
    const ready = s.conditions.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [b]' });
    expect(ready.lastTransitionTime).toBe('2030-01-01T00:01:00Z');
    expect(s.conditions.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
  });

  it('keeps lastTransitionTime while a condition keeps its status and moves it when the status flips', () => {
    const before = new Date('2030-01-01T00:00:10Z');
    const p = pod([
      { type: 'PodScheduled', status: 'True', lastTransitionTime: before },
      { type: 'Initialized', status: 'True', lastTransitionTime: before },
      { type: 'Ready', status: 'False', lastTransitionTime: before },
    ]);
    const s = buildPodStatus({
      pod: p,
      hostIP: '127.0.0.11',
      podIP: '127.1.0.5',
      initContainers: [],
      containers: [container('a', running, { ready: true }), container('b', running, { ready: true })],
      now,
    });
    const byType = Object.fromEntries(s.conditions.map((c) => [c.type, c]));
    expect(byType.Initialized!.lastTransitionTime).toBe('2030-01-01T00:00:10Z');
    expect(byType.Ready).toMatchObject({ status: 'True', lastTransitionTime: '2030-01-01T00:01:00Z' });
    expect(byType.PodScheduled).toBeUndefined(); // the scheduler's condition is left as it is
  });

  it('waits for readiness gates', () => {
    const p = { ...pod([{ type: 'example.com/gate', status: 'False' }]), spec: { containers: [{ name: 'a' }], readinessGates: [{ conditionType: 'example.com/gate' }] } };
    const s = buildPodStatus({ pod: p, hostIP: 'h', podIP: 'i', initContainers: [], containers: [container('a', running, { ready: true })], now });
    expect(s.conditions.find((c) => c.type === 'ContainersReady')?.status).toBe('True');
    expect(s.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady' });
  });

  it('names init containers still to finish, and marks a finished pod PodCompleted', () => {
    const init = buildPodStatus({
      pod: pod(),
      hostIP: 'h',
      podIP: 'i',
      initContainers: [container('setup', running)],
      containers: [container('a', { waiting: { reason: 'PodInitializing' } })],
      now,
    });
    expect(init.phase).toBe('Pending');
    expect(init.conditions.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', message: 'containers with incomplete status: [setup]' });
    const done = buildPodStatus({ pod: pod(), hostIP: 'h', podIP: 'i', initContainers: [], containers: [container('a', exited(0))], terminal: { phase: 'Succeeded' }, now });
    expect(done.phase).toBe('Succeeded');
    expect(done.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  it('has no pod IP before the sandbox exists', () => {
    const s = buildPodStatus({ pod: pod(), hostIP: 'h', initContainers: [], containers: [container('a', { waiting: { reason: 'ContainerCreating' } })], now });
    expect(s.podIP).toBeUndefined();
    expect(s.phase).toBe('Pending');
    expect(s.conditions.find((c) => c.type === 'PodReadyToStartContainers')?.status).toBe('False');
  });

  it('timestamps drop fractions of a second', () => {
    expect(timestamp(new Date('2030-01-01T00:00:00.999Z'))).toBe('2030-01-01T00:00:00Z');
  });
});
