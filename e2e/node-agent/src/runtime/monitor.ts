import type { Logger } from 'pino';
import { labels } from './labels.js';
import type { Podman } from './podman.js';

export type RuntimeState = 'running' | 'exited' | 'missing';

/**
 * What podman last said about the agent's containers, kept from its event stream (a container died,
 * started, was removed) and a periodic listing that covers any events missed. Tells the owner of each
 * container's pod when something changed; pod workers ask `podman inspect` for the details.
 */
export class RuntimeMonitor {
  private readonly states = new Map<string, { state: RuntimeState; pod: string; since: number }>();
  private stopEvents: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly podman: Podman,
    /** Selects the agent's own containers (see labels.ts). */
    private readonly filter: string,
    private readonly log: Logger,
    private readonly onPodChanged: (podUid: string) => void,
    private readonly listEveryMs = 10_000,
  ) {}

  start(): void {
    this.stopEvents = this.podman.follow(
      this.filter,
      (event) => {
        const pod = event.labels[labels.podUid];
        if (!pod) return;
        const state: RuntimeState | undefined =
          event.status === 'died' ? 'exited' : event.status === 'start' ? 'running' : event.status === 'remove' ? 'missing' : undefined;
        if (!state) return;
        this.states.set(event.id, { state, pod, since: Date.now() });
        this.onPodChanged(pod);
      },
      () => void this.refresh(),
    );
    this.timer = setInterval(() => void this.refresh(), this.listEveryMs);
    void this.refresh();
  }

  stop(): void {
    this.stopEvents?.();
    clearInterval(this.timer);
  }

  state(id: string): RuntimeState | undefined {
    return this.states.get(id)?.state;
  }

  /** A container the agent just started: running, whatever a listing that began earlier says. */
  noteStarted(id: string, podUid: string): void {
    this.states.set(id, { state: 'running', pod: podUid, since: Date.now() });
  }

  private async refresh(): Promise<void> {
    const began = Date.now();
    let listed;
    try {
      listed = await this.podman.list(this.filter);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not list containers');
      return;
    }
    const seen = new Set<string>();
    for (const c of listed) {
      const pod = c.Labels?.[labels.podUid];
      if (!pod) continue;
      seen.add(c.Id);
      const state: RuntimeState = c.State === 'running' ? 'running' : 'exited';
      const before = this.states.get(c.Id);
      if (before && before.since > began) continue; // newer news from an event or a start
      if (before?.state !== state) {
        this.states.set(c.Id, { state, pod, since: began });
        this.onPodChanged(pod);
      }
    }
    for (const [id, entry] of this.states) {
      if (seen.has(id) || entry.since > began) continue;
      if (entry.state === 'missing') this.states.delete(id);
      else {
        entry.state = 'missing';
        this.onPodChanged(entry.pod);
      }
    }
  }
}
