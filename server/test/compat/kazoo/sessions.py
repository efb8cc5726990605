"""Sessions: expiry removes ephemerals and fires watches; reattaching with id and password; a wrong
password; closing. (kazoo 2.8 never re-sends watches after a reconnect, so setWatches is covered by the
node-zookeeper-client scenario instead.)

Run with `child <path> <timeout>` it is a helper session whose process gets killed without closing.
"""
import os
import signal
import subprocess
import sys
import time

from kazoo.protocol.states import KazooState
from zkcompat import HOSTS, T, connect, op

R = '/sessions'

if len(sys.argv) > 2 and sys.argv[2] == 'child':
    c = connect('child', timeout=float(sys.argv[4]))
    c.create(sys.argv[3], b'child', ephemeral=True)
    print('%d %s' % (c.client_id[0], c.client_id[1].hex()), flush=True)
    time.sleep(60)
    sys.exit(0)


def killed_child(path, timeout):
    """A session that holds an ephemeral at `path`, left behind unclosed: its process is killed."""
    child = subprocess.Popen([sys.executable, __file__, HOSTS, 'child', path, str(timeout)],
                             stdout=subprocess.PIPE, text=True)
    sid, passwd = child.stdout.readline().split()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    return int(sid), bytes.fromhex(passwd)


a = connect('a')
op('create root', a.create, R)

# Expiry: a session that stops pinging expires after its timeout; its ephemeral goes, and watchers see
# NodeDeleted and the parent's NodeChildrenChanged.
killed_child(R + '/doomed', 2.0)
op('a: ephemeral of the child', lambda: a.exists(R + '/doomed', watch=lambda e: None).ephemeralOwner != 0)
op('a: watch children', lambda: sorted(a.get_children(R, watch=lambda e: None)))
started = time.time()
T.await_events(2, timeout=20)
T.out('expired within 10 s: %s' % (time.time() - started < 10))
op('a: ephemeral gone', a.exists, R + '/doomed')

# Reattach: the session of a killed client is taken over with its id and password before it expires.
sid, passwd = killed_child(R + '/b-eph', 8.0)
states = []
w = connect('w', client_id=(sid, b'\x00' * 16), start=False)
w.add_listener(states.append)
w.start(timeout=10)
# ZooKeeper answers a wrong password like an expired session; kazoo then opens a fresh session.
T.out('w: wrong password gave a different session: %s, LOST seen: %s' % (
    w.client_id[0] != sid, KazooState.LOST in states))
w.stop()
w.close()
b = connect('b', client_id=(sid, passwd))
T.out('b: reattached to the same session: %s' % (b.client_id[0] == sid))
op('b: its ephemeral survived', lambda: b.exists(R + '/b-eph').ephemeralOwner == sid)
op('b: create another ephemeral', b.create, R + '/b-eph2', ephemeral=True)

# Closing a session deletes its ephemerals at once.
op('a: watch b ephemeral', lambda: a.exists(R + '/b-eph2', watch=lambda e: None) is not None)
b.stop()
b.close()
T.await_events(1)
op('a: ephemerals of closed session gone', lambda: [a.exists(R + '/b-eph'), a.exists(R + '/b-eph2')])
a.stop()
a.close()
op('a: calls after close', a.exists, R)
T.out('done')
