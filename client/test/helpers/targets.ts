// The servers the client suites run against: Apache ZooKeeper and Corral, unless CLIENT_TARGETS narrows it.
import { startTarget, type Target, type TargetKind } from '../../../test-support/servers.js';

export type { Target, TargetKind };

export const TARGET_KINDS: TargetKind[] = (process.env.CLIENT_TARGETS ?? 'zookeeper,corral')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is TargetKind => s === 'zookeeper' || s === 'corral');

/**
 * tickTime 500 allows 1 s sessions (expiry tests stay quick); TTL nodes need extended types.
 */
export function startClientTarget(kind: TargetKind): Promise<Target> {
  return startTarget(kind, { tickTime: 500, extendedTypesEnabled: true });
}

/** Polls until `cond` holds, failing after timeoutMs with `what` in the message. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
