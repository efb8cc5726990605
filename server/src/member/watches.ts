// Watches registered on this member. Lookups go by path (and, for recursive watches, by the changed path's
// ancestors), so firing costs O(depth + recipients), never a scan of every watcher.
import { EventType, Perms, WatcherType, type Id } from 'corral/protocol';
import type { TreeEvent } from '../state/apply.js';
import { permits } from '../tree/acl.js';
import { parentOf } from '../tree/paths.js';

/** Who receives events: one per client connection. */
export interface Watcher {
  /** The identities of the watcher's session, for the READ check each event gets. */
  readonly auth: readonly Id[];
  notify(type: EventType, path: string): void;
}

const enum Kind {
  Data = 0,
  Child = 1,
  Persistent = 2,
  Recursive = 3,
}
const KINDS = [Kind.Data, Kind.Child, Kind.Persistent, Kind.Recursive] as const;

export class WatchManager {
  /** With skipACL every watcher hears every change it watches. */
  constructor(private readonly skipAcl = false) {}

  private readonly byKind: Map<string, Set<Watcher>>[] = KINDS.map(() => new Map());
  /** Reverse index so a closing connection drops its watches without a scan. */
  private readonly byWatcher = new Map<Watcher, Set<string>[]>();

  addData(path: string, w: Watcher): void {
    this.add(Kind.Data, path, w);
  }

  addChild(path: string, w: Watcher): void {
    this.add(Kind.Child, path, w);
  }

  addPersistent(path: string, w: Watcher, recursive: boolean): void {
    this.add(recursive ? Kind.Recursive : Kind.Persistent, path, w);
  }

  /**
   * Fires the watches a tree change triggers; each watcher hears about one change at most once, and only if it may
   * read the node: as in ZooKeeper from 3.9.2 on (CVE-2024-23944), a watch on a readable ancestor (a persistent
   * recursive one, say) must not reveal the paths of nodes its session cannot read. One-shot watches are used up
   * either way, as there.
   */
  trigger(event: TreeEvent): void {
    const { type, path, acl } = event;
    const recipients = new Set<Watcher>();
    if (type === EventType.NodeChildrenChanged) {
      this.take(Kind.Child, path, recipients);
      this.collect(Kind.Persistent, path, recipients);
    } else {
      this.take(Kind.Data, path, recipients);
      if (type === EventType.NodeDeleted) this.take(Kind.Child, path, recipients);
      this.collect(Kind.Persistent, path, recipients);
      if (this.byKind[Kind.Recursive]!.size > 0) {
        for (let p = path; ; p = parentOf(p)) {
          this.collect(Kind.Recursive, p, recipients);
          if (p === '/') break;
        }
      }
    }
    for (const w of recipients) if (permits(acl, Perms.Read, w.auth, this.skipAcl)) w.notify(type, path);
  }

  /** checkWatches/removeWatches: whether `w` has a watch of `type` on `path`, removing them if asked. */
  matching(w: Watcher, path: string, type: WatcherType, remove: boolean): boolean {
    const kinds = kindsFor(type);
    let found = false;
    for (const k of kinds) {
      if (this.byKind[k]!.get(path)?.has(w)) {
        found = true;
        if (remove) this.removeOne(k, path, w);
      }
    }
    return found;
  }

  removeWatcher(w: Watcher): void {
    const own = this.byWatcher.get(w);
    if (!own) return;
    own.forEach((paths, k) => {
      for (const path of paths) this.removeFromMap(k, path, w);
    });
    this.byWatcher.delete(w);
  }

  /** Number of (watcher, path, kind) registrations, as mntr's zk_watch_count. */
  get count(): number {
    let n = 0;
    for (const m of this.byKind) for (const s of m.values()) n += s.size;
    return n;
  }

  /** Paths watched by each watcher (wchc) and watchers of each path (wchp). */
  pathsByWatcher(): Map<Watcher, Set<string>> {
    const out = new Map<Watcher, Set<string>>();
    for (const [w, kinds] of this.byWatcher) out.set(w, new Set(kinds.flatMap((s) => [...s])));
    return out;
  }

  watchersByPath(): Map<string, Set<Watcher>> {
    const out = new Map<string, Set<Watcher>>();
    for (const m of this.byKind) {
      for (const [path, set] of m) {
        let acc = out.get(path);
        if (!acc) out.set(path, (acc = new Set()));
        for (const w of set) acc.add(w);
      }
    }
    return out;
  }

  private add(k: Kind, path: string, w: Watcher): void {
    const m = this.byKind[k]!;
    let set = m.get(path);
    if (!set) m.set(path, (set = new Set()));
    set.add(w);
    let own = this.byWatcher.get(w);
    if (!own) this.byWatcher.set(w, (own = KINDS.map(() => new Set<string>())));
    own[k]!.add(path);
  }

  /** One-shot watches: hand them over and forget them. */
  private take(k: Kind, path: string, into: Set<Watcher>): void {
    const set = this.byKind[k]!.get(path);
    if (!set) return;
    this.byKind[k]!.delete(path);
    for (const w of set) {
      into.add(w);
      this.byWatcher.get(w)?.[k]!.delete(path);
    }
  }

  private collect(k: Kind, path: string, into: Set<Watcher>): void {
    const set = this.byKind[k]!.get(path);
    if (set) for (const w of set) into.add(w);
  }

  private removeOne(k: Kind, path: string, w: Watcher): void {
    this.removeFromMap(k, path, w);
    this.byWatcher.get(w)?.[k]!.delete(path);
  }

  private removeFromMap(k: Kind, path: string, w: Watcher): void {
    const set = this.byKind[k]!.get(path);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) this.byKind[k]!.delete(path);
  }
}

function kindsFor(type: WatcherType): readonly Kind[] {
  switch (type) {
    // A persistent watch counts as both a data and a child watch, a recursive one as a data watch (ZooKeeper keeps
    // them in its data and child watch tables).
    case WatcherType.Children:
      return [Kind.Child, Kind.Persistent];
    case WatcherType.Data:
      return [Kind.Data, Kind.Persistent, Kind.Recursive];
    case WatcherType.Persistent:
      return [Kind.Persistent];
    case WatcherType.PersistentRecursive:
      return [Kind.Recursive];
    default:
      return KINDS;
  }
}
