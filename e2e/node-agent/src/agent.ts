import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import {
  VersionApi,
  type V1ConfigMap,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { connect, type Kube } from './kube/api.js';
import { EventRecorder } from './kube/events.js';
import { WatchCache } from './kube/watch-cache.js';
import { HostsFiles } from './net/hosts-files.js';
import { IpAllocator } from './net/ip-allocator.js';
import { startControlServer } from './nodes/control-server.js';
import { NodeSet, nodeIdentities, type NodeCapacity } from './nodes/nodes.js';
import { Backoff } from './pods/backoff.js';
import type { PodContext } from './pods/context.js';
import { PodManager } from './pods/pod-manager.js';
import { instanceFilter, instanceOf } from './runtime/labels.js';
import { RuntimeMonitor } from './runtime/monitor.js';
import { Podman } from './runtime/podman.js';
import { Provisioner } from './storage/provisioner.js';
import { ServiceAccountTokens } from './volumes/service-account-tokens.js';

export interface AgentOptions {
  kubeconfig: string;
  stateDir: string;
  volumesDir: string;
  nodes: number;
  /** Pod IPs are <prefix>.x.y; beds sharing a machine need different prefixes. */
  podIPPrefix: string;
  controlPort: number;
  capacity: NodeCapacity;
  backoff: { initialMs: number; maxMs: number };
  /** Where in-cluster clients find the API server (KUBERNETES_SERVICE_HOST/PORT). */
  apiServer: { host: string; port: string };
}

/** Wires the node agent together: Nodes, caches, pods, runtime events, provisioner, control endpoint. */
export class Agent {
  private constructor(
    private readonly parts: {
      nodes: NodeSet;
      caches: { stop(): void }[];
      manager: PodManager;
      monitor: RuntimeMonitor;
      provisioner: Provisioner;
      control: Server;
      podman: Podman;
      stateDir: string;
      log: Logger;
    },
  ) {}

  static async start(options: AgentOptions, log: Logger): Promise<Agent> {
    const kube = connect(options.kubeconfig);
    const podman = new Podman();
    const podsDir = join(options.stateDir, 'pods');
    mkdirSync(podsDir, { recursive: true });

    const nodes = new NodeSet(kube, log, nodeIdentities(options.nodes), options.capacity, await versions(kube, podman));
    await nodes.start();

    const pods = new WatchCache<V1Pod>(kube, '/api/v1/pods', () => kube.core.listPodForAllNamespaces(), log);
    const services = new WatchCache<V1Service>(kube, '/api/v1/services', () => kube.core.listServiceForAllNamespaces(), log);
    const configMaps = new WatchCache<V1ConfigMap>(kube, '/api/v1/configmaps', () => kube.core.listConfigMapForAllNamespaces(), log);
    const secrets = new WatchCache<V1Secret>(kube, '/api/v1/secrets', () => kube.core.listSecretForAllNamespaces(), log);
    const claims = new WatchCache<V1PersistentVolumeClaim>(
      kube,
      '/api/v1/persistentvolumeclaims',
      () => kube.core.listPersistentVolumeClaimForAllNamespaces(),
      log,
    );
    const volumes = new WatchCache<V1PersistentVolume>(kube, '/api/v1/persistentvolumes', () => kube.core.listPersistentVolume(), log);
    const caches = [pods, services, configMaps, secrets, claims, volumes];
    await Promise.all(caches.map((c) => c.start()));

    const events = new EventRecorder(kube, log);
    const instance = instanceOf(options.stateDir);
    const ctx: PodContext = {
      instance,
      kube,
      podman,
      monitor: undefined as never, // set below: the monitor reports to the manager, which needs the context
      nodes,
      ips: new IpAllocator(options.podIPPrefix),
      hosts: new HostsFiles(pods, services, log),
      volumes: {
        configMap: (ns, name) => configMaps.get(name, ns),
        secret: (ns, name) => secrets.get(name, ns),
        claim: (ns, name) => claims.get(name, ns),
        volume: (name) => volumes.get(name),
        tokens: new ServiceAccountTokens(kube),
      },
      events,
      crashBackoff: new Backoff(options.backoff.initialMs, options.backoff.maxMs),
      imageBackoff: new Backoff(options.backoff.initialMs, options.backoff.maxMs),
      log,
      podsDir,
      serviceEnv: { KUBERNETES_SERVICE_HOST: options.apiServer.host, KUBERNETES_SERVICE_PORT: options.apiServer.port },
    };
    const manager = new PodManager(ctx, pods);
    const monitor = new RuntimeMonitor(podman, instanceFilter(instance), log, (uid) => manager.containersChanged(uid));
    ctx.monitor = monitor;
    for (const c of [configMaps, secrets, claims] as WatchCache<V1ConfigMap>[]) {
      c.onChange((_kind, obj) => manager.namespaceChanged(obj.metadata?.namespace));
    }
    volumes.onChange(() => manager.namespaceChanged(undefined));

    const provisioner = new Provisioner(kube, log, events, claims, volumes, nodes, options.volumesDir);
    await provisioner.start();
    monitor.start();
    await manager.start();
    const control = await startControlServer(nodes, options.controlPort, log);
    log.info({ nodes: nodes.identities.map((n) => n.name), pods: manager.size }, 'node agent running');
    return new Agent({ nodes, caches, manager, monitor, provisioner, control, podman, stateDir: options.stateDir, log });
  }

  /** Stops serving; removes every container the agent made when asked to (else a later agent adopts them). */
  async stop(removeContainers: boolean): Promise<void> {
    const p = this.parts;
    p.control.close();
    p.manager.stop();
    p.monitor.stop();
    p.provisioner.stop();
    p.nodes.stop();
    for (const c of p.caches) c.stop();
    if (removeContainers) await removeAllContainers(p.podman, p.stateDir, p.log);
  }
}

/** Removes every container of the agent instance that keeps its state in stateDir. */
export async function removeAllContainers(podman: Podman, stateDir: string, log: Logger): Promise<void> {
  const all = await podman.list(instanceFilter(instanceOf(stateDir)));
  await podman.remove(all.map((c) => c.Id));
  log.info({ removed: all.length }, 'removed the agent\'s containers');
}

async function versions(kube: Kube, podman: Podman): Promise<{ kubelet: string; runtime: string }> {
  const server = await kube.config.makeApiClient(VersionApi).getCode();
  const runtime = (await podman.check(['version', '--format', '{{.Client.Version}}'])).trim();
  return { kubelet: server.gitVersion, runtime: `podman://${runtime}` };
}
