import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventType, Perms, WatcherType } from '../../../protocol/src/constants.js';
import type { ACL, Id } from '../../../protocol/src/records.js';
import { WatchManager, type Watcher } from '../../src/member/watches.js';
import { OPEN_ACL_UNSAFE } from '../../src/tree/acl.js';

class Recorder implements Watcher {
  readonly got: string[] = [];
  constructor(readonly auth: readonly Id[] = []) {}
  notify(type: EventType, path: string): void {
    this.got.push(`${EventType[type]} ${path}`);
  }
}

const ev = (type: EventType, path: string, acl: readonly ACL[] = OPEN_ACL_UNSAFE) => ({ type, path, acl });

describe('WatchManager', () => {
  it('data watches are one-shot and fire on created, changed and deleted, not on children changes', () => {
    const m = new WatchManager();
    const w = new Recorder();
    m.addData('/a', w);
    m.trigger(ev(EventType.NodeChildrenChanged, '/a'));
    expect(w.got).toEqual([]);
    m.trigger(ev(EventType.NodeDataChanged, '/a'));
    m.trigger(ev(EventType.NodeDataChanged, '/a'));
    expect(w.got).toEqual(['NodeDataChanged /a']);
    m.addData('/a', w);
    m.trigger(ev(EventType.NodeDeleted, '/a'));
    m.addData('/b', w);
    m.trigger(ev(EventType.NodeCreated, '/b'));
    expect(w.got).toEqual(['NodeDataChanged /a', 'NodeDeleted /a', 'NodeCreated /b']);
    expect(m.count).toBe(0);
  });

  it('child watches are one-shot and fire on children changed and on deletion of the node', () => {
    const m = new WatchManager();
    const w = new Recorder();
    m.addChild('/a', w);
    m.trigger(ev(EventType.NodeDataChanged, '/a'));
    m.trigger(ev(EventType.NodeChildrenChanged, '/a'));
    m.trigger(ev(EventType.NodeChildrenChanged, '/a'));
    m.addChild('/a', w);
    m.trigger(ev(EventType.NodeDeleted, '/a'));
    expect(w.got).toEqual(['NodeChildrenChanged /a', 'NodeDeleted /a']);
  });

  it('a watcher with data and child watches on a deleted node hears NodeDeleted once', () => {
    const m = new WatchManager();
    const w = new Recorder();
    m.addData('/a', w);
    m.addChild('/a', w);
    m.addPersistent('/a', w, false);
    m.addPersistent('/', w, true);
    m.trigger(ev(EventType.NodeDeleted, '/a'));
    expect(w.got).toEqual(['NodeDeleted /a']);
  });

  it('persistent watches stay and see every event on their own path only', () => {
    const m = new WatchManager();
    const w = new Recorder();
    m.addPersistent('/a', w, false);
    for (const t of [EventType.NodeCreated, EventType.NodeDataChanged, EventType.NodeChildrenChanged, EventType.NodeDeleted]) m.trigger(ev(t, '/a'));
    m.trigger(ev(EventType.NodeCreated, '/a/b'));
    expect(w.got).toEqual(['NodeCreated /a', 'NodeDataChanged /a', 'NodeChildrenChanged /a', 'NodeDeleted /a']);
    expect(m.count).toBe(1);
  });

  it('recursive watches see the subtree (whole segments only) but never NodeChildrenChanged', () => {
    const m = new WatchManager();
    const w = new Recorder();
    m.addPersistent('/a', w, true);
    m.trigger(ev(EventType.NodeCreated, '/a/b/c'));
    m.trigger(ev(EventType.NodeDataChanged, '/a'));
    m.trigger(ev(EventType.NodeChildrenChanged, '/a'));
    m.trigger(ev(EventType.NodeCreated, '/ab'));
    m.trigger(ev(EventType.NodeDeleted, '/a/b/c'));
    expect(w.got).toEqual(['NodeCreated /a/b/c', 'NodeDataChanged /a', 'NodeDeleted /a/b/c']);
    const root = new Recorder();
    m.addPersistent('/', root, true);
    m.trigger(ev(EventType.NodeCreated, '/x'));
    expect(root.got).toEqual(['NodeCreated /x']);
  });

  it('each watcher is notified at most once per event, whatever mix of watches matches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ w: fc.nat(3), kind: fc.nat(3), path: fc.constantFrom('/', '/a', '/a/b') }), { maxLength: 20 }),
        fc.constantFrom(EventType.NodeCreated, EventType.NodeDeleted, EventType.NodeDataChanged, EventType.NodeChildrenChanged),
        fc.constantFrom('/a', '/a/b'),
        (regs, type, path) => {
          const m = new WatchManager();
          const ws = [0, 1, 2, 3].map(() => new Recorder());
          for (const r of regs) {
            const w = ws[r.w]!;
            if (r.kind === 0) m.addData(r.path, w);
            else if (r.kind === 1) m.addChild(r.path, w);
            else m.addPersistent(r.path, w, r.kind === 3);
          }
          m.trigger(ev(type, path));
          for (const w of ws) expect(w.got.length).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('checks and removes watches by type', () => {
    const m = new WatchManager();
    const w = new Recorder();
    const other = new Recorder();
    m.addData('/a', w);
    m.addChild('/a', w);
    m.addPersistent('/p', w, false);
    m.addPersistent('/r', w, true);
    expect(m.matching(w, '/a', WatcherType.Data, false)).toBe(true);
    expect(m.matching(other, '/a', WatcherType.Data, false)).toBe(false);
    expect(m.matching(w, '/a', WatcherType.Persistent, false)).toBe(false);
    expect(m.matching(w, '/a', WatcherType.Data, true)).toBe(true);
    expect(m.matching(w, '/a', WatcherType.Data, false)).toBe(false);
    expect(m.matching(w, '/a', WatcherType.Children, false)).toBe(true);
    expect(m.matching(w, '/p', WatcherType.Persistent, true)).toBe(true);
    expect(m.matching(w, '/r', WatcherType.PersistentRecursive, false)).toBe(true);
    expect(m.matching(w, '/r', WatcherType.Any, true)).toBe(true);
    expect(m.matching(w, '/a', WatcherType.Any, true)).toBe(true);
    expect(m.count).toBe(0);
    for (const t of [EventType.NodeDeleted, EventType.NodeChildrenChanged]) for (const p of ['/a', '/p', '/r']) m.trigger(ev(t, p));
    expect(w.got).toEqual([]);
  });

  it('removeWatcher drops every registration of that watcher and no other', () => {
    const m = new WatchManager();
    const w = new Recorder();
    const keep = new Recorder();
    m.addData('/a', w);
    m.addChild('/a', w);
    m.addPersistent('/a', w, false);
    m.addPersistent('/', w, true);
    m.addData('/a', keep);
    m.removeWatcher(w);
    m.removeWatcher(w);
    expect(m.count).toBe(1);
    expect(m.pathsByWatcher().has(w)).toBe(false);
    expect([...m.watchersByPath().get('/a')!]).toEqual([keep]);
    expect(m.watchersByPath().has('/')).toBe(false);
    m.trigger(ev(EventType.NodeDeleted, '/a'));
    expect(w.got).toEqual([]);
    expect(keep.got).toEqual(['NodeDeleted /a']);
    expect(m.count).toBe(0);
  });

  it('fired one-shot watches leave the reverse index too', () => {
    const m = new WatchManager();
    const w = new Recorder();
    m.addData('/a', w);
    m.addPersistent('/b', w, false);
    m.trigger(ev(EventType.NodeDataChanged, '/a'));
    expect([...m.pathsByWatcher().get(w)!]).toEqual(['/b']);
  });

  it('tells a watcher only of changes to nodes its session may read; one-shot watches are used up all the same', () => {
    const alice = { scheme: 'digest', id: 'alice:x' };
    const aliceOnly: ACL[] = [{ perms: Perms.All, id: alice }];
    const readable: ACL[] = [{ perms: Perms.Read, id: { scheme: 'world', id: 'anyone' } }];
    const m = new WatchManager();
    const other = new Recorder([{ scheme: 'ip', id: '127.0.0.1' }]);
    const owner = new Recorder([alice]);
    const admin = new Recorder([{ scheme: 'super', id: 'super' }]);
    for (const w of [other, owner, admin]) {
      m.addPersistent('/app', w, true);
      m.addData('/app/secret', w);
    }
    m.trigger(ev(EventType.NodeCreated, '/app/secret', aliceOnly));
    m.trigger(ev(EventType.NodeDataChanged, '/app/open', readable));
    m.addData('/app/secret', other);
    m.trigger(ev(EventType.NodeDeleted, '/app/secret', aliceOnly));
    expect(other.got).toEqual(['NodeDataChanged /app/open']);
    expect(owner.got).toEqual(['NodeCreated /app/secret', 'NodeDataChanged /app/open', 'NodeDeleted /app/secret']);
    expect(admin.got).toEqual(owner.got);
    expect(m.pathsByWatcher().get(other)).toEqual(new Set(['/app']));
    // skipACL: no check
    const open = new WatchManager(true);
    const w = new Recorder();
    open.addPersistent('/', w, true);
    open.trigger(ev(EventType.NodeCreated, '/app/secret', aliceOnly));
    expect(w.got).toEqual(['NodeCreated /app/secret']);
  });
});
