"""multi (transactions): all-or-nothing results, check ops, and the per-op results on failure."""
from zkcompat import MultiRead, T, call, connect, op

R = '/multi'
a = connect('a')
op('create root', a.create, R, b'r')


def commit(label, build):
    t = a.transaction()
    build(t)
    op(label, t.commit)


commit('a: multi success', lambda t: (
    t.create(R + '/x', b'1'), t.create(R + '/x/y'), t.set_data(R + '/x', b'2'), t.check(R + '/x', 1),
    t.create(R + '/s-', sequence=True), t.create(R + '/e', ephemeral=True)))
op('a: state after success', a.get, R + '/x')
op('a: children after success', lambda: sorted(a.get_children(R)))
commit('a: multi failing in the middle', lambda t: (
    t.create(R + '/new'), t.delete(R + '/missing'), t.set_data(R + '/x', b'3'), t.check(R + '/x', 2)))
op('a: nothing applied', a.exists, R + '/new')
commit('a: multi failing on check', lambda t: (t.set_data(R + '/x', b'4'), t.check(R + '/x', 0)))
op('a: set not applied', a.get, R + '/x')
commit('a: multi failing first op', lambda t: (t.create(R + '/x'), t.create(R + '/z')))
commit('a: multi delete with version', lambda t: (t.delete(R + '/x/y', version=0), t.delete(R + '/x', version=1)))
op('a: deleted', a.exists, R + '/x')
commit('a: multi with NOTEMPTY', lambda t: (t.create(R + '/p'), t.create(R + '/p/q'), t.delete(R + '/p')))
commit('a: empty multi', lambda t: None)
commit('a: create then delete same node', lambda t: (t.create(R + '/tmp'), t.delete(R + '/tmp')))
op('a: parent stat after multis', a.exists, R)
op('a: multiRead', call, a, MultiRead([('get', R), ('ls', R), ('get', R + '/missing'), ('ls', R + '/missing'),
                                        ('get', R + '/e')]))
op('a: empty multiRead', call, a, MultiRead([]))
a.stop()
a.close()
T.out('done')
