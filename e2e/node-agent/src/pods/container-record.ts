import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { labels } from '../runtime/labels.js';
import type { ListedContainer } from '../runtime/podman.js';
import type { Prober } from './probes.js';
import { timestamp, type ContainerState, type ContainerStatus } from './status.js';

/** One container of a pod as the agent tracks it across its runs (restarts). */
export interface ContainerRecord {
  spec: V1Container;
  init: boolean;
  /** The podman container of the current (or last) run. */
  id?: string;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState;
  imageID: string;
  ready: boolean;
  started: boolean;
  probers: Prober[];
  /** When the last run ended (ms), for the restart back-off. */
  finishedAt?: number;
  /** Ended and will not run again (restartPolicy says so). */
  final: boolean;
  /** A probe verdict asking for the container to be killed and restarted. */
  killFor?: string;
  /** No attempt to create the container before this time (ms) after a configuration error. */
  retryAt?: number;
  /** When looking for its image last failed (ms), for ImagePullBackOff. */
  pullFailedAt?: number;
}

export type TerminalPhase = { phase: 'Succeeded' | 'Failed' };

export const waiting = (reason: string, message?: string): ContainerState => ({ waiting: { reason, ...(message ? { message } : {}) } });

/**
 * Records for a pod's init containers and containers, carrying over what its status already says (restart
 * counts, last states). A pod that finished before the agent started is terminal: it must never run again.
 */
export function initialRecords(pod: V1Pod): { records: ContainerRecord[]; terminal?: TerminalPhase } {
  const previous = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const spec = pod.spec!;
  const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' ? pod.status.phase : undefined;
  const records = [
    ...(spec.initContainers ?? []).map((c) => ({ spec: c, init: true })),
    ...spec.containers.map((c) => ({ spec: c, init: false })),
  ].map(({ spec: c, init }): ContainerRecord => {
    const before = previous.find((s) => s.name === c.name);
    return {
      spec: c,
      init,
      restartCount: before?.restartCount ?? 0,
      state: finished && before?.state ? (before.state as ContainerState) : waiting(init ? 'PodInitializing' : 'ContainerCreating'),
      lastState: (before?.lastState as ContainerState | undefined) ?? {},
      imageID: before?.imageID ?? '',
      ready: false,
      started: false,
      probers: [],
      final: finished !== undefined,
    };
  });
  return { records, ...(finished ? { terminal: { phase: finished } } : {}) };
}

export function containerView(r: ContainerRecord): ContainerStatus {
  return {
    name: r.spec.name,
    state: r.state,
    lastState: r.lastState,
    ready: r.ready,
    started: r.started,
    restartCount: r.restartCount,
    image: r.spec.image ?? '',
    imageID: r.imageID,
    ...(r.id ? { containerID: `podman://${r.id}` } : {}),
  };
}

export function stopProbers(r: ContainerRecord): void {
  for (const p of r.probers) p.stop();
  r.probers = [];
}

/**
 * Takes over containers a previous agent process left (running or exited) instead of starting new ones:
 * the latest run of each container becomes its current run. Returns the pod IP they were started with and
 * the older runs, which are no longer needed.
 */
export function adoptContainers(pod: V1Pod, records: ContainerRecord[], containers: ListedContainer[]): { ip?: string; stale: string[] } {
  const ip = containers.map((c) => c.Labels?.[labels.podIP]).find(Boolean);
  const previous = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const stale: string[] = [];
  for (const r of records) {
    const runs = containers
      .filter((c) => c.Labels?.[labels.container] === r.spec.name)
      .sort((a, b) => Number(b.Labels?.[labels.restartCount] ?? 0) - Number(a.Labels?.[labels.restartCount] ?? 0));
    const [latest, ...older] = runs;
    stale.push(...older.map((c) => c.Id));
    if (!latest || r.final) continue;
    r.id = latest.Id;
    r.restartCount = Math.max(r.restartCount, Number(latest.Labels?.[labels.restartCount] ?? 0));
    const before = previous.find((s) => s.name === r.spec.name);
    if (latest.State === 'running') {
      r.state = { running: { startedAt: timestamp(latest.StartedAt * 1000) } };
      r.started = before?.started ?? !r.spec.startupProbe;
      r.ready = !r.init && (before?.ready ?? false);
    } else {
      r.state = {
        terminated: {
          exitCode: latest.ExitCode,
          reason: latest.ExitCode === 0 ? 'Completed' : 'Error',
          startedAt: timestamp(latest.StartedAt * 1000),
          finishedAt: timestamp(latest.ExitedAt * 1000),
          containerID: `podman://${latest.Id}`,
        },
      };
      r.finishedAt = latest.ExitedAt * 1000;
    }
  }
  return { ...(ip ? { ip } : {}), stale };
}
