// Persistent watches as async iterators: `for await (const ev of client.watch('/a'))`. Events are buffered
// until read; leaving the loop (break/return) removes the watch. The session ending stops the iteration:
// expiry and auth failure with an error, close() normally.
import { EventType, KeeperState } from 'corral/protocol';
import { AuthFailedError, SessionExpiredError } from './errors.js';
import type { WatchEvent, Watcher } from './types.js';

export class WatchStream implements AsyncIterableIterator<WatchEvent> {
  /** Resolves once the server has registered the watch; rejects if it refused. */
  readonly ready: Promise<void>;
  /** The callback to register: it feeds the stream. */
  readonly watcher: Watcher = (event) => this.push(event);

  private readonly buffered: WatchEvent[] = [];
  private readonly readers: { resolve(r: IteratorResult<WatchEvent>): void; reject(e: Error): void }[] = [];
  private finished = false;
  private failure: Error | undefined;

  constructor(
    register: (watcher: Watcher) => Promise<void>,
    private readonly unregister: (watcher: Watcher) => Promise<void>,
  ) {
    this.ready = register(this.watcher);
    this.ready.catch((err: Error) => this.stop(err));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<WatchEvent>> {
    await this.ready;
    const event = this.buffered.shift();
    if (event !== undefined) return { value: event, done: false };
    if (this.failure) throw this.failure;
    if (this.finished) return { value: undefined, done: true };
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  /** Ends the iteration and removes the watch (called by `break` in a for-await loop). */
  async return(): Promise<IteratorResult<WatchEvent>> {
    if (!this.finished) {
      this.stop();
      await this.ready.then(() => this.unregister(this.watcher), () => undefined);
    }
    return { value: undefined, done: true };
  }

  /** Same as leaving the loop. */
  async close(): Promise<void> {
    await this.return();
  }

  private push(event: WatchEvent): void {
    if (this.finished) return;
    if (event.type === EventType.None) {
      if (event.state === KeeperState.Expired) this.stop(new SessionExpiredError());
      else if (event.state === KeeperState.AuthFailed) this.stop(new AuthFailedError());
      else if (event.state === KeeperState.Closed) this.stop();
      return;
    }
    const reader = this.readers.shift();
    if (reader) reader.resolve({ value: event, done: false });
    else this.buffered.push(event);
  }

  private stop(failure?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = failure;
    for (const r of this.readers.splice(0)) {
      if (failure) r.reject(failure);
      else r.resolve({ value: undefined, done: true });
    }
  }
}
