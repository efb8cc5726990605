import type { V1Pod } from '@kubernetes/client-node';
import type { ImageInfo } from '../runtime/podman.js';
import type { PreparedVolume } from '../volumes/volumes.js';
import { containerCreateSpec } from './container-config.js';
import { stopProbers, waiting, type ContainerRecord } from './container-record.js';
import type { PodContext } from './context.js';
import { ContainerConfigError, containerEnv } from './env.js';
import { timestamp } from './status.js';

/** What starting a container needs from its pod worker. */
export interface RunScope {
  ctx: PodContext;
  pod: V1Pod;
  uid: string;
  podIP: string;
  hostIP: string;
  sandboxDir: string;
  volumes: Map<string, PreparedVolume>;
  record(type: 'Normal' | 'Warning', reason: string, message: string, r?: ContainerRecord): void;
  kick(delayMs?: number): void;
}

/**
 * Starts the next run of a container: its image, its configuration, podman create and start, each failure
 * reported as the kubelet would (ErrImagePull, CreateContainerConfigError, CreateContainerError, StartError).
 * Returns whether it is running.
 */
export async function startContainer(s: RunScope, r: ContainerRecord): Promise<boolean> {
  const podman = s.ctx.podman;
  const previousId = r.id;
  r.retryAt = undefined;
  const image = await ensureImage(s, r);
  if (!image) return false;

  let spec;
  try {
    const env = containerEnv(s.pod, r.spec, { podIP: s.podIP, hostIP: s.hostIP }, s.ctx.volumes, s.ctx.serviceEnv);
    spec = containerCreateSpec({
      instance: s.ctx.instance,
      pod: s.pod,
      container: r.spec,
      restartCount: r.restartCount,
      env,
      volumes: s.volumes,
      sandboxDir: s.sandboxDir,
      podIP: s.podIP,
    });
  } catch (err) {
    if (!(err instanceof ContainerConfigError)) throw err;
    r.state = waiting('CreateContainerConfigError', err.message);
    r.retryAt = Date.now() + 5_000;
    s.record('Warning', 'Failed', `Error: ${err.message}`, r);
    s.kick(5_000);
    return false;
  }

  // The previous run's container is no longer needed (its exit is in lastState), nor is a half-made one
  // left under this run's name by an agent that died mid-create.
  await podman.remove([...(previousId ? [previousId] : []), spec.name]);
  let id: string;
  try {
    id = await podman.create(spec);
  } catch (err) {
    r.state = waiting('CreateContainerError', (err as Error).message);
    r.retryAt = Date.now() + 10_000;
    s.record('Warning', 'Failed', `Error: ${(err as Error).message}`, r);
    s.kick(10_000);
    return false;
  }
  r.id = id;
  r.imageID = image.imageID;
  s.record('Normal', 'Created', `Created container: ${r.spec.name}`, r);
  try {
    await podman.start(id);
  } catch (err) {
    // e.g. the command does not exist in the image: the kubelet reports a run that ended at once.
    const inspected = await podman.inspect(id);
    r.state = {
      terminated: {
        exitCode: inspected?.State.ExitCode || 128,
        reason: 'StartError',
        message: (err as Error).message,
        startedAt: '1970-01-01T00:00:00Z',
        finishedAt: timestamp(new Date()),
        containerID: `podman://${id}`,
      },
    };
    r.finishedAt = Date.now();
    s.record('Warning', 'Failed', `Error: ${(err as Error).message}`, r);
    s.kick();
    return false;
  }
  s.ctx.monitor.noteStarted(id, s.uid);
  r.state = { running: { startedAt: timestamp(new Date()) } };
  r.started = !r.spec.startupProbe;
  r.ready = !r.init && r.started && !r.spec.readinessProbe;
  s.record('Normal', 'Started', `Started container ${r.spec.name}`, r);
  return true;
}

/**
 * There is no registry to pull from: an image is either in local storage or it is not. A missing one is
 * reported as a failed pull, retried with back-off (it may be built meanwhile).
 */
async function ensureImage(s: RunScope, r: ContainerRecord): Promise<ImageInfo | undefined> {
  const ref = r.spec.image!;
  const image = await s.ctx.podman.image(ref);
  if (image) {
    r.pullFailedAt = undefined;
    s.record('Normal', 'Pulled', `Container image "${ref}" already present on machine`, r);
    return image;
  }
  if (r.spec.imagePullPolicy === 'Never') {
    r.state = waiting('ErrImageNeverPull', `Container image "${ref}" is not present with pull policy of Never`);
    s.record('Warning', 'ErrImageNeverPull', r.state.waiting!.message!, r);
    r.retryAt = Date.now() + 10_000;
    s.kick(10_000);
    return undefined;
  }
  const key = `${s.uid}/${r.spec.name}/image`;
  if (r.pullFailedAt !== undefined) {
    const wait = s.ctx.imageBackoff.remaining(key, r.pullFailedAt, Date.now());
    if (wait > 0) {
      r.state = waiting('ImagePullBackOff', `Back-off pulling image "${ref}"`);
      s.record('Normal', 'BackOff', `Back-off pulling image "${ref}"`, r);
      s.kick(wait);
      return undefined;
    }
  }
  r.pullFailedAt = Date.now();
  s.ctx.imageBackoff.next(key, r.pullFailedAt);
  const message = `image "${ref}" is not present in local storage, and the test bed pulls from no registry`;
  r.state = waiting('ErrImagePull', message);
  s.record('Warning', 'Failed', `Failed to pull image "${ref}": ${message}`, r);
  s.kick(s.ctx.imageBackoff.currentDelay(key));
  return undefined;
}

/** Reads how a run ended from podman (the news that it did came from its events or a listing). */
export async function observeExit(ctx: PodContext, uid: string, r: ContainerRecord): Promise<void> {
  const inspected = await ctx.podman.inspect(r.id!);
  if (inspected?.State.Status === 'running') {
    ctx.monitor.noteStarted(r.id!, uid); // stale news
    return;
  }
  stopProbers(r);
  r.ready = false;
  r.started = false;
  const containerID = `podman://${r.id}`;
  if (!inspected) {
    r.state = {
      terminated: {
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message: 'The container could not be located when the pod was terminated',
        containerID,
      },
    };
    r.finishedAt = Date.now();
    return;
  }
  const s = inspected.State;
  const finished = new Date(s.FinishedAt);
  const finishedAt = Number.isNaN(finished.getTime()) || finished.getTime() <= 0 ? new Date() : finished;
  r.state = {
    terminated: {
      exitCode: s.ExitCode,
      reason: s.OOMKilled ? 'OOMKilled' : s.ExitCode === 0 ? 'Completed' : 'Error',
      ...(s.ExitCode > 128 ? { signal: s.ExitCode - 128 } : {}),
      startedAt: timestamp(s.StartedAt),
      finishedAt: timestamp(finishedAt),
      containerID,
    },
  };
  r.finishedAt = finishedAt.getTime();
}
