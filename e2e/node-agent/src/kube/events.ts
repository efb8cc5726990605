import { randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { describeError, mergePatch, type Kube } from './api.js';
import { timestamp } from '../pods/status.js';

export type EventType = 'Normal' | 'Warning';

/**
 * core/v1 Events, as the kubelet records them about pods (source component "kubelet", host = node): a
 * repeat of the same reason and message within ten minutes bumps the existing event's count instead of
 * creating a new one. Recording is best effort: a failure is logged and never holds up the pod.
 */
export class EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number; at: number }>();

  constructor(
    private readonly kube: Kube,
    private readonly log: Logger,
  ) {}

  /** `source` names the reporter: the pod's node for the kubelet's events, a controller name otherwise. */
  record(object: KubernetesObject, source: { component: string; host?: string }, type: EventType, reason: string, message: string, fieldPath?: string): void {
    const meta = object.metadata!;
    const key = `${meta.uid}/${fieldPath ?? ''}/${reason}/${message}`;
    const now = new Date();
    const seen = this.recent.get(key);
    if (seen && now.getTime() - seen.at < 600_000) {
      seen.count++;
      seen.at = now.getTime();
      this.kube.core
        .patchNamespacedEvent(
          { name: seen.name, namespace: seen.namespace, body: { count: seen.count, lastTimestamp: timestamp(now) } },
          mergePatch,
        )
        .catch((err: unknown) => this.log.debug({ err: describeError(err) }, 'could not update event'));
      return;
    }
    this.prune(now.getTime());
    const name = `${meta.name}.${randomBytes(8).toString('hex')}`;
    this.recent.set(key, { name, namespace: meta.namespace!, count: 1, at: now.getTime() });
    this.kube.core
      .createNamespacedEvent({
        namespace: meta.namespace!,
        body: {
          metadata: { name, namespace: meta.namespace },
          involvedObject: {
            kind: object.kind,
            apiVersion: object.apiVersion,
            name: meta.name,
            namespace: meta.namespace,
            uid: meta.uid,
            ...(fieldPath ? { fieldPath } : {}),
          },
          type,
          reason,
          message,
          count: 1,
          source,
          reportingComponent: source.component,
          reportingInstance: source.host ?? source.component,
          firstTimestamp: timestamp(now) as unknown as Date,
          lastTimestamp: timestamp(now) as unknown as Date,
        },
      })
      .catch((err: unknown) => this.log.debug({ err: describeError(err), reason }, 'could not record event'));
  }

  private prune(now: number): void {
    if (this.recent.size < 2000) return;
    for (const [key, entry] of this.recent) if (now - entry.at > 600_000) this.recent.delete(key);
  }
}
