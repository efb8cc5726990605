// Double barrier (ZooKeeper's recipe): enter() blocks until `count` members have arrived, leave() until every
// member has left. On entry each member watches one "ready" node the last arrival creates (not the member
// list); on exit the lowest member waits for the highest, and everyone else for the lowest.
import { randomUUID } from 'node:crypto';
import { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NodeExistsError } from '../errors.js';
import { childPath, createWithParents, deleteIfExists } from './nodes.js';
import { isTransient, retrying } from './transient.js';
import { abortable, waitSignal, wakeup, type WaitOptions } from './waiting.js';
import { waitForChangeOrDeletion } from './watch-gone.js';

const READY = 'ready';
const MEMBER = 'm-';

export interface DoubleBarrierOptions {
  /** This member's id (its node is `m-<id>`). Default: a random UUID. */
  id?: string;
}

/**
 * One round at a time per path: start the next round only after every member of this one has left.
 *
 * @example
 * const barrier = new DoubleBarrier(client, '/barriers/step', 5, { id: workerId });
 * await barrier.enter({ timeout: 30_000 }); // all 5 workers start together
 * await computeStep();
 * await barrier.leave({ timeout: 30_000 }); // and finish together
 */
export class DoubleBarrier {
  private readonly me: string;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    readonly count: number,
    options: DoubleBarrierOptions = {},
  ) {
    this.me = MEMBER + (options.id ?? randomUUID());
  }

  /** Joins (an ephemeral member node) and waits for `count` members; gives up its place on abort. */
  async enter(options: WaitOptions = {}): Promise<void> {
    const signal = waitSignal(options);
    await this.createMember();
    const ready = childPath(this.path, READY);
    try {
      for (;;) {
        signal?.throwIfAborted();
        const { promise, wake } = wakeup();
        // Watch "ready" before counting, so an arrival between the count and the wait still wakes us.
        if ((await retrying(() => this.client.exists(ready, wake), signal)) !== null) return;
        if ((await this.members()).length >= this.count) {
          try {
            await this.client.create(ready, null, { mode: CreateMode.Ephemeral });
            return;
          } catch (err) {
            if (err instanceof NodeExistsError) return;
            if (!isTransient(err)) throw err;
            continue; // unknown whether it was created: look again
          }
        }
        await abortable(promise, signal);
      }
    } catch (err) {
      await deleteIfExists(this.client, childPath(this.path, this.me)).catch(() => undefined);
      throw err;
    }
  }

  /** Leaves and waits until every member has left. */
  async leave(options: WaitOptions = {}): Promise<void> {
    const signal = waitSignal(options);
    const myPath = childPath(this.path, this.me);
    for (;;) {
      signal?.throwIfAborted();
      const members = await this.members();
      const here = members.includes(this.me);
      if (members.length === 0 || (here && members.length === 1)) {
        if (here) await deleteIfExists(this.client, myPath);
        await deleteIfExists(this.client, childPath(this.path, READY));
        return;
      }
      const lowest = members[0]!;
      let awaited: string;
      if (here && lowest === this.me) {
        awaited = members[members.length - 1]!;
      } else {
        if (here) await deleteIfExists(this.client, myPath);
        awaited = lowest;
      }
      await waitForChangeOrDeletion(this.client, childPath(this.path, awaited), signal);
    }
  }

  private async members(): Promise<string[]> {
    const children = await retrying(() => this.client.getChildren(this.path));
    return children.filter((c) => c.startsWith(MEMBER)).sort();
  }

  private async createMember(): Promise<void> {
    const path = childPath(this.path, this.me);
    try {
      await createWithParents(this.client, path, null, CreateMode.Ephemeral);
    } catch (err) {
      // Ours if a create whose reply was lost already made it; anyone else's means a duplicate id.
      if (!(err instanceof NodeExistsError) || (await retrying(() => this.client.exists(path)))?.ephemeralOwner !== this.client.sessionId) throw err;
    }
  }
}
