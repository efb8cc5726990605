import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { describeError, isNotFound } from '../kube/api.js';
import { renderResolvConf } from '../net/resolv-conf.js';
import { labels } from '../runtime/labels.js';
import type { ListedContainer } from '../runtime/podman.js';
import { prepareVolumes, VolumeError, type PreparedVolume } from '../volumes/volumes.js';
import { podHostname } from './container-config.js';
import { adoptContainers, initialRecords, stopProbers, waiting, type ContainerRecord, type TerminalPhase } from './container-record.js';
import { startProbers } from './container-probes.js';
import { observeExit, startContainer, type RunScope } from './container-runs.js';
import type { PodContext } from './context.js';
import { StatusWriter } from './status-writer.js';

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
  private readonly status: StatusWriter;
  private ip: string | undefined;
  private volumes = new Map<string, PreparedVolume>();
  private terminal: TerminalPhase | undefined;
  private removed = false;
  private torn = false;
  private poweredOff = false;
  private terminating = false;
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
    this.status = new StatusWriter(ctx, this.uid);
    const { records, terminal } = initialRecords(pod);
    this.records = records;
    this.terminal = terminal;
    if (adopted.length > 0) {
      const { ip, stale } = adoptContainers(pod, records, adopted);
      if (ip && ctx.ips.claim(this.uid, ip)) this.ip = ip;
      if (stale.length > 0) void ctx.podman.remove(stale).catch(() => {});
      ctx.log.info({ pod: this.describe(), containers: adopted.length }, 'adopted running containers');
    }
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
    for (const r of this.records) stopProbers(r);
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
    for (const r of this.records) stopProbers(r);
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
      if (!this.terminal) startProbers(r, this.runScope());
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
    const scope = this.runScope();
    if (await startContainer(scope, r)) startProbers(r, scope);
  }

  private runScope(): RunScope {
    return {
      ctx: this.ctx,
      pod: this.pod,
      uid: this.uid,
      podIP: this.ip!,
      hostIP: this.addresses().hostIP,
      sandboxDir: this.dir,
      volumes: this.volumes,
      record: (type, reason, message, r) => this.record(type, reason, message, r),
      kick: (delayMs) => this.kick(delayMs),
    };
  }

  private observeExit(r: ContainerRecord): Promise<void> {
    return observeExit(this.ctx, this.uid, r);
  }

  private graceSeconds(r?: ContainerRecord): number {
    const probeGrace = r?.killFor ? (r.spec.livenessProbe?.terminationGracePeriodSeconds ?? r.spec.startupProbe?.terminationGracePeriodSeconds) : undefined;
    return probeGrace ?? this.pod.metadata?.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
  }

  // ---- status and events ---------------------------------------------------------------------------

  private async writeStatus(): Promise<void> {
    const settled = await this.status.write(this.pod, this.records, this.addresses().hostIP, this.ip, this.terminal);
    if (!settled) this.kick(3_000);
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
    for (const r of this.records) stopProbers(r);
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
    for (const r of this.records) stopProbers(r);
    const ids = this.records.filter((r) => r.id && r.state.running).map((r) => r.id!);
    await this.ctx.podman.kill(ids);
    for (const r of this.records) if (r.id && r.state.running) await this.observeExit(r);
  }

  /** Removes every trace of the pod on the host, and (after a graceful delete) the pod object itself. */
  private async teardown(deleteFromApi: boolean): Promise<void> {
    for (const r of this.records) stopProbers(r);
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
}
