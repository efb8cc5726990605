import type { V1Pod } from '@kubernetes/client-node';

/** Pod status as plain JSON (times as RFC 3339 strings), ready to be sent as a patch. */

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: {
    exitCode: number;
    reason: string;
    message?: string;
    signal?: number;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

export interface PodStatus {
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  conditions: Condition[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses: ContainerStatus[];
  message?: string;
  reason?: string;
}

export interface StatusInput {
  pod: V1Pod;
  hostIP: string;
  /** Unset until the pod's sandbox (address, directories) exists. */
  podIP?: string;
  initContainers: ContainerStatus[];
  containers: ContainerStatus[];
  /** Set once the pod has ended for good (no container will run again), with why when it failed. */
  terminal?: { phase: 'Succeeded' | 'Failed'; reason?: string; message?: string };
  now: Date;
}

/** RFC 3339 with whole seconds, as the API server writes metav1.Time. */
export function timestamp(at: Date | number | string): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildPodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input;
  const phase = input.terminal?.phase ?? podPhase(pod.spec?.restartPolicy ?? 'Always', input.initContainers, input.containers);
  const previous = pod.status?.conditions ?? [];
  const condition = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
    const status = ok ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    const since = before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return {
      type,
      status,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
      lastProbeTime: null,
      lastTransitionTime: timestamp(since),
    };
  };

  const unfinishedInit = input.initContainers.filter((c) => !(c.state.terminated && c.state.terminated.exitCode === 0));
  const initialized = unfinishedInit.length === 0 || phase === 'Succeeded';
  const unready = input.containers.filter((c) => !c.ready).map((c) => c.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const gatesPending = (pod.spec?.readinessGates ?? [])
    .map((g) => g.conditionType)
    .filter((type) => previous.find((c) => c.type === type)?.status !== 'True');
  const containersReady = !terminal && unready.length === 0;
  const notReadyReason = terminal ? 'PodCompleted' : unready.length > 0 ? 'ContainersNotReady' : 'ReadinessGatesNotReady';
  const notReadyMessage = terminal
    ? undefined
    : unready.length > 0
      ? `containers with unready status: [${unready.join(' ')}]`
      : `corresponding condition of pod readiness gate "${gatesPending.join('", "')}" does not exist or is not True`;

  const conditions: Condition[] = [
    condition('PodReadyToStartContainers', input.podIP !== undefined && !terminal),
    initialized
      ? condition('Initialized', true, terminal && input.initContainers.length > 0 ? 'PodCompleted' : undefined)
      : condition('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${unfinishedInit.map((c) => c.name).join(' ')}]`),
    containersReady
      ? condition('ContainersReady', true)
      : condition('ContainersReady', false, terminal ? 'PodCompleted' : 'ContainersNotReady', terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`),
    containersReady && gatesPending.length === 0
      ? condition('Ready', true)
      : condition('Ready', false, notReadyReason, notReadyMessage),
  ];
  // PodScheduled is the scheduler's; a pod created with spec.nodeName set never went through it.
  if (!previous.some((c) => c.type === 'PodScheduled')) conditions.unshift(condition('PodScheduled', true));

  return {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    startTime: timestamp(pod.status?.startTime ?? now),
    ...(input.initContainers.length > 0 ? { initContainerStatuses: input.initContainers } : {}),
    containerStatuses: input.containers,
    ...(input.terminal?.reason ? { reason: input.terminal.reason } : {}),
    ...(input.terminal?.message ? { message: input.terminal.message } : {}),
  };
}

/** The kubelet's getPhase, for pods without sidecar (restartable init) containers. */
export function podPhase(
  restartPolicy: string,
  initContainers: ContainerStatus[],
  containers: ContainerStatus[],
): PodStatus['phase'] {
  const failedBefore = (c: ContainerStatus) =>
    (c.state.terminated && c.state.terminated.exitCode !== 0) ||
    (c.state.waiting !== undefined && c.lastState.terminated !== undefined && c.lastState.terminated.exitCode !== 0);
  const initDone = (c: ContainerStatus) => c.state.terminated?.exitCode === 0;
  if (initContainers.some(failedBefore) && restartPolicy === 'Never') return 'Failed';
  if (!initContainers.every(initDone)) return 'Pending';

  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of containers) {
    if (c.state.running) running++;
    else if (c.state.terminated) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped === 0) return 'Pending';
  if (restartPolicy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  return restartPolicy === 'Never' ? 'Failed' : 'Running';
}

