// Leader election over the contender queue: the first node leads, every other participant watches only the
// node just before its own. Leadership is given up as soon as it is in doubt.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { EventType } from 'corral/protocol';
import type { ZooKeeperClient } from '../client.js';
import { NoNodeError, SessionExpiredError } from '../errors.js';
import type { ClientState, WatchEvent } from '../types.js';
import { ContenderGoneError, Contenders, predecessor, type ContenderOptions } from './contenders.js';
import { childPath } from './nodes.js';
import { retrying } from './transient.js';
import { abortable, waitSignal, type WaitOptions } from './waiting.js';

/**
 * Why a leader stopped leading: its connection dropped ('suspended': the session may be expiring and another
 * participant may lead soon, so act as a follower), its session expired, its node was deleted by someone
 * else ('removed'; it re-joins at the back), or stop() was called.
 */
export type LeadershipLossReason = 'suspended' | 'expired' | 'removed' | 'stopped';

export interface LeaderElectionOptions extends ContenderOptions {
  /** This participant's id, stored in its node (see leader()). Default: a random UUID. */
  id?: string;
}

export interface LeaderElectionEvents {
  elected: [];
  lost: [reason: LeadershipLossReason];
  /** The election is over for this participant: stop() was called or the session expired. */
  ended: [reason: 'stopped' | 'expired'];
  /** An unexpected failure ended the election (emitted only when someone listens; it also ends with 'stopped'). */
  error: [err: Error];
}

const TERMINAL: readonly ClientState[] = ['expired', 'closed', 'auth-failed'];

/**
 * @example
 * const election = new LeaderElection(client, '/election/scheduler', { id: 'host-a' });
 * election.on('elected', () => scheduler.resume());
 * election.on('lost', (reason) => scheduler.pause(reason));
 * election.start();
 * await election.waitForLeadership({ timeout: 30_000 });
 * // ... later
 * await election.stop();
 */
export class LeaderElection extends EventEmitter<LeaderElectionEvents> {
  readonly id: string;
  private readonly queue: Contenders;
  private readonly stopper = new AbortController();
  private node: string | undefined;
  private leading = false;
  private running: Promise<void> | undefined;
  private endedWith: 'stopped' | 'expired' | Error | undefined;
  /** One watcher object for our own node, so re-watching never piles up callbacks in the client. */
  private onOwnNode: (event: WatchEvent) => void = () => undefined;
  private readonly ownNodeWatcher = (event: WatchEvent) => this.onOwnNode(event);

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    options: LeaderElectionOptions = {},
  ) {
    super();
    this.id = options.id ?? randomUUID();
    this.queue = new Contenders(client, path, options);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Joins the election; runs in the background until stop() or session expiry. */
  start(): void {
    this.running ??= this.campaign();
  }

  /** Leaves the election (deleting this participant's node); reports 'lost' with 'stopped' if it led. */
  async stop(): Promise<void> {
    this.stopper.abort(new Error('election stopped'));
    await this.running;
    if (this.node !== undefined && !TERMINAL.includes(this.client.state)) await this.queue.leave(this.node).catch(() => undefined);
    this.node = undefined;
  }

  /** Resolves when this participant leads (at once if it does); rejects if the election ends first. */
  waitForLeadership(options: WaitOptions = {}): Promise<void> {
    if (this.leading) return Promise.resolve();
    if (this.endedWith !== undefined) return Promise.reject(this.endError());
    const result = new Promise<void>((resolve, reject) => {
      const cleanup = () => {
        this.off('elected', onElected);
        this.off('ended', onEnded);
      };
      const onElected = () => {
        cleanup();
        resolve();
      };
      const onEnded = () => {
        cleanup();
        reject(this.endError());
      };
      this.on('elected', onElected);
      this.on('ended', onEnded);
    });
    return abortable(result, waitSignal(options));
  }

  /** The id of the current leader (the first participant), or undefined when nobody takes part. */
  async leader(): Promise<string | undefined> {
    return (await this.participants())[0];
  }

  /** Ids of every participant, leader first. */
  async participants(): Promise<string[]> {
    const ids: string[] = [];
    for (const name of await this.queue.sorted()) {
      try {
        ids.push((await retrying(() => this.client.getData(childPath(this.path, name)))).data?.toString('utf8') ?? '');
      } catch (err) {
        if (!(err instanceof NoNodeError)) throw err;
      }
    }
    return ids;
  }

  private async campaign(): Promise<void> {
    const signal = this.stopper.signal;
    try {
      for (;;) {
        this.node ??= await this.queue.enter('n-', this.id);
        try {
          await this.queue.waitUntilClear(this.node, predecessor, signal);
        } catch (err) {
          if (!(err instanceof ContenderGoneError)) throw err;
          this.node = undefined;
          continue;
        }
        if (this.client.state !== 'connected') {
          await this.connected(signal);
          continue; // look again: the queue may have changed meanwhile
        }
        signal.throwIfAborted();
        this.setLeader(true);
        const reason = await this.leadershipInDoubt(this.node, signal);
        this.setLeader(false, reason);
        if (reason === 'removed') this.node = undefined;
        else await this.connected(signal);
      }
    } catch (err) {
      if (signal.aborted) this.end('stopped', 'stopped');
      else if (err instanceof SessionExpiredError || TERMINAL.includes(this.client.state)) this.end('expired', 'expired');
      else {
        this.end(err as Error, 'stopped');
        if (this.listenerCount('error') > 0) this.emit('error', err as Error);
      }
    }
  }

  /** Resolves when leadership can no longer be assumed: the connection dropped or our node vanished. */
  private leadershipInDoubt(node: string, signal: AbortSignal): Promise<'suspended' | 'removed'> {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        this.client.off('state', onState);
        signal.removeEventListener('abort', onAbort);
        this.onOwnNode = () => undefined;
        settle();
      };
      const onState = (state: ClientState) => {
        if (state === 'disconnected') finish(() => resolve('suspended'));
        else if (TERMINAL.includes(state)) finish(() => reject(new SessionExpiredError()));
      };
      const onAbort = () => finish(() => reject(signal.reason as Error));
      const watchOwn = () => {
        retrying(() => this.client.getData(childPath(this.path, node), this.ownNodeWatcher)).catch((err: unknown) => {
          if (err instanceof NoNodeError) finish(() => resolve('removed'));
          else finish(() => reject(err as Error));
        });
      };
      this.onOwnNode = (event) => {
        if (event.type === EventType.NodeDeleted) finish(() => resolve('removed'));
        else if (event.type !== EventType.None) watchOwn();
      };
      this.client.on('state', onState);
      signal.addEventListener('abort', onAbort, { once: true });
      watchOwn();
    });
  }

  /** Waits for a live connection; throws if the session ends or the election is stopped first. */
  private connected(signal: AbortSignal): Promise<void> {
    if (this.client.state === 'connected') return Promise.resolve();
    if (TERMINAL.includes(this.client.state)) return Promise.reject(new SessionExpiredError());
    return new Promise<void>((resolve, reject) => {
      const finish = (settle: () => void) => {
        this.client.off('state', onState);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const onState = (state: ClientState) => {
        if (state === 'connected') finish(resolve);
        else if (TERMINAL.includes(state)) finish(() => reject(new SessionExpiredError()));
      };
      const onAbort = () => finish(() => reject(signal.reason as Error));
      this.client.on('state', onState);
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
    });
  }

  private setLeader(leading: boolean, reason?: LeadershipLossReason): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (leading) this.emit('elected');
    else this.emit('lost', reason!);
  }

  private end(how: 'stopped' | 'expired' | Error, reason: 'stopped' | 'expired'): void {
    this.endedWith = how;
    this.setLeader(false, reason);
    this.emit('ended', reason);
  }

  private endError(): Error {
    const how = this.endedWith;
    if (how instanceof Error) return how;
    return how === 'expired' ? new SessionExpiredError(this.path, 'the election ended with the session') : new Error('election stopped');
  }
}
