// Keeps one znode's value fresh in memory (e.g. a large shard map) with coalesced refreshes: a persistent watch
// marks the value stale, and one reader loop re-reads while it is stale. However many changes arrive, at most
// one getData is in flight, and a change that lands during a read causes exactly one more read afterwards,
// so the last change is always read (latest value wins, none is missed).
import { EventEmitter } from 'node:events';
import type { Stat } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError } from '../errors.js';
import type { ClientState } from '../types.js';
import type { WatchStream } from '../watch-stream.js';
import { retrying } from './transient.js';

/** The node's decoded value and Stat, or null while the node does not exist. */
export type Snapshot<T> = { value: T; stat: Stat } | null;

export interface WatchedValueOptions<T> {
  /** Turns the node's bytes into the cached value (default: the Buffer itself). */
  decode?: (data: Buffer | null) => T;
  /** Test and metrics hook: called after every read with what it found. */
  onRead?: (stat: Stat | null) => void;
}

export interface WatchedValueEvents<T> {
  /** The node changed (or appeared, or vanished): the new snapshot. */
  change: [snapshot: Snapshot<T>];
  /** Reading failed for good (e.g. the session expired); the value stops updating. */
  error: [err: Error];
}

/**
 * @example
 * const shards = new WatchedValue(client, '/config/shard-map', { decode: (b) => JSON.parse(String(b)) as ShardMap });
 * await shards.start();
 * route(shards.current?.value);            // always the latest map read
 * shards.on('change', (snap) => reroute(snap?.value));
 * await shards.close();
 */
export class WatchedValue<T = Buffer | null> extends EventEmitter<WatchedValueEvents<T>> {
  private snapshot: Snapshot<T> | undefined;
  private stale = false;
  private reading: Promise<void> | undefined;
  private stream: WatchStream | undefined;
  private closed = false;
  private failure: Error | undefined;
  private wasDisconnected = false;
  private readonly decode: (data: Buffer | null) => T;
  private readonly onState = (state: ClientState) => {
    if (state === 'disconnected') this.wasDisconnected = true;
    // Persistent watches come back after a reconnect, but changes made while we were away fire no event.
    else if (state === 'connected' && this.wasDisconnected) {
      this.wasDisconnected = false;
      this.refresh();
    }
  };

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly options: WatchedValueOptions<T> = {},
  ) {
    super();
    this.decode = options.decode ?? ((data) => data as T);
  }

  /** The latest snapshot read; undefined before the first read completes. */
  get current(): Snapshot<T> | undefined {
    return this.snapshot;
  }

  /** Registers the watch and resolves after the first read (rejects if it failed). */
  async start(): Promise<void> {
    if (!this.stream) {
      this.client.on('state', this.onState);
      this.stream = this.client.watch(this.path);
      await this.stream.ready;
      void this.follow(this.stream);
      this.refresh();
    }
    await this.reading;
    if (this.failure) throw this.failure;
  }

  /** Stops watching; the last snapshot stays readable. */
  async close(): Promise<void> {
    this.closed = true;
    this.client.off('state', this.onState);
    await this.stream?.close();
    await this.reading;
  }

  private async follow(stream: WatchStream): Promise<void> {
    try {
      for await (const _event of stream) this.refresh();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Marks the value stale and starts the reader loop unless it is running (it will see the flag). */
  private refresh(): void {
    if (this.closed) return;
    this.stale = true;
    this.reading ??= this.readWhileStale().finally(() => (this.reading = undefined));
  }

  private async readWhileStale(): Promise<void> {
    while (this.stale && !this.closed) {
      this.stale = false;
      let next: Snapshot<T>;
      try {
        const { data, stat } = await retrying(() => this.client.getData(this.path));
        this.options.onRead?.(stat);
        next = { value: this.decode(data), stat };
      } catch (err) {
        if (!(err instanceof NoNodeError)) {
          this.fail(err as Error);
          return;
        }
        this.options.onRead?.(null);
        next = null;
      }
      const before = this.snapshot;
      this.snapshot = next;
      if (before === undefined || before?.stat.mzxid !== next?.stat.mzxid) this.emit('change', next);
    }
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = err;
    this.client.off('state', this.onState);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
