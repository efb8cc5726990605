import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  StorageV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';

/** The API groups the agent talks to, from one kubeconfig. */
export interface Kube {
  config: KubeConfig;
  core: CoreV1Api;
  coordination: CoordinationV1Api;
  storage: StorageV1Api;
}

export function connect(kubeconfigPath: string): Kube {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  return {
    config,
    core: config.makeApiClient(CoreV1Api),
    coordination: config.makeApiClient(CoordinationV1Api),
    storage: config.makeApiClient(StorageV1Api),
  };
}

export function statusCode(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export const isNotFound = (err: unknown) => statusCode(err) === 404;
export const isConflict = (err: unknown) => statusCode(err) === 409;

/** A short description of an API error for logs and events: the server's message rather than the whole body. */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as unknown;
    const parsed = typeof body === 'string' ? safeParse(body) : body;
    const message = (parsed as { message?: string } | undefined)?.message;
    return `HTTP ${err.code}: ${message ?? String(body).slice(0, 200)}`;
  }
  return (err as Error)?.message ?? String(err);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Options for a JSON merge patch (RFC 7386) and for a strategic merge patch (lists merged by their keys). */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const strategicMergePatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/** metav1.MicroTime: the API server insists on exactly six fractional digits (Lease times, event times). */
export function microTime(at: Date = new Date()): string {
  return at.toISOString().replace(/Z$/, '000Z');
}
