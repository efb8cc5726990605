// FIFO queue over persistent sequential nodes: producers append, consumers claim the head by deleting it.
import { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { Data } from '../types.js';
import { bySequence, childPath, ensurePath } from './nodes.js';
import { createProtectedSequential } from './protected-create.js';
import { isTransient, retrying } from './transient.js';
import { abortable, waitSignal, wakeup, type WaitOptions } from './waiting.js';

const ITEM = 'q-';

/**
 * Items are delivered in the order their offer() completed. An item whose delete reply was lost is still
 * returned (another consumer may also have received it): delivery is at-least-once in that corner case,
 * never lost. Offers are GUID-protected, so a lost create reply does not enqueue an item twice.
 *
 * @example
 * const jobs = new DistributedQueue(client, '/queues/jobs');
 * await jobs.offer(JSON.stringify({ id: 1 }));
 * const next = await jobs.take({ signal });  // waits while the queue is empty
 * const maybe = await jobs.poll();           // null when empty
 */
export class DistributedQueue {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** Appends an item; returns its node path. */
  async offer(data: Data): Promise<string> {
    return childPath(this.path, await createProtectedSequential(this.client, this.path, ITEM, data, CreateMode.PersistentSequential));
  }

  /** Removes and returns the head, or null when the queue is empty. */
  async poll(): Promise<Buffer | null> {
    for (;;) {
      const names = await this.items();
      if (names.length === 0) return null;
      const item = await this.claimFirst(names);
      if (item !== undefined) return item;
    }
  }

  /** Removes and returns the head, waiting for an item while the queue is empty. */
  async take(options: WaitOptions = {}): Promise<Buffer> {
    const signal = waitSignal(options);
    for (;;) {
      signal?.throwIfAborted();
      const { promise, wake } = wakeup();
      const names = await this.items(wake, signal);
      const item = await this.claimFirst(names);
      if (item !== undefined) return item;
      if (names.length === 0) await abortable(promise, signal);
    }
  }

  /** The head's data without removing it, or null when empty. */
  async peek(): Promise<Buffer | null> {
    for (const name of await this.items()) {
      try {
        return (await retrying(() => this.client.getData(childPath(this.path, name)))).data ?? Buffer.alloc(0);
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
    }
    return null;
  }

  async size(): Promise<number> {
    return (await this.items()).length;
  }

  /** Item names in order; `watcher` fires on the next change of the item list. */
  private async items(watcher?: () => void, signal?: AbortSignal): Promise<string[]> {
    for (;;) {
      try {
        return bySequence(await retrying(() => this.client.getChildren(this.path, watcher), signal));
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
        await ensurePath(this.client, this.path);
      }
    }
  }

  /** Claims the first item still there; undefined if other consumers took them all. */
  private async claimFirst(names: readonly string[]): Promise<Buffer | undefined> {
    for (const name of names) {
      const path = childPath(this.path, name);
      let data: Buffer | null;
      try {
        data = (await retrying(() => this.client.getData(path))).data;
      } catch (err) {
        if (err instanceof NoNodeError) continue;
        throw err;
      }
      if (await this.deleteClaim(path)) return data ?? Buffer.alloc(0);
    }
    return undefined;
  }

  /** True when the item is ours: our delete succeeded, or its reply was lost and the node is now gone. */
  private async deleteClaim(path: string): Promise<boolean> {
    let ambiguous = false;
    for (;;) {
      try {
        await this.client.delete(path);
        return true;
      } catch (err) {
        if (err instanceof NoNodeError) return ambiguous;
        if (!isTransient(err)) throw err;
        ambiguous = true;
      }
    }
  }
}
