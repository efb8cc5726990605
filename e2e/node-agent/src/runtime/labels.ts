/** Labels on every container the agent creates: how it finds its own containers again after a restart. */
export const labels = {
  managed: 'corral.node-agent.managed',
  node: 'corral.node-agent.node',
  podUid: 'corral.node-agent.pod-uid',
  podName: 'corral.node-agent.pod-name',
  podNamespace: 'corral.node-agent.pod-namespace',
  podIP: 'corral.node-agent.pod-ip',
  container: 'corral.node-agent.container',
  restartCount: 'corral.node-agent.restart-count',
} as const;
