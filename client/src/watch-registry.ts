// Client-side bookkeeping of watches by kind and client path: which callbacks a notification triggers (one-shot
// kinds are consumed when they fire), what to re-register after a reconnect, and what removeWatches drops.
import { EventType, WatcherType } from 'corral/protocol';
import type { Watcher } from './types.js';

export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

const KINDS: readonly WatchKind[] = ['data', 'exist', 'child', 'persistent', 'persistentRecursive'];

/** The kinds a removeWatches/checkWatches of `type` covers. */
export function kindsOf(type: WatcherType): WatchKind[] {
  switch (type) {
    case WatcherType.Children:
      return ['child'];
    case WatcherType.Data:
      return ['data', 'exist'];
    case WatcherType.Persistent:
      return ['persistent'];
    case WatcherType.PersistentRecursive:
      return ['persistentRecursive'];
    case WatcherType.Any:
      return [...KINDS];
  }
}

/** The event type delivered to a watcher of `kind` when it is removed. */
export function removalEvent(kind: WatchKind): EventType {
  if (kind === 'child') return EventType.ChildWatchRemoved;
  if (kind === 'data' || kind === 'exist') return EventType.DataWatchRemoved;
  return EventType.PersistentWatchRemoved;
}

export class WatchRegistry {
  private readonly byKind = new Map<WatchKind, Map<string, Set<Watcher>>>(KINDS.map((k) => [k, new Map()]));

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const paths = this.byKind.get(kind)!;
    let set = paths.get(path);
    if (set === undefined) paths.set(path, (set = new Set()));
    set.add(watcher);
  }

  has(kind: WatchKind, path: string): boolean {
    return (this.byKind.get(kind)!.get(path)?.size ?? 0) > 0;
  }

  /** Removes one watcher (or all when undefined) of `kind` at `path`; returns those removed. */
  remove(kind: WatchKind, path: string, watcher?: Watcher): Watcher[] {
    const paths = this.byKind.get(kind)!;
    const set = paths.get(path);
    if (set === undefined) return [];
    if (watcher === undefined) {
      paths.delete(path);
      return [...set];
    }
    if (!set.delete(watcher)) return [];
    if (set.size === 0) paths.delete(path);
    return [watcher];
  }

  /** The watchers a node event at `path` triggers, each once; one-shot watchers are removed. */
  triggered(type: EventType, path: string): Set<Watcher> {
    const out = new Set<Watcher>();
    const take = (kind: WatchKind) => {
      for (const w of this.remove(kind, path)) out.add(w);
    };
    const peek = (kind: WatchKind, p: string) => {
      for (const w of this.byKind.get(kind)!.get(p) ?? []) out.add(w);
    };
    switch (type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        take('data');
        take('exist');
        break;
      case EventType.NodeDeleted:
        take('data');
        take('exist');
        take('child');
        break;
      case EventType.NodeChildrenChanged:
        take('child');
        break;
      default:
        return out;
    }
    peek('persistent', path);
    // Recursive watches cover the node and all its descendants but never report child-list changes.
    if (type !== EventType.NodeChildrenChanged) for (const p of selfAndAncestors(path)) peek('persistentRecursive', p);
    return out;
  }

  paths(kind: WatchKind): string[] {
    return [...this.byKind.get(kind)!.keys()];
  }

  /** Every watcher, each once; with `clear`, the registry is emptied. */
  all(clear: boolean): Set<Watcher> {
    const out = new Set<Watcher>();
    for (const paths of this.byKind.values()) for (const set of paths.values()) for (const w of set) out.add(w);
    if (clear) for (const paths of this.byKind.values()) paths.clear();
    return out;
  }
}

function* selfAndAncestors(path: string): Generator<string> {
  yield path;
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) yield path.slice(0, i);
  if (path !== '/') yield '/';
}
