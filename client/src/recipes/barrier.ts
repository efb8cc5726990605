// A barrier is up while its node exists: workers wait until a coordinator removes it.
import { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NodeExistsError } from '../errors.js';
import { createWithParents, deleteIfExists } from './nodes.js';
import { retrying } from './transient.js';
import { waitSignal, type WaitOptions } from './waiting.js';
import { waitForChangeOrDeletion } from './watch-gone.js';

/**
 * @example
 * const barrier = new Barrier(client, '/barriers/deploy-42');
 * await barrier.set();                       // coordinator raises it
 * await barrier.waitOnBarrier({ timeout: 60_000 }); // workers block here
 * await barrier.remove();                    // coordinator lets everyone through
 */
export class Barrier {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** Raises the barrier (a persistent node); no-op if it is already up. */
  async set(): Promise<void> {
    try {
      await createWithParents(this.client, this.path, null, CreateMode.Persistent);
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }

  /** Removes the barrier, releasing every waiter; no-op if it is not up. */
  remove(): Promise<void> {
    return deleteIfExists(this.client, this.path);
  }

  /** Resolves once the barrier is down (at once if it is not up). */
  async waitOnBarrier(options: WaitOptions = {}): Promise<void> {
    const signal = waitSignal(options);
    while ((await retrying(() => this.client.exists(this.path), signal)) !== null) {
      await waitForChangeOrDeletion(this.client, this.path, signal);
    }
  }
}
