import { release } from 'node:os';
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, isConflict, isNotFound, mergePatch, microTime, strategicMergePatch, type Kube } from '../kube/api.js';
import { timestamp } from '../pods/status.js';

/**
 * How a node behaves, settable at run time for failure tests:
 * - `ready`: heartbeats, Ready=True, pods run and report;
 * - `notready`: heartbeats with Ready=False (a kubelet whose runtime is unhealthy); pods keep running;
 * - `partitioned`: nothing reaches the API server (no heartbeat, status, events or deletions), while the
 *   containers keep running and restarting: the node lifecycle controller sees it go silent;
 * - `down`: partitioned, and every container on it killed, as if the machine lost power. Back up, its pods'
 *   containers start again (restart counts rise), as after a reboot.
 */
export type NodeMode = 'ready' | 'notready' | 'partitioned' | 'down';
export const nodeModes: readonly NodeMode[] = ['ready', 'notready', 'partitioned', 'down'];

export interface NodeIdentity {
  name: string;
  hostIP: string;
  zone: string;
  region: string;
}

/** corral-node-1..n on 127.0.0.11.., one zone and one region each (zone-a/region-1, zone-b/region-2, …). */
export function nodeIdentities(count: number): NodeIdentity[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `corral-node-${i + 1}`,
    hostIP: `127.0.0.${11 + i}`,
    zone: `zone-${String.fromCharCode(97 + i)}`,
    region: `region-${i + 1}`,
  }));
}

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

const leaseSeconds = 40;
const leaseRenewMs = 10_000;
const statusEveryMs = 60_000;

/** Registers the agent's Nodes and keeps each one's Lease and Ready condition fresh, per its mode. */
export class NodeSet {
  private readonly modes = new Map<string, NodeMode>();
  private readonly listeners: ((node: string, mode: NodeMode) => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = 0;

  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
    readonly identities: NodeIdentity[],
    private readonly capacity: NodeCapacity,
    private readonly versions: { kubelet: string; runtime: string },
  ) {
    for (const node of identities) this.modes.set(node.name, 'ready');
  }

  get(name: string | undefined): NodeIdentity | undefined {
    return this.identities.find((n) => n.name === name);
  }

  mode(name: string): NodeMode {
    return this.modes.get(name) ?? 'ready';
  }

  /** Whether the node can talk to the API server (not partitioned or down). */
  connected(name: string): boolean {
    const mode = this.mode(name);
    return mode === 'ready' || mode === 'notready';
  }

  onModeChange(listener: (node: string, mode: NodeMode) => void): void {
    this.listeners.push(listener);
  }

  async setMode(name: string, mode: NodeMode): Promise<void> {
    if (!this.get(name)) throw new Error(`no node ${name} here`);
    const before = this.mode(name);
    this.modes.set(name, mode);
    this.log.info({ node: name, from: before, to: mode }, 'node mode changed');
    for (const listener of this.listeners) listener(name, mode);
    if (this.connected(name)) await this.heartbeat(this.get(name)!, true);
  }

  async start(): Promise<void> {
    for (const node of this.identities) await this.register(node);
    this.lastStatus = Date.now();
    this.timer = setInterval(() => void this.beat(), leaseRenewMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    const withStatus = Date.now() - this.lastStatus >= statusEveryMs;
    if (withStatus) this.lastStatus = Date.now();
    await Promise.all(this.identities.filter((n) => this.connected(n.name)).map((n) => this.heartbeat(n, withStatus)));
  }

  private async heartbeat(node: NodeIdentity, withStatus: boolean): Promise<void> {
    try {
      await this.renewLease(node);
      if (withStatus) await this.postStatus(node);
    } catch (err) {
      this.log.warn({ node: node.name, err: describeError(err) }, 'heartbeat failed');
    }
  }

  private async register(node: NodeIdentity): Promise<void> {
    const labels = {
      'kubernetes.io/hostname': node.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'topology.kubernetes.io/zone': node.zone,
      'topology.kubernetes.io/region': node.region,
    };
    try {
      await this.kube.core.createNode({ body: { metadata: { name: node.name, labels } } });
      this.log.info({ node: node.name }, 'registered node');
    } catch (err) {
      if (!isConflict(err)) throw err;
      await this.kube.core.patchNode({ name: node.name, body: { metadata: { labels } } }, mergePatch);
    }
    await this.postStatus(node);
    await this.renewLease(node);
  }

  private async postStatus(node: NodeIdentity): Promise<void> {
    const current: V1Node = await this.kube.core.readNodeStatus({ name: node.name });
    const now = new Date();
    const previous = current.status?.conditions ?? [];
    const condition = (type: string, status: 'True' | 'False', reason: string, message: string) => {
      const before = previous.find((c: V1NodeCondition) => c.type === type);
      return {
        type,
        status,
        reason,
        message,
        lastHeartbeatTime: timestamp(now),
        lastTransitionTime: timestamp(before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now),
      };
    };
    const ready = this.mode(node.name) === 'ready';
    const resources = { cpu: this.capacity.cpu, memory: this.capacity.memory, pods: this.capacity.pods, 'ephemeral-storage': '100Gi' };
    const status = {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: 'InternalIP', address: node.hostIP },
        { type: 'Hostname', address: node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: node.name,
        systemUUID: node.name,
        bootID: node.name,
        kernelVersion: release(),
        osImage: 'Corral test bed',
        containerRuntimeVersion: this.versions.runtime,
        kubeletVersion: this.versions.kubelet,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready
          ? condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : condition('Ready', 'False', 'KubeletNotReady', 'made NotReady through the node agent control endpoint'),
      ],
    };
    await this.kube.core.patchNodeStatus({ name: node.name, body: { status } }, strategicMergePatch);
  }

  private async renewLease(node: NodeIdentity): Promise<void> {
    const spec = { holderIdentity: node.name, leaseDurationSeconds: leaseSeconds, renewTime: microTime() };
    try {
      await this.kube.coordination.patchNamespacedLease({ name: node.name, namespace: 'kube-node-lease', body: { spec } }, mergePatch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const owner = await this.kube.core.readNode({ name: node.name });
      await this.kube.coordination.createNamespacedLease({
        namespace: 'kube-node-lease',
        body: {
          metadata: {
            name: node.name,
            namespace: 'kube-node-lease',
            ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: owner.metadata!.uid! }],
          },
          spec: spec as never,
        },
      });
    }
  }
}
