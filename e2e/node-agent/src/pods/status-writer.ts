import type { V1Pod } from '@kubernetes/client-node';
import { describeError, isNotFound, statusCode, strategicMergePatch } from '../kube/api.js';
import { containerView, waiting, type ContainerRecord, type TerminalPhase } from './container-record.js';
import type { PodContext } from './context.js';
import { buildPodStatus, type Condition, type PodStatus } from './status.js';

/**
 * Writes one pod's status as the kubelet does, with a strategic merge patch on pods/status (other writers'
 * conditions, such as DisruptionTarget, stay), and only when it changed since the last write.
 */
export class StatusWriter {
  private last = '';
  private written: Condition[] = [];
  private readonly firstSeen = new Date();

  constructor(
    private readonly ctx: PodContext,
    private readonly uid: string,
  ) {}

  /** Resolves false when the write failed and is worth retrying soon. */
  async write(pod: V1Pod, records: ContainerRecord[], hostIP: string, podIP: string | undefined, terminal: TerminalPhase | undefined): Promise<boolean> {
    const status = this.build(pod, records, hostIP, podIP, terminal);
    const text = JSON.stringify(status);
    if (text === this.last) return true;
    const meta = pod.metadata!;
    try {
      // A strategic merge patch merges conditions by type, field by field: an absent reason or message would
      // leave the previous one in place, so absence is spelled out as null.
      const conditions = status.conditions.map((c) => ({ reason: null, message: null, ...c }));
      await this.ctx.kube.core.patchNamespacedPodStatus(
        { name: meta.name!, namespace: meta.namespace!, body: { metadata: { uid: this.uid }, status: { ...status, conditions } } },
        strategicMergePatch,
      );
      this.last = text;
      this.written = status.conditions;
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      this.ctx.log.warn({ pod: `${meta.namespace}/${meta.name}`, err: describeError(err) }, 'could not write pod status');
      // A refused status (4xx) stays refused until something changes; anything else is worth a retry.
      const code = statusCode(err) ?? 500;
      return !(code >= 500 || code === 429 || code === 409);
    }
  }

  private build(pod: V1Pod, records: ContainerRecord[], hostIP: string, podIP: string | undefined, terminal: TerminalPhase | undefined): PodStatus {
    // Our own last write wins over the cached pod (which may not show it yet) for lastTransitionTime.
    const conditions = [...(pod.status?.conditions ?? []).filter((c) => !this.written.some((w) => w.type === c.type)), ...this.written];
    const startTime = pod.status?.startTime ?? this.firstSeen;
    const seen = { ...pod, status: { ...pod.status, startTime, conditions: conditions as never } };
    const inits = records.filter((r) => r.init);
    const initsDone = inits.every((r) => r.state.terminated?.exitCode === 0);
    const mains = records
      .filter((r) => !r.init)
      .map((r) => (!initsDone && !r.id && !terminal ? { ...containerView(r), state: waiting('PodInitializing') } : containerView(r)));
    return buildPodStatus({
      pod: seen,
      hostIP,
      ...(podIP ? { podIP } : {}),
      initContainers: inits.map(containerView),
      containers: mains,
      ...(terminal ? { terminal } : {}),
      now: new Date(),
    });
  }
}
