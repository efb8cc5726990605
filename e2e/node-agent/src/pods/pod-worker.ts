import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { describeError, isNotFound, statusCode, strategicMergePatch } from '../kube/api.js';
import { renderResolvConf } from '../net/resolv-conf.js';
import { labels } from '../runtime/labels.js';
import type { ImageInfo, ListedContainer } from '../runtime/podman.js';
import { prepareVolumes, VolumeError, type PreparedVolume } from '../volumes/volumes.js';
import { containerCreateSpec, podHostname } from './container-config.js';
import type { PodContext } from './context.js';
import { ContainerConfigError, containerEnv } from './env.js';
import { Prober, runProbe, type ProbeKind } from './probes.js';
import { buildPodStatus, timestamp, type Condition, type ContainerState, type ContainerStatus, type PodStatus } from './status.js';

/** One container of the pod as the agent tracks it across restarts. */
interface ContainerRecord {
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

const waiting = (reason: string, message?: string): ContainerState => ({ waiting: { reason, ...(message ? { message } : {}) } });

/**
 * Plays the kubelet for one pod: sets up its sandbox (address, hosts file, volumes), runs init containers in
 * order and then the containers, probes them, restarts them per restartPolicy with back-off, writes the
 * pod's status, and on deletion stops the containers within the grace period and finishes the delete.
 * All work for the pod runs one step at a time through `kick`; probes and podman events only kick.
 */
export class PodWorker {
  readonly uid: string;
  private pod: V1Pod;
  private readonly records: ContainerRecord[];
  private readonly dir: string;
  private ip: string | undefined;
  private volumes = new Map<string, PreparedVolume>();
  private terminal: { phase: 'Succeeded' | 'Failed'; reason?: string; message?: string } | undefined;
  private removed = false;
  private torn = false;
  private poweredOff = false;
  private terminating = false;
  private lastStatus = '';
  private writtenConditions: Condition[] = [];
  private readonly firstSeen = new Date();
  private syncing = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;

  constructor(
    private readonly ctx: PodContext,
    pod: V1Pod,
    adopted: ListedContainer[],
    private readonly onDone: (uid: string) => void,
  ) {
    this.uid = pod.metadata!.uid!;
    this.pod = pod;
    this.dir = join(ctx.podsDir, this.uid);
    const spec = pod.spec!;
    const previous = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    this.records = [
      ...(spec.initContainers ?? []).map((c) => ({ spec: c, init: true })),
      ...spec.containers.map((c) => ({ spec: c, init: false })),
    ].map(({ spec: c, init }) => {
      const before = previous.find((s) => s.name === c.name);
      return {
        spec: c,
        init,
        restartCount: before?.restartCount ?? 0,
        state: waiting(init ? 'PodInitializing' : 'ContainerCreating'),
        lastState: (before?.lastState as ContainerState | undefined) ?? {},
        imageID: before?.imageID ?? '',
        ready: false,
        started: false,
        probers: [],
        final: false,
      };
    });
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      // Finished before the agent (re)started: it must never run again.
      this.terminal = { phase: pod.status.phase };
      for (const r of this.records) {
        const before = previous.find((s) => s.name === r.spec.name);
        if (before?.state) r.state = before.state as ContainerState;
        r.final = true;
      }
    }
    this.adopt(adopted);
  }

  /** A newer version of the pod from the API server. */
  update(pod: V1Pod): void {
    if (pod.metadata?.uid !== this.uid) return;
    this.pod = pod;
    this.kick();
  }

  /** The pod is gone from the API server (deleted with no grace, or its node changed): stop everything now. */
  gone(): void {
    if (this.removed) return;
    this.removed = true;
    const ids = this.records.map((r) => r.id).filter((id): id is string => Boolean(id));
    void this.ctx.podman.kill(ids).catch(() => {});
    this.kick();
  }

  /** Runs a sync now (or after delayMs); syncs never overlap, and a kick during one runs another after it. */
  kick(delayMs = 0): void {
    if (this.torn) return;
    if (delayMs > 0) {
      const due = Date.now() + delayMs;
      if (due >= this.timerDue) return;
      clearTimeout(this.timer);
      this.timerDue = due;
      this.timer = setTimeout(() => {
        this.timerDue = Infinity;
        this.kick();
      }, delayMs);
      return;
    }
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    void (async () => {
      do {
        this.again = false;
        try {
          await this.sync();
        } catch (err) {
          this.ctx.log.error({ pod: this.describe(), err: (err as Error).stack ?? String(err) }, 'pod sync failed');
          this.kick(5_000);
        }
      } while (this.again && !this.torn);
      this.syncing = false;
    })();
  }

  /** Stops probes and timers without touching containers (agent shutdown, leaving them to be adopted). */
  detach(): void {
    this.torn = true;
    clearTimeout(this.timer);
    for (const r of this.records) this.stopProbers(r);
  }

  get nodeName(): string {
    return this.pod.spec!.nodeName!;
  }

  get namespace(): string {
    return this.pod.metadata!.namespace!;
  }

  private describe(): string {
    return `${this.pod.metadata!.namespace}/${this.pod.metadata!.name}`;
  }

  private get connected(): boolean {
    return this.ctx.nodes.connected(this.nodeName);
  }

  private async sync(): Promise<void> {
    if (this.torn) return;
    if (this.ctx.nodes.mode(this.nodeName) === 'down') {
      await this.powerOff();
      return;
    }
    this.poweredOff = false;
    if (this.removed) {
      await this.teardown(false);
      return;
    }
    // A partitioned node does not hear about the deletion: its containers go on running.
    if (this.connected && this.pod.metadata?.deletionTimestamp) {
      await this.terminate();
      return;
    }
    if (!this.terminal) await this.run();
    if (this.connected) await this.writeStatus();
  }

  // ---- running the pod -------------------------------------------------------------------------------

  private async run(): Promise<void> {
    if (!this.setUpSandbox()) return;
    try {
      this.volumes = await prepareVolumes(this.pod, this.dir, this.addresses(), this.ctx.volumes);
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      this.record('Warning', 'FailedMount', err.message);
      this.kick(5_000);
      return;
    }
    const inits = this.records.filter((r) => r.init);
    for (const r of inits) {
      if (r.state.terminated?.exitCode === 0) continue;
      await this.step(r);
      if (r.final && r.state.terminated && r.state.terminated.exitCode !== 0) {
        this.finish('Failed');
        return;
      }
      if (r.state.terminated?.exitCode !== 0) return; // still initialising
    }
    const mains = this.records.filter((r) => !r.init);
    for (const r of mains) await this.step(r);
    if (mains.every((r) => r.final)) {
      this.finish(mains.every((r) => r.state.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed');
    }
  }

  private finish(phase: 'Succeeded' | 'Failed'): void {
    this.terminal = { phase };
    for (const r of this.records) this.stopProbers(r);
    this.ctx.log.info({ pod: this.describe(), phase }, 'pod finished');
  }

  /** Address, directory and hosts file: the test bed's pod sandbox. */
  private setUpSandbox(): boolean {
    if (!this.ip) {
      const previous = this.pod.status?.podIP;
      try {
        if (previous && !this.ctx.ips.claim(this.uid, previous)) {
          // The API server never lets a pod's IP change: keep it even when the allocator cannot vouch for it.
          this.ctx.log.warn({ pod: this.describe(), ip: previous }, 'pod IP outside the range or already taken; keeping it');
        }
        this.ip = previous ?? this.ctx.ips.allocate(this.uid);
      } catch (err) {
        this.record('Warning', 'FailedCreatePodSandBox', (err as Error).message);
        this.kick(10_000);
        return false;
      }
    }
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, 'resolv.conf'), renderResolvConf(this.namespace, this.pod.spec?.dnsPolicy, this.pod.spec?.dnsConfig));
    this.ctx.hosts.write(
      this.uid,
      { ip: this.ip, hostname: podHostname(this.pod), subdomain: this.pod.spec?.subdomain, namespace: this.namespace },
      this.hostsPath,
    );
    return true;
  }

  private get hostsPath(): string {
    return join(this.dir, 'hosts');
  }

  private addresses() {
    return { podIP: this.ip ?? '', hostIP: this.ctx.nodes.get(this.nodeName)?.hostIP ?? '' };
  }

  /** One container: notice an exit, carry out a probe's kill, restart with back-off, or start it. */
  private async step(r: ContainerRecord): Promise<void> {
    if (r.id && r.state.running) {
      const known = this.ctx.monitor.state(r.id);
      if (known === 'exited' || known === 'missing') await this.observeExit(r);
    }
    if (r.killFor && r.state.running && r.id) {
      this.record('Normal', 'Killing', r.killFor, r);
      await this.ctx.podman.stop(r.id, this.graceSeconds(r)).catch(() => {});
      await this.observeExit(r);
    }
    r.killFor = undefined;
    if (r.state.running) {
      this.startProbers(r);
      return;
    }
    if (r.final) return;
    const ended = r.state.terminated ?? (r.state.waiting?.reason === 'CrashLoopBackOff' ? r.lastState.terminated : undefined);
    if (ended) {
      const policy = this.pod.spec?.restartPolicy ?? 'Always';
      // Init containers are done once they succeed; they are retried on failure unless the policy is Never.
      const restart = r.init ? ended.exitCode !== 0 && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && ended.exitCode !== 0);
      if (!restart) {
        r.final = true;
        return;
      }
      const key = `${this.uid}/${r.spec.name}`;
      const since = r.finishedAt ?? Date.now();
      const wait = this.ctx.crashBackoff.remaining(key, since, Date.now());
      if (r.state.terminated) {
        r.lastState = r.state;
        r.state = {};
      }
      if (wait > 0) {
        const delay = Math.round(this.ctx.crashBackoff.currentDelay(key) / 1000);
        const meta = this.pod.metadata!;
        r.state = waiting('CrashLoopBackOff', `back-off ${delay}s restarting failed container=${r.spec.name} pod=${meta.name}_${meta.namespace}(${meta.uid})`);
        this.record('Warning', 'BackOff', `Back-off restarting failed container ${r.spec.name} in pod ${meta.name}_${meta.namespace}(${meta.uid})`, r);
        this.kick(wait);
        return;
      }
      this.ctx.crashBackoff.next(key, since);
      r.restartCount++;
      await this.startContainer(r);
      return;
    }
    if (r.retryAt !== undefined && Date.now() < r.retryAt) {
      this.kick(r.retryAt - Date.now());
      return;
    }
    await this.startContainer(r);
  }

  private async startContainer(r: ContainerRecord): Promise<void> {
    const podman = this.ctx.podman;
    const previousId = r.id;
    r.retryAt = undefined;
    const image = await this.ensureImage(r);
    if (!image) return;

    let spec;
    try {
      const env = containerEnv(this.pod, r.spec, this.addresses(), this.ctx.volumes, this.ctx.serviceEnv);
      spec = containerCreateSpec({
        instance: this.ctx.instance,
        pod: this.pod,
        container: r.spec,
        restartCount: r.restartCount,
        env,
        volumes: this.volumes,
        sandboxDir: this.dir,
        podIP: this.ip!,
      });
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      r.state = waiting('CreateContainerConfigError', err.message);
      r.retryAt = Date.now() + 5_000;
      this.record('Warning', 'Failed', `Error: ${err.message}`, r);
      this.kick(5_000);
      return;
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
      this.record('Warning', 'Failed', `Error: ${(err as Error).message}`, r);
      this.kick(10_000);
      return;
    }
    r.id = id;
    r.imageID = image.imageID;
    this.record('Normal', 'Created', `Created container: ${r.spec.name}`, r);
    try {
      await podman.start(id);
    } catch (err) {
      // e.g. the command does not exist in the image: the kubelet reports a run that ended at once.
      const inspected = await podman.inspect(id);
      const now = timestamp(new Date());
      r.state = {
        terminated: {
          exitCode: inspected?.State.ExitCode || 128,
          reason: 'StartError',
          message: (err as Error).message,
          startedAt: '1970-01-01T00:00:00Z',
          finishedAt: now,
          containerID: `podman://${id}`,
        },
      };
      r.finishedAt = Date.now();
      this.record('Warning', 'Failed', `Error: ${(err as Error).message}`, r);
      this.kick();
      return;
    }
    this.ctx.monitor.noteStarted(id, this.uid);
    r.state = { running: { startedAt: timestamp(new Date()) } };
    r.started = !r.spec.startupProbe;
    r.ready = !r.init && r.started && !r.spec.readinessProbe;
    this.record('Normal', 'Started', `Started container ${r.spec.name}`, r);
    if (!r.init) this.startProbers(r);
  }

  /**
   * There is no registry to pull from: an image is either in local storage or it is not. A missing one is
   * reported as a failed pull, retried with back-off (it may be built meanwhile).
   */
  private async ensureImage(r: ContainerRecord): Promise<ImageInfo | undefined> {
    const ref = r.spec.image!;
    const image = await this.ctx.podman.image(ref);
    if (image) {
      r.pullFailedAt = undefined;
      this.record('Normal', 'Pulled', `Container image "${ref}" already present on machine`, r);
      return image;
    }
    if (r.spec.imagePullPolicy === 'Never') {
      r.state = waiting('ErrImageNeverPull', `Container image "${ref}" is not present with pull policy of Never`);
      this.record('Warning', 'ErrImageNeverPull', r.state.waiting!.message!, r);
      r.retryAt = Date.now() + 10_000;
      this.kick(10_000);
      return undefined;
    }
    const key = `${this.uid}/${r.spec.name}/image`;
    if (r.pullFailedAt !== undefined) {
      const wait = this.ctx.imageBackoff.remaining(key, r.pullFailedAt, Date.now());
      if (wait > 0) {
        r.state = waiting('ImagePullBackOff', `Back-off pulling image "${ref}"`);
        this.record('Normal', 'BackOff', `Back-off pulling image "${ref}"`, r);
        this.kick(wait);
        return undefined;
      }
    }
    r.pullFailedAt = Date.now();
    this.ctx.imageBackoff.next(key, r.pullFailedAt);
    const message = `image "${ref}" is not present in local storage, and the test bed pulls from no registry`;
    r.state = waiting('ErrImagePull', message);
    this.record('Warning', 'Failed', `Failed to pull image "${ref}": ${message}`, r);
    this.kick(this.ctx.imageBackoff.currentDelay(key));
    return undefined;
  }

  /** Reads how a run ended from podman (the news that it did came from its events or a listing). */
  private async observeExit(r: ContainerRecord): Promise<void> {
    const inspected = await this.ctx.podman.inspect(r.id!);
    if (inspected?.State.Status === 'running') {
      this.ctx.monitor.noteStarted(r.id!, this.uid); // stale news
      return;
    }
    this.stopProbers(r);
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

  private graceSeconds(r?: ContainerRecord): number {
    const probeGrace = r?.killFor ? (r.spec.livenessProbe?.terminationGracePeriodSeconds ?? r.spec.startupProbe?.terminationGracePeriodSeconds) : undefined;
    return probeGrace ?? this.pod.metadata?.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
  }

  // ---- probes ----------------------------------------------------------------------------------------

  private startProbers(r: ContainerRecord): void {
    if (r.probers.length > 0 || r.init || !r.id || this.terminal) return;
    const id = r.id;
    const kinds: [ProbeKind, V1Container['livenessProbe']][] = [
      ['startup', r.spec.startupProbe],
      ['liveness', r.spec.livenessProbe],
      ['readiness', r.spec.readinessProbe],
    ];
    for (const [kind, probe] of kinds) {
      if (!probe) continue;
      const name = `${kind[0]!.toUpperCase()}${kind.slice(1)}`;
      const prober = new Prober(
        kind,
        probe,
        () => runProbe(probe, r.spec, this.ip!, id, this.ctx.podman),
        (ok) => this.onProbeResult(r, id, kind, ok),
        (message) => {
          // Liveness and readiness wait for the startup probe; their failures before then are not news.
          if (kind !== 'startup' && !r.started) return;
          this.record('Warning', 'Unhealthy', `${name} probe failed: ${message}`, r);
        },
      );
      r.probers.push(prober);
      // Liveness and readiness start once the startup probe has passed (see onProbeResult).
      if (kind === 'startup' || !r.spec.startupProbe || r.started) prober.start();
    }
  }

  private onProbeResult(r: ContainerRecord, id: string, kind: ProbeKind, ok: boolean): void {
    if (r.id !== id || !r.state.running) return;
    if (kind === 'readiness') {
      r.ready = ok && r.started;
    } else if (kind === 'startup' && ok) {
      r.started = true;
      if (!r.spec.readinessProbe) r.ready = true;
      for (const p of r.probers) if (p.kind !== 'startup') p.start();
    } else if (!ok) {
      const what = kind === 'liveness' ? 'liveness' : 'startup';
      r.killFor = `Container ${r.spec.name} failed ${what} probe, will be restarted`;
    }
    this.kick();
  }

  private stopProbers(r: ContainerRecord): void {
    for (const p of r.probers) p.stop();
    r.probers = [];
  }

  // ---- status ----------------------------------------------------------------------------------------

  private view(r: ContainerRecord): ContainerStatus {
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

  private buildStatus(): PodStatus {
    // Our own last write wins over the cached pod (which may not show it yet) for lastTransitionTime.
    const conditions = [...(this.pod.status?.conditions ?? []).filter((c) => !this.writtenConditions.some((w) => w.type === c.type)), ...this.writtenConditions];
    const startTime = this.pod.status?.startTime ?? this.firstSeen;
    const pod = { ...this.pod, status: { ...this.pod.status, startTime, conditions: conditions as never } };
    const inits = this.records.filter((r) => r.init);
    const initsDone = inits.every((r) => r.state.terminated?.exitCode === 0);
    const mains = this.records.filter((r) => !r.init).map((r) => {
      const v = this.view(r);
      if (!initsDone && !r.id && !this.terminal) v.state = waiting('PodInitializing');
      return v;
    });
    return buildPodStatus({
      pod,
      hostIP: this.addresses().hostIP,
      ...(this.ip ? { podIP: this.ip } : {}),
      initContainers: inits.map((r) => this.view(r)),
      containers: mains,
      ...(this.terminal ? { terminal: this.terminal } : {}),
      now: new Date(),
    });
  }

  private async writeStatus(): Promise<void> {
    const status = this.buildStatus();
    const text = JSON.stringify(status);
    if (text === this.lastStatus) return;
    try {
      const meta = this.pod.metadata!;
      await this.ctx.kube.core.patchNamespacedPodStatus(
        // A strategic merge patch merges conditions by type, field by field: an absent reason or message would
        // leave the previous one in place, so absence is spelled out as null.
        { name: meta.name!, namespace: meta.namespace!, body: { metadata: { uid: this.uid }, status: { ...status, conditions: status.conditions.map((c) => ({ reason: null, message: null, ...c })) } } },
        strategicMergePatch,
      );
      this.lastStatus = text;
      this.writtenConditions = status.conditions;
    } catch (err) {
      if (isNotFound(err)) return;
      this.ctx.log.warn({ pod: this.describe(), err: describeError(err) }, 'could not write pod status');
      // A refused status (4xx) stays refused until something changes; anything else is worth a retry.
      const code = statusCode(err) ?? 500;
      if (code >= 500 || code === 429 || code === 409) this.kick(3_000);
    }
  }

  private record(type: 'Normal' | 'Warning', reason: string, message: string, r?: ContainerRecord): void {
    if (!this.connected) return;
    const fieldPath = r ? `spec.${r.init ? 'initContainers' : 'containers'}{${r.spec.name}}` : undefined;
    const pod = { ...this.pod, kind: 'Pod', apiVersion: 'v1' };
    this.ctx.events.record(pod, { component: 'kubelet', host: this.nodeName }, type, reason, message, fieldPath);
  }

  // ---- stopping --------------------------------------------------------------------------------------

  /** Deletion with a grace period: the stop signal, SIGKILL after the grace period, then finish the delete. */
  private async terminate(): Promise<void> {
    const live = this.records.filter((r) => r.id && r.state.running);
    if (!this.terminating) {
      this.terminating = true;
      for (const r of live) this.record('Normal', 'Killing', `Stopping container ${r.spec.name}`, r);
    }
    for (const r of this.records) this.stopProbers(r);
    const grace = this.graceSeconds();
    await Promise.all(live.map((r) => this.ctx.podman.stop(r.id!, grace).catch(() => {})));
    for (const r of live) await this.observeExit(r);
    for (const r of this.records) {
      r.ready = false;
      if (!r.id && !r.state.terminated) r.final = true;
    }
    if (this.removed || !this.connected) return; // gone meanwhile, or cut off: the next sync decides
    await this.writeStatus();
    await this.teardown(true);
  }

  /** The node lost power: every container dies at once; nothing is reported until it is back. */
  private async powerOff(): Promise<void> {
    if (this.poweredOff) return;
    this.poweredOff = true;
    for (const r of this.records) this.stopProbers(r);
    const ids = this.records.filter((r) => r.id && r.state.running).map((r) => r.id!);
    await this.ctx.podman.kill(ids);
    for (const r of this.records) if (r.id && r.state.running) await this.observeExit(r);
  }

  /** Removes every trace of the pod on the host, and (after a graceful delete) the pod object itself. */
  private async teardown(deleteFromApi: boolean): Promise<void> {
    for (const r of this.records) this.stopProbers(r);
    clearTimeout(this.timer);
    const leftovers = await this.ctx.podman.list(`${labels.podUid}=${this.uid}`).catch(() => [] as ListedContainer[]);
    await this.ctx.podman.remove([...new Set([...leftovers.map((c) => c.Id), ...this.records.flatMap((r) => (r.id ? [r.id] : []))])]);
    this.ctx.ips.release(this.uid);
    this.ctx.hosts.forget(this.uid);
    this.ctx.volumes.tokens.forget(this.uid);
    this.ctx.crashBackoff.forget(`${this.uid}/`);
    this.ctx.imageBackoff.forget(`${this.uid}/`);
    rmSync(this.dir, { recursive: true, force: true });
    if (deleteFromApi) {
      const meta = this.pod.metadata!;
      try {
        await this.ctx.kube.core.deleteNamespacedPod({
          name: meta.name!,
          namespace: meta.namespace!,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid: this.uid } },
        });
      } catch (err) {
        if (!isNotFound(err) && (err as { code?: number }).code !== 409) {
          this.ctx.log.warn({ pod: this.describe(), err: describeError(err) }, 'could not finish deleting pod');
        }
      }
    }
    this.torn = true;
    this.ctx.log.info({ pod: this.describe(), uid: this.uid }, 'pod torn down');
    this.onDone(this.uid);
  }

  // ---- adoption --------------------------------------------------------------------------------------

  /** Takes over containers a previous agent process left running, instead of starting new ones. */
  private adopt(containers: ListedContainer[]): void {
    if (containers.length === 0) return;
    const ip = containers.map((c) => c.Labels?.[labels.podIP]).find(Boolean);
    if (ip && this.ctx.ips.claim(this.uid, ip)) this.ip = ip;
    const stale: string[] = [];
    for (const r of this.records) {
      const mine = containers
        .filter((c) => c.Labels?.[labels.container] === r.spec.name)
        .sort((a, b) => Number(b.Labels?.[labels.restartCount] ?? 0) - Number(a.Labels?.[labels.restartCount] ?? 0));
      const [latest, ...older] = mine;
      stale.push(...older.map((c) => c.Id));
      if (!latest || this.terminal) continue;
      r.id = latest.Id;
      r.restartCount = Math.max(r.restartCount, Number(latest.Labels?.[labels.restartCount] ?? 0));
      const before = [...(this.pod.status?.initContainerStatuses ?? []), ...(this.pod.status?.containerStatuses ?? [])].find((s) => s.name === r.spec.name);
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
    if (stale.length > 0) void this.ctx.podman.remove(stale).catch(() => {});
    this.ctx.log.info({ pod: this.describe(), containers: containers.length }, 'adopted running containers');
  }
}
