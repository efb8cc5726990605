"""ACLs: getACL/setACL with versions, enforcement for world, digest (addauth), ip and auth schemes, super.

The server runs with DigestAuthenticationProvider.superDigest for super:secret (see the test's config).
"""
from kazoo.security import ACL, Id, make_digest_acl, make_digest_acl_credential
from zkcompat import T, connect, op

R = '/acl'
READ, WRITE, CREATE, DELETE, ADMIN, ALL = 1, 2, 4, 8, 16, 31
WORLD = Id('world', 'anyone')

a = connect('a')  # no credentials
u = connect('u', auth_data=[('digest', 'alice:pw')])
v = connect('v')

op('create root', a.create, R)
op('default ACL', a.get_acls, R)
op('u: create with the auth scheme',
   u.create, R + '/alice', b'secret', acl=[ACL(ALL, Id('auth', ''))])
op('u: ACL stored for auth scheme', u.get_acls, R + '/alice')
op('a: read alice node', a.get, R + '/alice')
op('a: exists ignores ACL', a.exists, R + '/alice')
op('a: children ignore child ACL', a.get_children, R)
op('a: set alice node', a.set, R + '/alice', b'x')
op('a: getACL needs READ or ADMIN', a.get_acls, R + '/alice')
op('u: read own node', u.get, R + '/alice')
op('v: addauth wrong password', v.add_auth, 'digest', 'alice:wrong')
op('v: read with wrong password', v.get, R + '/alice')
op('v: addauth right password', v.add_auth, 'digest', 'alice:pw')
op('v: read after addauth', v.get, R + '/alice')
op('create with auth ACL, no auth', a.create, R + '/noauth', acl=[ACL(ALL, Id('auth', ''))])
op('create with bad scheme', a.create, R + '/bad', acl=[ACL(ALL, Id('nosuch', 'x'))])
op('create with bad digest id', a.create, R + '/bad', acl=[ACL(ALL, Id('digest', 'no-colon'))])
op('create with bad ip', a.create, R + '/bad', acl=[ACL(ALL, Id('ip', '300.1.1.1'))])
digest = make_digest_acl_credential('bob', 'pw')
T.out('digest of bob:pw is ' + digest)
op('create digest ACL read-only for bob', a.create, R + '/bob', b'b',
   acl=[make_digest_acl('bob', 'pw', read=True), ACL(READ | ADMIN, WORLD)])
op('a: getACL', a.get_acls, R + '/bob')
op('a: read (world READ)', a.get, R + '/bob')
op('a: write', a.set, R + '/bob', b'x')
op('a: create child (no CREATE)', a.create, R + '/bob/c')
op('a: setACL with ADMIN, wrong version', a.set_acls, R + '/bob', [ACL(ALL, WORLD)], version=3)
op('a: setACL with ADMIN', a.set_acls, R + '/bob', [ACL(CREATE | READ, WORLD)], version=0)
op('a: create child now', a.create, R + '/bob/c')
op('a: delete child (DELETE missing on parent)', a.delete, R + '/bob/c')
op('a: setACL without ADMIN', a.set_acls, R + '/bob', [ACL(ALL, WORLD)])
op('a: stat shows aversion', a.exists, R + '/bob')
op('ip ACL for 127.0.0.1', a.create, R + '/ip', acl=[ACL(ALL, Id('ip', '127.0.0.1'))])
op('a: read ip node', a.get, R + '/ip')
op('create ip ACL for another net', a.create, R + '/ip2', acl=[ACL(ALL, Id('ip', '10.0.0.0/8'))])
op('a: read other-net node', a.get, R + '/ip2')
op('create with no READ for anyone', a.create, R + '/wo', b'w', acl=[ACL(WRITE, WORLD)])
op('a: read write-only node', a.get, R + '/wo')
op('a: getChildren needs READ', a.get_children, R + '/wo')
op('a: write write-only node', a.set, R + '/wo', b'w2')
s = connect('s', auth_data=[('digest', 'super:secret')])
op('s: super reads alice node', s.get, R + '/alice')
op('s: super reads other-net node', s.get, R + '/ip2')
op('s: super sets ACL', s.set_acls, R + '/ip2', [ACL(ALL, WORLD)])
op('a: read after super opened it', a.get, R + '/ip2')
op('setACL on missing node', a.set_acls, R + '/missing', [ACL(ALL, WORLD)])
op('getACL on missing node', a.get_acls, R + '/missing')
for c in (a, u, v, s):
    c.stop()
    c.close()
T.out('done')
