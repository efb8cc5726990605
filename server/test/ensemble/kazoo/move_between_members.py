# kazoo against a Corral ensemble: a session with an ephemeral whose member is killed (the test kills the member
# whose client port this script reports); kazoo must move to another member with the same session, the ephemeral
# must survive, and after sync a read through the moved session sees a write made through another member.
# (kazoo 2.8 does not re-send watches after a reconnect, so watches are covered by other clients' tests.)
import os, sys, time
from kazoo.client import KazooClient

connect, port_file, killed_file = sys.argv[1], sys.argv[2], sys.argv[3]
zk = KazooClient(connect, timeout=10)
zk.start(timeout=15)
zk.create('/moving', b'v0')
zk.create('/moving-eph', ephemeral=True)
sid = zk.client_id[0]
open(port_file, 'w').write(str(zk._connection._socket.getpeername()[1]))
deadline = time.time() + 30
while not os.path.exists(killed_file) and time.time() < deadline:
    time.sleep(0.05)
other = KazooClient(connect, timeout=10)
other.start(timeout=15)
other.set('/moving', b'v1')
zk.sync('/moving')
print('same session:', zk.client_id[0] == sid)
print('ephemeral kept:', other.exists('/moving-eph') is not None)
print('reads after move:', zk.get('/moving')[0].decode())
zk.stop()
other.sync('/')
print('ephemeral gone after close:', other.exists('/moving-eph') is None)
other.stop()
