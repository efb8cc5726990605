import type { V1Pod, V1ServiceAccountTokenProjection } from '@kubernetes/client-node';
import type { Kube } from '../kube/api.js';

/**
 * Bound service-account tokens for projected volumes, from the TokenRequest API, bound to the pod (so they
 * die with it) and refreshed once 80% of their lifetime has passed, as the kubelet's token manager does.
 */
export class ServiceAccountTokens {
  private readonly cache = new Map<string, { token: string; refreshAt: number }>();

  constructor(private readonly kube: Kube) {}

  async token(pod: V1Pod, source: V1ServiceAccountTokenProjection): Promise<string> {
    const account = pod.spec?.serviceAccountName || 'default';
    const audience = source.audience ?? '';
    const key = `${pod.metadata!.uid}/${account}/${audience}/${source.expirationSeconds ?? ''}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() < cached.refreshAt) return cached.token;
    const issued = Date.now();
    const answer = await this.kube.core.createNamespacedServiceAccountToken({
      name: account,
      namespace: pod.metadata!.namespace!,
      body: {
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds: source.expirationSeconds ?? 3607,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid! },
        },
      },
    });
    const token = answer.status!.token;
    const expires = new Date(answer.status!.expirationTimestamp).getTime();
    this.cache.set(key, { token, refreshAt: issued + 0.8 * (expires - issued) });
    return token;
  }

  forget(podUid: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${podUid}/`)) this.cache.delete(key);
  }
}
