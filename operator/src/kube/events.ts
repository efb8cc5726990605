// Events on the objects the operator acts on, as `kubectl describe` shows them. Repeats of the same event
// (same object, type, reason and message) bump one Event's count instead of creating a new one, as the
// kubelet's and client-go's recorders do, so a wait that lasts an hour is one line, not hundreds.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import { systemClock, type Clock } from './work-queue.js';

export interface Involved {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

export interface EventSink {
  record(on: Involved, type: EventType, reason: string, message: string): Promise<void>;
}

/** Events with the same key seen within this window are aggregated into one. */
const AGGREGATE_WINDOW_MS = 10 * 60_000;
/** Bounds the memory of what was recorded; the oldest keys go first. */
const MAX_REMEMBERED = 4096;

export class EventRecorder implements EventSink {
  private readonly api: CoreV1Api;
  private readonly recent = new Map<string, { name: string; count: number; at: number }>();

  constructor(
    config: KubeConfig,
    private readonly component: string,
    private readonly instance: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.api = config.makeApiClient(CoreV1Api);
  }

  async record(on: Involved, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = on.metadata.namespace ?? 'default';
    const key = [on.metadata.uid, type, reason, message].join('\u0000');
    const now = this.clock.now();
    const seen = this.recent.get(key);
    if (seen && now - seen.at < AGGREGATE_WINDOW_MS) {
      seen.count++;
      seen.at = now;
      try {
        await this.api.patchNamespacedEvent(
          { name: seen.name, namespace, body: { count: seen.count, lastTimestamp: new Date(now).toISOString() } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      } catch {
        // The event expired or was removed: record a new one below.
      }
    }
    const name = `${on.metadata.name}.${now.toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const event: CoreV1Event = {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: on.apiVersion,
        kind: on.kind,
        name: on.metadata.name,
        namespace,
        uid: on.metadata.uid,
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: new Date(now),
      lastTimestamp: new Date(now),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.instance,
    };
    await this.api.createNamespacedEvent({ namespace, body: event });
    this.recent.delete(key);
    this.recent.set(key, { name, count: 1, at: now });
    if (this.recent.size > MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
  }
}
