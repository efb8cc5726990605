"""One-shot watches: which operations fire which events, in which order relative to replies."""
from zkcompat import T, connect, op, sorted_children

R = '/watches'
a = connect('a')
b = connect('b')


def watcher(label):
    return lambda event: None  # events are logged by the tap; kazoo only needs a callable


op('create root', a.create, R)
op('a: exists watch on missing', a.exists, R + '/n', watch=watcher('n'))
# The creating session's own watch: the event must come before the create's reply.
op('a: create', a.create, R + '/n', b'one')
op('a: get with data watch', a.get, R + '/n', watch=watcher('n'))
op('a: children watch on root', a.get_children, R, watch=watcher('root'))
op('a: set (fires own data watch before reply)', a.set, R + '/n', b'two')
op('a: set again (watch already used)', a.set, R + '/n', b'three')
T.quiet()
op('a: re-arm data watch', a.get, R + '/n', watch=watcher('n'))
op('b: set', b.set, R + '/n', b'four')
T.await_events(1)
op('a: read after event', a.get, R + '/n')
op('a: exists watch on existing', a.exists, R + '/n', watch=watcher('n'))
op('a: get with data watch', a.get, R + '/n', watch=watcher('n'))
op('a: children watch on node', a.get_children, R + '/n', watch=watcher('n'))
# One delete fires the data watch and the child watch on the node, and the parent's child watch.
op('b: delete', b.delete, R + '/n')
T.await_events(2)
T.quiet()
op('a: children watch on root', a.get_children, R, watch=watcher('root'))
op('b: create child', b.create, R + '/c1')
T.await_events(1)
op('b: create another child (no watch)', b.create, R + '/c2')
T.quiet()
op('a: children2 watch', lambda: (lambda r: (sorted_children(r[0]), r[1]))(
    a.get_children(R, watch=watcher('root'), include_data=True)))
op('b: set on parent (not a child event)', b.set, R, b'x')
T.quiet()
op('b: delete child', b.delete, R + '/c1')
T.await_events(1)
op('a: watch on child data', a.get, R + '/c2', watch=watcher('c2'))
op('b: setACL (no event)', b.set_acls, R + '/c2', b.get_acls(R + '/c2')[0])
T.quiet()
op('b: failed set (no event)', b.set, R + '/c2', b'x', version=9)
T.quiet()
op('b: set', b.set, R + '/c2', b'y')
T.await_events(1)
# Watches from several sessions on one node: each session gets one event.
op('a: data watch', a.get, R + '/c2', watch=watcher('c2'))
op('b: data watch', b.get, R + '/c2', watch=watcher('c2'))
op('a: set', a.set, R + '/c2', b'z')
T.await_events(1)
T.quiet()
# Same watch registered twice in one session: a single event.
op('a: exists watch', a.exists, R + '/c2', watch=watcher('c2'))
op('a: get watch', a.get, R + '/c2', watch=watcher('c2'))
op('b: set', b.set, R + '/c2', b'w')
T.await_events(1)
T.quiet()
for c in (a, b):
    c.stop()
    c.close()
T.out('done')
