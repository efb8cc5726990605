// The queue of ephemeral sequential nodes behind locks and leader election. Each contender watches only the one
// node that blocks it (no herd effect: a deletion wakes one waiter). Nodes are created GUID-protected (see
// protected-create.ts), so a create whose reply was lost does not leave an orphan blocking everyone.
import { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { Data, WatchEvent } from '../types.js';
import { bySequence, childPath, deleteIfExists } from './nodes.js';
import { childrenOrEmpty, createProtectedSequential } from './protected-create.js';
import { retrying } from './transient.js';
import { waitForChangeOrDeletion } from './watch-gone.js';

/** Given the contenders in order and our index, the name of the node we must wait for, if any. */
export type BlockerRule = (sorted: readonly string[], mine: number) => string | undefined;

/** Wait for the node just before ours (exclusive locks, election). */
export const predecessor: BlockerRule = (sorted, mine) => (mine === 0 ? undefined : sorted[mine - 1]);

/** Test and metrics hooks. */
export interface ContenderOptions {
  /** A contender (our node `node`) now waits for `blocker` to go: its watch is registered. */
  onWaiting?: (node: string, blocker: string) => void;
  /** Every watch event delivered to a waiting contender, with the contender's node name. */
  onWatch?: (event: WatchEvent, node: string) => void;
}

/** Thrown while waiting when our own node disappeared (deleted by someone else, or the session ended). */
export class ContenderGoneError extends NoNodeError {}

export class Contenders {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly dir: string,
    private readonly options: ContenderOptions = {},
  ) {}

  /** Creates our node (`<dir>/_c_<guid>-<prefix><sequence>`) and returns its name. */
  enter(prefix: string, data: Data = null): Promise<string> {
    return createProtectedSequential(this.client, this.dir, prefix, data, CreateMode.EphemeralSequential);
  }

  /** Every contender's name, in queue order. */
  async sorted(): Promise<string[]> {
    return bySequence(await childrenOrEmpty(this.client, this.dir));
  }

  /**
   * Resolves once `rule` finds nothing blocking `node`. Each round watches the blocking node only; its deletion
   * (or change, or the session ending) wakes us to look again.
   */
  async waitUntilClear(node: string, rule: BlockerRule, signal?: AbortSignal): Promise<void> {
    const { onWaiting, onWatch } = this.options;
    for (;;) {
      signal?.throwIfAborted();
      const sorted = await retrying(() => this.sorted(), signal);
      const mine = sorted.indexOf(node);
      if (mine < 0) throw new ContenderGoneError(childPath(this.dir, node), 'our contender node is gone');
      const blocker = rule(sorted, mine);
      if (blocker === undefined) return;
      await waitForChangeOrDeletion(this.client, childPath(this.dir, blocker), signal, {
        onWatching: () => onWaiting?.(node, blocker),
        onWatch: (event) => onWatch?.(event, node),
      });
    }
  }

  /** Deletes our node; succeeds if it is already gone. Retries through connection loss. */
  leave(node: string): Promise<void> {
    return deleteIfExists(this.client, childPath(this.dir, node));
  }
}
