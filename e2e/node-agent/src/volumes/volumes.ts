import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  V1ConfigMap,
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Volume,
} from '@kubernetes/client-node';
import { fieldValue, resourceValue, type PodAddresses } from '../pods/downward-api.js';
import type { ObjectLookup } from '../pods/env.js';
import { writeAtomically, type ProjectedFile } from './atomic-writer.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

/** A volume that cannot be set up: the kubelet reports these as FailedMount and keeps the pod waiting. */
export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
  }
}

export interface VolumeSources extends ObjectLookup {
  claim(namespace: string, name: string): V1PersistentVolumeClaim | undefined;
  volume(name: string): V1PersistentVolume | undefined;
  tokens: ServiceAccountTokens;
}

export interface PreparedVolume {
  hostPath: string;
  /** ConfigMap, Secret, projected and downwardAPI volumes: read-only for the container, as in Kubernetes. */
  readOnly: boolean;
  /** Whether subPath entries that do not exist yet may be created (not inside atomically written volumes). */
  writable: boolean;
}

/**
 * Sets up (or refreshes) every volume of a pod under its directory and returns where each one is on the
 * host. Called on every sync: ConfigMap, Secret and token contents are rewritten only when they changed.
 */
export async function prepareVolumes(
  pod: V1Pod,
  podDir: string,
  addresses: PodAddresses,
  sources: VolumeSources,
): Promise<Map<string, PreparedVolume>> {
  const prepared = new Map<string, PreparedVolume>();
  for (const volume of pod.spec?.volumes ?? []) {
    try {
      prepared.set(volume.name, await prepareVolume(pod, podDir, addresses, sources, volume));
    } catch (err) {
      if (err instanceof VolumeError) throw err;
      throw new VolumeError(volume.name, (err as Error).message);
    }
  }
  return prepared;
}

async function prepareVolume(
  pod: V1Pod,
  podDir: string,
  addresses: PodAddresses,
  sources: VolumeSources,
  volume: V1Volume,
): Promise<PreparedVolume> {
  const namespace = pod.metadata!.namespace!;
  const dir = (kind: string) => join(podDir, 'volumes', kind, volume.name);
  const projected = (kind: string, files: Map<string, ProjectedFile>): PreparedVolume => {
    writeAtomically(dir(kind), files);
    return { hostPath: dir(kind), readOnly: true, writable: false };
  };

  if (volume.emptyDir) {
    const path = dir('empty-dir');
    // World-writable, as the kubelet makes emptyDirs, so containers running as any user can use them.
    makeWorldWritableDir(path);
    return { hostPath: path, readOnly: false, writable: true };
  }
  if (volume.configMap) {
    const files = new Map<string, ProjectedFile>();
    addConfigMap(files, sources, namespace, volume.configMap, volume.configMap.defaultMode ?? 0o644);
    return projected('configmap', files);
  }
  if (volume.secret) {
    const files = new Map<string, ProjectedFile>();
    addSecret(files, sources, namespace, { name: volume.secret.secretName, items: volume.secret.items, optional: volume.secret.optional }, volume.secret.defaultMode ?? 0o644);
    return projected('secret', files);
  }
  if (volume.downwardAPI) {
    const files = new Map<string, ProjectedFile>();
    addDownwardApi(files, pod, addresses, volume.downwardAPI.items ?? [], volume.downwardAPI.defaultMode ?? 0o644);
    return projected('downward-api', files);
  }
  if (volume.projected) {
    const mode = volume.projected.defaultMode ?? 0o644;
    const files = new Map<string, ProjectedFile>();
    for (const source of volume.projected.sources ?? []) {
      if (source.configMap) addConfigMap(files, sources, namespace, source.configMap, mode);
      else if (source.secret) addSecret(files, sources, namespace, source.secret, mode);
      else if (source.downwardAPI) addDownwardApi(files, pod, addresses, source.downwardAPI.items ?? [], mode);
      else if (source.serviceAccountToken) {
        const token = await sources.tokens.token(pod, source.serviceAccountToken);
        files.set(source.serviceAccountToken.path, { data: Buffer.from(token), mode });
      } else throw new Error('projected source not supported by the test bed (only configMap, secret, downwardAPI, serviceAccountToken)');
    }
    return projected('projected', files);
  }
  if (volume.persistentVolumeClaim) {
    const claimName = volume.persistentVolumeClaim.claimName;
    const claim = sources.claim(namespace, claimName);
    if (!claim) throw new Error(`persistentvolumeclaim "${claimName}" not found`);
    if (claim.metadata?.deletionTimestamp) throw new Error(`persistentvolumeclaim "${claimName}" is being deleted`);
    const pvName = claim.spec?.volumeName;
    if (claim.status?.phase !== 'Bound' || !pvName) throw new Error(`persistentvolumeclaim "${claimName}" is not bound`);
    const pv = sources.volume(pvName);
    const path = pv?.spec?.hostPath?.path ?? pv?.spec?.local?.path;
    if (!pv) throw new Error(`persistentvolume "${pvName}" not found`);
    if (!path) throw new Error(`persistentvolume "${pvName}" is neither hostPath nor local: the test bed cannot attach it`);
    if (!existsSync(path)) throw new Error(`directory ${path} of persistentvolume "${pvName}" does not exist`);
    return { hostPath: path, readOnly: volume.persistentVolumeClaim.readOnly ?? false, writable: true };
  }
  if (volume.hostPath) {
    const { path, type } = volume.hostPath;
    if (type === 'DirectoryOrCreate' && !existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o755 });
    if (type === 'FileOrCreate' && !existsSync(path)) writeFileSync(path, '', { mode: 0o644 });
    if (type === 'Directory' && !(existsSync(path) && statSync(path).isDirectory())) throw new Error(`hostPath type check failed: ${path} is not a directory`);
    if (type === 'File' && !(existsSync(path) && statSync(path).isFile())) throw new Error(`hostPath type check failed: ${path} is not a file`);
    return { hostPath: path, readOnly: false, writable: true };
  }
  throw new Error('volume type not supported by the test bed');
}

function addItems(
  files: Map<string, ProjectedFile>,
  data: Map<string, Buffer>,
  items: V1KeyToPath[] | undefined,
  mode: number,
  describe: string,
  optional: boolean,
): void {
  if (!items || items.length === 0) {
    for (const [key, value] of data) files.set(key, { data: value, mode });
    return;
  }
  for (const item of items) {
    const value = data.get(item.key);
    if (!value) {
      if (optional) continue;
      throw new Error(`${describe} references non-existent config key: ${item.key}`);
    }
    files.set(item.path, { data: value, mode: item.mode ?? mode });
  }
}

type KeyRef = { name?: string; items?: V1KeyToPath[]; optional?: boolean };

/** Projects a ConfigMap's or Secret's keys (Secret values and binaryData are base64) as files. */
function addKeys(files: Map<string, ProjectedFile>, kind: 'configMap' | 'secret', object: V1ConfigMap | V1Secret | undefined, ref: KeyRef, mode: number): void {
  if (!object) {
    if (ref.optional) return;
    throw new Error(`${kind.toLowerCase()} "${ref.name}" not found`);
  }
  const data = new Map<string, Buffer>();
  const plain = kind === 'configMap' ? (object as V1ConfigMap).data : undefined;
  const encoded = kind === 'configMap' ? (object as V1ConfigMap).binaryData : (object as V1Secret).data;
  for (const [k, v] of Object.entries(plain ?? {})) data.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(encoded ?? {})) data.set(k, Buffer.from(v, 'base64'));
  addItems(files, data, ref.items, mode, kind, ref.optional ?? false);
}

function addConfigMap(files: Map<string, ProjectedFile>, sources: ObjectLookup, namespace: string, ref: KeyRef, mode: number): void {
  addKeys(files, 'configMap', sources.configMap(namespace, ref.name ?? ''), ref, mode);
}

function addSecret(files: Map<string, ProjectedFile>, sources: ObjectLookup, namespace: string, ref: KeyRef, mode: number): void {
  addKeys(files, 'secret', sources.secret(namespace, ref.name ?? ''), ref, mode);
}

function addDownwardApi(
  files: Map<string, ProjectedFile>,
  pod: V1Pod,
  addresses: PodAddresses,
  items: V1DownwardAPIVolumeFile[],
  mode: number,
): void {
  for (const item of items) {
    const value = item.fieldRef
      ? fieldValue(pod, addresses, item.fieldRef)
      : item.resourceFieldRef
        ? resourceValue(pod, item.resourceFieldRef)
        : '';
    files.set(item.path, { data: Buffer.from(value), mode: item.mode ?? mode });
  }
}

/** A directory any user can write (mkdir's mode is cut by the umask, hence the chmod). */
export function makeWorldWritableDir(path: string): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, 0o777);
}
