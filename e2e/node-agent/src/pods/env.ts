import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from '@kubernetes/client-node';
import { fieldValue, resourceValue, type PodAddresses } from './downward-api.js';

/** ConfigMaps and Secrets by namespace and name, from the agent's caches. */
export interface ObjectLookup {
  configMap(namespace: string, name: string): V1ConfigMap | undefined;
  secret(namespace: string, name: string): V1Secret | undefined;
}

/** A container that cannot be configured: the kubelet's CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/**
 * `$(NAME)` references expanded as the kubelet does in env values, command and args: a defined name is
 * replaced, an undefined one is left as written, and `$$` escapes a `$`.
 */
export function expandReferences(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      out += lookup(name) ?? `$(${name})`;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * The container's environment in the kubelet's order of precedence: envFrom sources, then env entries (each
 * may refer to those before it), then the service variables the user did not set themselves.
 */
export function containerEnv(
  pod: V1Pod,
  container: V1Container,
  addresses: PodAddresses,
  objects: ObjectLookup,
  serviceEnv: Record<string, string>,
): Map<string, string> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const cm = objects.configMap(namespace, source.configMapRef.name ?? '');
      if (!cm) {
        if (source.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${source.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(cm.data ?? {})) env.set(prefix + k, v);
    }
    if (source.secretRef) {
      const secret = objects.secret(namespace, source.secretRef.name ?? '');
      if (!secret) {
        if (source.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${source.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(secret.data ?? {})) env.set(prefix + k, Buffer.from(v, 'base64').toString('utf8'));
    }
  }
  const lookup = (name: string) => env.get(name) ?? serviceEnv[name];
  for (const entry of container.env ?? []) {
    const value = entryValue(pod, container, addresses, objects, namespace, entry, lookup);
    if (value !== undefined) env.set(entry.name, value);
  }
  for (const [k, v] of Object.entries(serviceEnv)) if (!env.has(k)) env.set(k, v);
  return env;
}

function entryValue(
  pod: V1Pod,
  container: V1Container,
  addresses: PodAddresses,
  objects: ObjectLookup,
  namespace: string,
  entry: NonNullable<V1Container['env']>[number],
  lookup: (name: string) => string | undefined,
): string | undefined {
  const from = entry.valueFrom;
  if (!from) return expandReferences(entry.value ?? '', lookup);
  try {
    if (from.fieldRef) return fieldValue(pod, addresses, from.fieldRef);
    if (from.resourceFieldRef) return resourceValue(pod, from.resourceFieldRef, container);
  } catch (err) {
    throw new ContainerConfigError(`env ${entry.name}: ${(err as Error).message}`);
  }
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (!ref) throw new ContainerConfigError(`env ${entry.name}: unsupported valueFrom`);
  const kind = from.configMapKeyRef ? 'configmap' : 'secret';
  const object = kind === 'configmap' ? objects.configMap(namespace, ref.name ?? '') : objects.secret(namespace, ref.name ?? '');
  if (!object) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
  }
  const raw = object.data?.[ref.key];
  if (raw === undefined) {
    if (ref.optional) return undefined;
    throw new ContainerConfigError(`couldn't find key ${ref.key} in ${kind === 'configmap' ? 'ConfigMap' : 'Secret'} ${namespace}/${ref.name}`);
  }
  return kind === 'secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}
