import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, isConflict, isNotFound, type Kube } from '../kube/api.js';
import type { EventRecorder } from '../kube/events.js';
import type { WatchCache } from '../kube/watch-cache.js';
import type { NodeSet } from '../nodes/nodes.js';
import { makeWorldWritableDir } from '../volumes/volumes.js';

export const storageClassName = 'corral-local';
export const provisionerName = 'corral.dev/host-path';
const selectedNode = 'volume.kubernetes.io/selected-node';
const provisionedBy = 'pv.kubernetes.io/provisioned-by';

/**
 * A dynamic provisioner for the StorageClass `corral-local`: each claim gets a host directory under
 * `volumesDir` as a hostPath PersistentVolume, and a released volume is deleted with its directory when its
 * reclaim policy is Delete (kept, data and all, when it is Retain).
 *
 * The class binds WaitForFirstConsumer, and each volume is pinned to the zone of the node its first pod
 * was scheduled to: on a real cluster the disks behind such classes (cloud zonal disks, local volumes) are
 * reachable from one zone or node only, so a pod that comes back for its data has to come back there, and
 * the scheduler gets to place the first pod by its own constraints (spread, affinity) before storage is
 * chosen. With Immediate binding all that would be invisible on a one-machine test bed.
 */
export class Provisioner {
  private readonly classes = new Map<string, V1StorageClass | null>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
    private readonly events: EventRecorder,
    private readonly claims: WatchCache<V1PersistentVolumeClaim>,
    private readonly volumes: WatchCache<V1PersistentVolume>,
    private readonly nodes: NodeSet,
    private readonly volumesDir: string,
  ) {}

  async start(): Promise<void> {
    mkdirSync(this.volumesDir, { recursive: true });
    await this.ensureStorageClass();
    this.claims.onChange((kind, claim) => {
      if (kind !== 'delete') void this.provision(claim);
    });
    this.volumes.onChange((kind, volume) => {
      if (kind !== 'delete') void this.reclaim(volume);
    });
    this.timer = setInterval(() => this.sweep(), 10_000);
    this.sweep();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    this.classes.clear(); // re-read classes now and then: one may have been created or changed
    for (const claim of this.claims.list()) void this.provision(claim);
    for (const volume of this.volumes.list()) void this.reclaim(volume);
  }

  private async ensureStorageClass(): Promise<void> {
    try {
      await this.kube.storage.readStorageClass({ name: storageClassName });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.kube.storage.createStorageClass({
        body: {
          metadata: { name: storageClassName, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
          provisioner: provisionerName,
          reclaimPolicy: 'Delete',
          volumeBindingMode: 'WaitForFirstConsumer',
        },
      });
      this.log.info({ storageClass: storageClassName }, 'created storage class');
    }
  }

  private async storageClass(name: string): Promise<V1StorageClass | null> {
    if (!this.classes.has(name)) {
      try {
        this.classes.set(name, await this.kube.storage.readStorageClass({ name }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.classes.set(name, null);
      }
    }
    return this.classes.get(name)!;
  }

  private async provision(claim: V1PersistentVolumeClaim): Promise<void> {
    if (claim.spec?.volumeName || claim.status?.phase !== 'Pending' || claim.metadata?.deletionTimestamp) return;
    const className = claim.spec?.storageClassName;
    if (!className) return;
    const pvName = `pvc-${claim.metadata!.uid}`;
    if (this.volumes.get(pvName)) return;
    try {
      const sc = await this.storageClass(className);
      if (!sc || sc.provisioner !== provisionerName) return;
      const nodeName = claim.metadata?.annotations?.[selectedNode];
      if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !nodeName) return; // the scheduler has not chosen yet
      const node = this.nodes.get(nodeName);
      const path = join(this.volumesDir, pvName);
      // World-writable, as local-path provisioners make them: hostPath volumes get no fsGroup ownership change.
      makeWorldWritableDir(path);
      const body: V1PersistentVolume = {
        metadata: { name: pvName, annotations: { [provisionedBy]: provisionerName } },
        spec: {
          capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
          accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
          storageClassName: className,
          volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
          claimRef: {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace: claim.metadata!.namespace,
            name: claim.metadata!.name,
            uid: claim.metadata!.uid,
          },
          hostPath: { path, type: 'DirectoryOrCreate' },
          ...(node
            ? {
                nodeAffinity: {
                  required: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: [node.zone] }] }],
                  },
                },
              }
            : {}),
        },
      };
      await this.kube.core.createPersistentVolume({ body });
      this.log.info({ claim: `${claim.metadata!.namespace}/${claim.metadata!.name}`, volume: pvName, path }, 'provisioned volume');
      this.events.record(
        { ...claim, kind: 'PersistentVolumeClaim', apiVersion: 'v1' },
        { component: provisionerName },
        'Normal',
        'ProvisioningSucceeded',
        `Successfully provisioned volume ${pvName} at ${path}`,
      );
    } catch (err) {
      if (isConflict(err)) return; // provisioned meanwhile
      this.log.warn({ claim: claim.metadata?.name, err: describeError(err) }, 'provisioning failed');
    }
  }

  private async reclaim(volume: V1PersistentVolume): Promise<void> {
    if (volume.metadata?.annotations?.[provisionedBy] !== provisionerName) return;
    if (volume.status?.phase !== 'Released' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    if (volume.metadata?.deletionTimestamp) return;
    const path = volume.spec?.hostPath?.path;
    try {
      if (path && resolve(path).startsWith(`${resolve(this.volumesDir)}/`)) rmSync(path, { recursive: true, force: true });
      await this.kube.core.deletePersistentVolume({ name: volume.metadata!.name! });
      this.log.info({ volume: volume.metadata!.name, path }, 'deleted released volume');
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ volume: volume.metadata?.name, err: describeError(err) }, 'could not delete released volume');
    }
  }
}
