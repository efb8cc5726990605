// A counter in one znode (decimal text), changed by compare-and-set on the node version.
import { CreateMode } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { BadVersionError, ConnectionLossError, NodeExistsError, NoNodeError } from '../errors.js';
import { ensurePath, parentOf } from './nodes.js';
import { isTransient, retrying } from './transient.js';

/**
 * add() never loses an increment under contention: a write only succeeds on the version it read, and a
 * conflict re-reads and tries again. If the connection drops while a write is in flight the outcome is
 * unknowable (someone else may have written the same value), so add() then throws ConnectionLossError with
 * "outcome unknown" instead of guessing: retrying could count twice, ignoring it could count never.
 *
 * @example
 * const visits = new SharedCounter(client, '/counters/visits');
 * const now = await visits.add(1);
 * const total = await visits.get();
 */
export class SharedCounter {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** The current value (0 when the counter node does not exist yet). */
  async get(): Promise<number> {
    return (await this.read())?.value ?? 0;
  }

  /** Adds `delta` (may be negative) and returns the new value. */
  async add(delta: number): Promise<number> {
    if (!Number.isSafeInteger(delta)) throw new RangeError(`delta must be a safe integer, got ${delta}`);
    for (;;) {
      const current = await this.read();
      const next = (current?.value ?? 0) + delta;
      if (!Number.isSafeInteger(next)) throw new RangeError(`counter ${this.path} would overflow`);
      try {
        // Neither write may be retried blindly (see the class comment), so both go out once per round.
        if (current === null) {
          await ensurePath(this.client, parentOf(this.path));
          await this.client.create(this.path, String(next), { mode: CreateMode.Persistent });
        } else await this.client.setData(this.path, String(next), current.version);
        return next;
      } catch (err) {
        if (err instanceof BadVersionError || err instanceof NodeExistsError || err instanceof NoNodeError) continue;
        if (isTransient(err)) throw new ConnectionLossError(this.path, `outcome unknown: the counter may or may not include ${delta}`);
        throw err;
      }
    }
  }

  private async read(): Promise<{ value: number; version: number } | null> {
    try {
      const { data, stat } = await retrying(() => this.client.getData(this.path));
      const text = data?.toString('utf8') ?? '';
      const value = text === '' ? 0 : Number(text);
      if (!Number.isSafeInteger(value)) throw new Error(`${this.path} does not hold a counter: ${JSON.stringify(text.slice(0, 40))}`);
      return { value, version: stat.version };
    } catch (err) {
      if (err instanceof NoNodeError) return null;
      throw err;
    }
  }
}
