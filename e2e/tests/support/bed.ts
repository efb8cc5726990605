import { join } from 'node:path';
import { runProgram } from '../../../test-support/processes.js';

/**
 * What only the local test bed offers (CORRAL_E2E_TARGET=bed, set by `npm run e2e`): the node agent's control
 * endpoint, its state directory, and the podman containers behind pods. Tests that use these are skipped
 * against kind.
 */
export const onBed = (process.env.CORRAL_E2E_TARGET ?? 'bed') === 'bed';

export const agentUrl = process.env.CORRAL_E2E_AGENT_CONTROL ?? 'http://127.0.0.1:16480';
export const stateDir = process.env.CORRAL_E2E_STATE ?? '/tmp/corral-e2e';

export type NodeMode = 'ready' | 'notready' | 'partitioned' | 'down';

/** Sets a node's mode through the agent's control endpoint (see e2e/README.md). */
export async function setNodeMode(node: string, mode: NodeMode): Promise<void> {
  const res = await fetch(`${agentUrl}/nodes/${node}/mode`, { method: 'PUT', body: mode, signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`PUT ${agentUrl}/nodes/${node}/mode ${mode}: ${res.status} ${await res.text()}`);
}

/** The hosts file the agent keeps for a pod. */
export function hostsFileOf(podUid: string): string {
  return join(stateDir, 'agent', 'pods', podUid, 'hosts');
}

export interface PodContainer {
  id: string;
  name: string;
  state: string;
}

/** The podman containers the agent made for a pod (running or not). */
export async function containersOf(podUid: string): Promise<PodContainer[]> {
  const res = await runProgram(
    'podman',
    ['--runtime', '/usr/sbin/runc', 'ps', '--all', '--format', 'json', '--filter', `label=corral.node-agent.pod-uid=${podUid}`],
    { timeoutMs: 30_000 },
  );
  if (res.code !== 0) throw new Error(`podman ps: ${res.stderr.trim()}`);
  return ((JSON.parse(res.stdout || '[]') as { Id: string; Names: string[]; State: string }[] | null) ?? []).map((c) => ({
    id: c.Id,
    name: c.Names[0] ?? '',
    state: c.State,
  }));
}

async function podman(args: string[]): Promise<void> {
  const res = await runProgram('podman', ['--runtime', '/usr/sbin/runc', ...args], { timeoutMs: 60_000 });
  if (res.code !== 0) throw new Error(`podman ${args.join(' ')}: ${res.stderr.trim()}`);
}

/** Gives an image in podman's storage a second name: a new image the nodes already hold, as if pulled. */
export const tagImage = (image: string, name: string) => podman(['tag', image, name]);

/** Removes that name again (the image stays under its others). */
export const untagImage = (image: string, name: string) => podman(['untag', image, name]);
