// "Wait until this node is deleted", the step several recipes share.
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { WatchEvent } from '../types.js';
import { retrying } from './transient.js';
import { abortable, wakeup } from './waiting.js';

/**
 * Waits until `path` changes or disappears (returns at once if it does not exist). Callers look again after
 * it returns: a data change also wakes them. getData rather than exists, so a missing node leaves no watch
 * behind waiting for a re-creation.
 */
export async function waitForChangeOrDeletion(
  client: ZooKeeperClient,
  path: string,
  signal?: AbortSignal,
  hooks: { onWatching?: () => void; onWatch?: (event: WatchEvent) => void } = {},
): Promise<void> {
  const { promise, wake } = wakeup();
  let waiting = true;
  const watcher = (event: WatchEvent) => {
    if (!waiting) return;
    hooks.onWatch?.(event);
    wake();
  };
  try {
    await retrying(() => client.getData(path, watcher), signal);
    hooks.onWatching?.();
    await abortable(promise, signal);
  } catch (err) {
    if (!(err instanceof NoNodeError)) throw err;
  } finally {
    waiting = false;
  }
}
