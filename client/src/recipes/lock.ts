// Exclusive lock without herd effect: each waiter watches only the node just before its own.
import type { ZooKeeperClient } from '../client.js';
import type { Data } from '../types.js';
import { Contenders, predecessor, type BlockerRule, type ContenderOptions } from './contenders.js';
import { childPath } from './nodes.js';
import { waitSignal, type WaitOptions } from './waiting.js';

export type LockOptions = ContenderOptions & {
  /** Stored in the lock node, e.g. who holds it (visible to `corral get`). */
  data?: Data;
};

/** A held lock. The lock is also lost if the session expires: watch the client's 'expired' event. */
export interface LockHandle {
  /** The full path of this holder's lock node. */
  readonly path: string;
  /** Deletes the lock node (retrying through connection loss); safe to call more than once. */
  release(): Promise<void>;
}

/**
 * A queue lock over sequential ephemeral nodes under one folder; `rule` decides which earlier node blocks a
 * contender. Mutex and the two halves of ReadWriteLock are instances of it.
 */
export class QueueLock {
  private readonly queue: Contenders;

  constructor(
    client: ZooKeeperClient,
    readonly path: string,
    private readonly prefix: string,
    private readonly rule: BlockerRule,
    private readonly options: LockOptions = {},
  ) {
    this.queue = new Contenders(client, path, options);
  }

  /**
   * Waits for the lock. On abort, timeout or any failure the contender node is removed again, so a caller
   * that gave up never blocks the others.
   */
  async acquire(options: WaitOptions = {}): Promise<LockHandle> {
    const signal = waitSignal(options);
    signal?.throwIfAborted();
    const node = await this.queue.enter(this.prefix, this.options.data ?? null);
    try {
      await this.queue.waitUntilClear(node, this.rule, signal);
    } catch (err) {
      await this.queue.leave(node).catch(() => undefined);
      throw err;
    }
    let released: Promise<void> | undefined;
    return {
      path: childPath(this.path, node),
      release: () => (released ??= this.queue.leave(node)),
    };
  }

  /** Full paths of the current contenders (holders first). */
  async contenders(): Promise<string[]> {
    return (await this.queue.sorted()).map((n) => childPath(this.path, n));
  }
}

/**
 * A distributed mutex: at most one holder at a time across all sessions.
 *
 * @example
 * const lock = new Mutex(client, '/locks/shard-7');
 * const held = await lock.acquire({ timeout: 5000 });
 * try {
 *   await rebalanceShard7();
 * } finally {
 *   await held.release();
 * }
 */
export class Mutex extends QueueLock {
  constructor(client: ZooKeeperClient, path: string, options: LockOptions = {}) {
    super(client, path, 'lock-', predecessor, options);
  }
}
