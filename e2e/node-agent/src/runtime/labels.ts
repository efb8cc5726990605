import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** Labels on every container the agent creates: how it finds its own containers again after a restart. */
export const labels = {
  /** Which agent made it: several beds (each with its own state directory) may share one podman. */
  instance: 'corral.node-agent.instance',
  node: 'corral.node-agent.node',
  podUid: 'corral.node-agent.pod-uid',
  podName: 'corral.node-agent.pod-name',
  podNamespace: 'corral.node-agent.pod-namespace',
  podIP: 'corral.node-agent.pod-ip',
  container: 'corral.node-agent.container',
  restartCount: 'corral.node-agent.restart-count',
} as const;

/** The agent's instance id: stable for a state directory, so a restarted agent finds its containers. */
export function instanceOf(stateDir: string): string {
  return createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 12);
}

/** The podman label filter that selects one instance's containers. */
export const instanceFilter = (instance: string) => `${labels.instance}=${instance}`;
