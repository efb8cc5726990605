"""Requests added in ZooKeeper 3.5-3.6: container and TTL nodes, getAllChildrenNumber, getEphemerals,
whoAmI, addWatch (persistent and persistent-recursive), removeWatches/checkWatches, reconfig when
standalone. The server runs with extendedTypesEnabled=true.
"""
from kazoo.protocol.serialization import Create, Create2
from kazoo.security import OPEN_ACL_UNSAFE
from zkcompat import (AddWatch, CheckWatches, CreateContainer, CreateTTL, CreateWithStat, GetAllChildrenNumber,
                      GetEphemerals, RemoveWatches, T, WhoAmI, call, connect, op)

R = '/modern'
a = connect('a')
b = connect('b', auth_data=[('digest', 'carol:pw')])

op('create root', a.create, R)
op('a: container', call, a, CreateContainer(R + '/box'))
op('a: container child', a.create, R + '/box/item')
op('a: TTL node', call, a, CreateTTL(R + '/ttl', b't', OPEN_ACL_UNSAFE, 5, 60000))
op('a: TTL sequential', call, a, CreateTTL(R + '/ttl-', b'', OPEN_ACL_UNSAFE, 6, 60000))
op('a: TTL zero', call, a, CreateTTL(R + '/ttl0', b'', OPEN_ACL_UNSAFE, 5, 0))
op('a: TTL with a non-TTL mode', call, a, CreateTTL(R + '/ttlp', b'', OPEN_ACL_UNSAFE, 0, 1000))
op('a: container mode through createContainer as ephemeral', call, a,
   CreateWithStat(R + '/eph-box', b'', OPEN_ACL_UNSAFE, 1))
op('a: exists on container', a.exists, R + '/box')
op('a: exists on TTL node', a.exists, R + '/ttl')
op('a: create (opcode 1) with container flags', call, a, Create(R + '/flag4', b'', OPEN_ACL_UNSAFE, 4))
op('a: create2 with TTL flags', call, a, Create2(R + '/flag5', b'', OPEN_ACL_UNSAFE, 5))
op('a: create with unknown flags', call, a, Create(R + '/flag9', b'', OPEN_ACL_UNSAFE, 9))
op('a: ephemeral', a.create, R + '/e1', ephemeral=True)
op('a: ephemeral deeper', a.create, R + '/box/e2', ephemeral=True)
op('b: ephemeral', b.create, R + '/e3', ephemeral=True)
op('a: getEphemerals under root', call, a, GetEphemerals(R))
op('a: getEphemerals prefix match is textual', call, a, GetEphemerals(R + '/e'))
op('a: getEphemerals of /', call, a, GetEphemerals('/'))
op('b: getEphemerals', call, b, GetEphemerals(R))
op('a: getAllChildrenNumber', call, a, GetAllChildrenNumber(R))
op('a: getAllChildrenNumber of leaf', call, a, GetAllChildrenNumber(R + '/e1'))
op('a: getAllChildrenNumber missing', call, a, GetAllChildrenNumber(R + '/missing'))
op('a: whoAmI', call, a, WhoAmI())
op('b: whoAmI', call, b, WhoAmI())

# Persistent watches stay after firing; recursive ones cover the subtree and never report child events.
op('a: addWatch persistent', call, a, AddWatch(R + '/pw', AddWatch.PERSISTENT))
op('a: addWatch recursive', call, a, AddWatch(R + '/rw', AddWatch.PERSISTENT_RECURSIVE))
op('b: create watched', b.create, R + '/pw', b'1')
op('b: set watched', b.set, R + '/pw', b'2')
op('b: create child of watched', b.create, R + '/pw/c')
op('b: set child of watched (no event)', b.set, R + '/pw/c', b'x')
op('b: delete child of watched', b.delete, R + '/pw/c')
T.await_events(4)
op('b: create recursive root', b.create, R + '/rw')
op('b: create recursive child', b.create, R + '/rw/x')
op('b: create recursive grandchild', b.create, R + '/rw/x/y', b'g')
op('b: set grandchild', b.set, R + '/rw/x/y', b'h')
op('b: delete grandchild', b.delete, R + '/rw/x/y')
T.await_events(5)
op('a: own write fires own persistent watch first', a.set, R + '/pw', b'3')
# ZooKeeper 3.8 knows watcher types 1-3 only: Persistent (4) and PersistentRecursive (5) are 3.9's and
# 3.8 answers them MARSHALLINGERROR; there a persistent watch is removed with Any (3).
# checkWatches with the Persistent type (4) is 3.9-only: the 3.8 reference answers MARSHALLINGERROR, so it is
# not compared here (Corral answers as 3.9 does).
op('a: checkWatches data on persistent path', call, a, CheckWatches(R + '/pw', 2))
op('a: checkWatches none', call, a, CheckWatches(R + '/e1', 3))
op('a: removeWatches persistent via any', call, a, RemoveWatches(R + '/pw', 3))
op('a: removeWatches again', call, a, RemoveWatches(R + '/pw', 3))
op('b: set after removal', b.set, R + '/pw', b'4')
T.quiet()
op('a: data watch', a.get, R + '/e1', watch=lambda e: None)
op('a: child watch', a.get_children, R + '/e1', watch=lambda e: None)
op('a: checkWatches data', call, a, CheckWatches(R + '/e1', 2))
op('a: removeWatches data', call, a, RemoveWatches(R + '/e1', 2))
op('a: removeWatches children', call, a, RemoveWatches(R + '/e1', 1))
op('a: checkWatches any after removal', call, a, CheckWatches(R + '/e1', 3))
op('a: removeWatches any on missing node', call, a, RemoveWatches(R + '/missing', 3))
op('a: removeWatches recursive via any', call, a, RemoveWatches(R + '/rw', 3))
op('a: reconfig on a standalone server', a.reconfig, joining=None, leaving='2', new_members=None)
op('a: read /zookeeper/config', a.get, '/zookeeper/config')
for c in (a, b):
    c.stop()
    c.close()
T.out('done')
