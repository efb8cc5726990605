// Group membership: each live member is an ephemeral child named by its id; the list follows sessions.
import { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NodeExistsError, NoNodeError } from '../errors.js';
import type { Data } from '../types.js';
import { childPath, createWithParents, deleteIfExists } from './nodes.js';
import { childrenOrEmpty } from './protected-create.js';
import { retrying } from './transient.js';
import { abortable, wakeup } from './waiting.js';

/** This session's place in a group. */
export interface Membership {
  readonly id: string;
  /** Leaves the group (deletes the member node). */
  leave(): Promise<void>;
}

/**
 * @example
 * const workers = new GroupMembership(client, '/groups/workers');
 * const me = await workers.join('worker-3', JSON.stringify({ host: 'w3', port: 9000 }));
 * for await (const ids of workers.watch({ signal })) rebalance(ids); // current list, then every change
 * await me.leave();
 */
export class GroupMembership {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /**
   * Joins as `id` (until leave() or the session ends). Throws NodeExistsError if another session is a
   * member under that id; joining again from the same session is a no-op.
   */
  async join(id: string, data: Data = null): Promise<Membership> {
    const path = childPath(this.path, id);
    try {
      await createWithParents(this.client, path, data, CreateMode.Ephemeral);
    } catch (err) {
      // A create retried after a lost reply finds its own node.
      if (!(err instanceof NodeExistsError) || (await retrying(() => this.client.exists(path)))?.ephemeralOwner !== this.client.sessionId) throw err;
    }
    return { id, leave: () => deleteIfExists(this.client, path) };
  }

  /** Current member ids, sorted. */
  async members(): Promise<string[]> {
    return (await childrenOrEmpty(this.client, this.path)).sort();
  }

  /** A member's data, or undefined when it is not a member. */
  async memberData(id: string): Promise<Buffer | null | undefined> {
    try {
      return (await retrying(() => this.client.getData(childPath(this.path, id)))).data;
    } catch (err) {
      if (err instanceof NoNodeError) return undefined;
      throw err;
    }
  }

  /**
   * The live member list: yields the current ids, then the new list after every change (changes that
   * cancel out between two looks are not reported). Ends with an error when the session expires; stop it with
   * the signal or by leaving the loop.
   */
  async *watch(options: { signal?: AbortSignal } = {}): AsyncGenerator<string[], void, undefined> {
    const { signal } = options;
    let last: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const { promise, wake } = wakeup();
      const ids = await this.watchedMembers(wake, signal);
      const key = JSON.stringify(ids);
      if (key !== last) {
        last = key;
        yield ids;
      }
      await abortable(promise, signal);
    }
  }

  /** Members, with `watcher` set to fire on the next change (on the group's creation if it does not exist). */
  private async watchedMembers(watcher: () => void, signal?: AbortSignal): Promise<string[]> {
    for (;;) {
      try {
        return (await retrying(() => this.client.getChildren(this.path, watcher), signal)).sort();
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
      if ((await retrying(() => this.client.exists(this.path, watcher), signal)) === null) return [];
    }
  }
}
