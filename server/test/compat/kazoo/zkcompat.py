"""Transcript helpers for the kazoo compatibility scenarios.

A scenario prints one line per operation: its result or its error name, and the watch events that
arrived before it, in arrival order. Values that differ between two correct servers are printed as tags
the TypeScript side normalizes: <zxid:N> and <session:N>. Times are reduced to the relations a client may
rely on (mtime = ctime for a never-modified node, mtime >= ctime otherwise).

kazoo 2.8 (Debian) has no API for the requests added in ZooKeeper 3.5-3.6 (addWatch, removeWatches,
checkWatches, multiRead, whoAmI, getEphemerals, getAllChildrenNumber, createContainer, createTTL); the
request classes below send them through kazoo's own connection, so the bytes still cross a real client.
"""

import struct
import sys
import threading
import time
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.exceptions import EXCEPTIONS, ZookeeperError
from kazoo.protocol.serialization import (
    Create2, GetChildren, GetData, Watch, int_struct, long_struct, multiheader_struct, read_buffer,
    read_string, stat_struct, write_string)
from kazoo.protocol.states import ZnodeStat
from kazoo.security import OPEN_ACL_UNSAFE

HOSTS = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:2181'

ERROR_NAMES = {
    0: 'OK', -1: 'SYSTEMERROR', -2: 'RUNTIMEINCONSISTENCY', -3: 'DATAINCONSISTENCY', -4: 'CONNECTIONLOSS',
    -5: 'MARSHALLINGERROR', -6: 'UNIMPLEMENTED', -7: 'OPERATIONTIMEOUT', -8: 'BADARGUMENTS',
    -12: 'UNKNOWNSESSION', -13: 'NEWCONFIGNOQUORUM', -14: 'RECONFIGINPROGRESS', -100: 'APIERROR',
    -101: 'NONODE', -102: 'NOAUTH', -103: 'BADVERSION', -108: 'NOCHILDRENFOREPHEMERALS',
    -110: 'NODEEXISTS', -111: 'NOTEMPTY', -112: 'SESSIONEXPIRED', -113: 'INVALIDCALLBACK',
    -114: 'INVALIDACL', -115: 'AUTHFAILED', -118: 'SESSIONMOVED', -119: 'NOTREADONLY',
    -120: 'EPHEMERALONLOCALSESSION', -121: 'NOWATCHER', -122: 'REQUESTTIMEOUT', -123: 'RECONFIGDISABLED',
    -124: 'SESSIONCLOSEDREQUIRESASLAUTH', -125: 'QUOTAEXCEEDED', -127: 'THROTTLEDOP',
}
EVENT_NAMES = {-1: 'None', 1: 'NodeCreated', 2: 'NodeDeleted', 3: 'NodeDataChanged', 4: 'NodeChildrenChanged',
               5: 'DataWatchRemoved', 6: 'ChildWatchRemoved', 7: 'PersistentWatchRemoved'}
STATE_NAMES = {-1: 'Unknown', 0: 'Disconnected', 3: 'SyncConnected', 4: 'AuthFailed', 5: 'ConnectedReadOnly',
               6: 'SaslAuthenticated', -112: 'Expired', 7: 'Closed'}

# kazoo 2.8 raises RuntimeError for codes it does not know; give those codes exception classes too.
for _code in ERROR_NAMES:
    if _code not in EXCEPTIONS:
        EXCEPTIONS[_code] = type('ZkError%d' % -_code, (ZookeeperError,), {'code': _code})


class Transcript:
    """Collects watch events from kazoo's reader threads and prints them at deterministic points.

    A session's own events are printed before the next line about that session (labels start with the
    session's name, `a: ...`): on one connection the server's order is fixed, so an event triggered by
    a session's own write comes before that write's reply. Events triggered by another session race
    with that session's reply, so they are printed only at await_events/quiet, grouped by session.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._events = {}

    def event(self, who, line):
        with self._cond:
            self._events.setdefault(who, []).append(line)
            self._cond.notify_all()

    def _pending(self):
        return sum(len(v) for v in self._events.values())

    def _flush(self, who=None):
        for name in sorted(self._events):
            if who is None or name == who:
                for e in self._events[name]:
                    print(e)
                self._events[name] = []

    def out(self, line):
        who = line.split(':', 1)[0] if ':' in line.split(' ', 1)[0] else None
        with self._cond:
            self._flush(who)
            print(line)
            sys.stdout.flush()

    def await_events(self, count, timeout=15.0):
        """Waits until `count` events are pending (triggered by another session), then prints them all."""
        deadline = time.time() + timeout
        with self._cond:
            while self._pending() < count:
                left = deadline - time.time()
                if left <= 0:
                    print('TIMEOUT waiting for %d events, got %d' % (count, self._pending()))
                    break
                self._cond.wait(left)
            self._flush()
            sys.stdout.flush()

    def quiet(self, seconds=0.3):
        """Lets stray events arrive, then prints them: used where a scenario expects none."""
        time.sleep(seconds)
        with self._cond:
            self._flush()
            sys.stdout.flush()


T = Transcript()


def connect(name, client_id=None, timeout=10.0, read_only=False, auth_data=None, start=True):
    """A kazoo client whose every watch notification is logged as `[name] event <type> <state> <path>`."""
    client = KazooClient(hosts=HOSTS, timeout=timeout, client_id=client_id, read_only=read_only,
                         auth_data=auth_data, connection_retry={'max_tries': 3, 'delay': 0.1})
    conn = client._connection
    original = conn._read_watch_event

    def tapped(buffer, offset):
        w, _ = Watch.deserialize(buffer, offset)
        T.event(name, '[%s] event %s %s %s' % (name, EVENT_NAMES.get(w.type, w.type), STATE_NAMES.get(w.state, w.state),
                                         w.path))
        return original(buffer, offset)

    conn._read_watch_event = tapped
    if start:
        client.start(timeout=15)
    return client


# ---- formatting -------------------------------------------------------------------------------------

def zxid(v):
    return '<zxid:%d>' % v


def owner(v):
    if v == 0:
        return '0'
    if v == -0x8000000000000000:  # containers are marked with the lowest long
        return 'container'
    if (v >> 56) & 0xFF == 0xFF:  # TTL nodes carry their TTL in ephemeralOwner
        return 'ttl:%d' % (v & 0x00FFFFFFFFFFFFFF)
    return '<session:%d>' % v


def fmt_stat(s):
    if s.mzxid == s.czxid:
        times = 'mtime=ctime' if s.mtime == s.ctime else 'mtime!=ctime(BAD)'
    else:
        times = 'mtime>=ctime' if s.mtime >= s.ctime else 'mtime<ctime(BAD)'
    now = time.time() * 1000
    if s.ctime == 0:
        times += ' ctime=0'  # the nodes every server starts with (/, /zookeeper, ...)
    elif not now - 3600_000 < s.ctime <= now + 60_000:
        times += ' ctime-not-now(BAD)'
    return ('stat(czxid=%s mzxid=%s pzxid=%s %s version=%d cversion=%d aversion=%d owner=%s dataLength=%d '
            'numChildren=%d)' % (zxid(s.czxid), zxid(s.mzxid), zxid(s.pzxid), times, s.version, s.cversion,
                                 s.aversion, owner(s.ephemeralOwner), s.dataLength, s.numChildren))


def fmt(v):
    if isinstance(v, ZnodeStat):
        return fmt_stat(v)
    if isinstance(v, bytes):
        return repr(v)
    if isinstance(v, ZookeeperError):
        return '!%s' % ERROR_NAMES.get(v.code, v.code)
    if isinstance(v, list):
        items = [fmt(x) for x in v]
        return '[' + ', '.join(items) + ']'
    if isinstance(v, tuple) and hasattr(v, 'perms'):  # ACL
        return '%d:%s:%s' % (v.perms, v.id.scheme, v.id.id)
    if isinstance(v, tuple):
        return '(' + ', '.join(fmt(x) for x in v) + ')'
    return repr(v)


def err_name(e):
    code = getattr(e, 'code', None)
    if code is not None and code in ERROR_NAMES:
        return ERROR_NAMES[code]
    return type(e).__name__


def op(label, fn, *args, **kwargs):
    """Runs one operation and prints `label -> result` or `label !! ERRORNAME`."""
    try:
        result = fn(*args, **kwargs)
    except Exception as e:  # a timeout too: the transcript shows it instead of the script dying
        T.out('%s !! %s' % (label, err_name(e)))
        return e
    T.out('%s -> %s' % (label, fmt(result)))
    return result


def sorted_children(children):
    """Children come back in the server's hash order, which clients must not rely on."""
    return sorted(children)


# ---- requests kazoo 2.8 lacks -----------------------------------------------------------------------

def call(client, request, timeout=10):
    result = client.handler.async_result()
    client._call(request, result)
    return result.get(timeout=timeout)


def _read_stat(buf, offset):
    return ZnodeStat._make(stat_struct.unpack_from(buf, offset)), offset + stat_struct.size


def _read_string_vector(buf, offset):
    n = int_struct.unpack_from(buf, offset)[0]
    offset += int_struct.size
    items = []
    for _ in range(max(n, 0)):
        s, offset = read_string(buf, offset)
        items.append(s)
    return items, offset


def _write_acls(acls):
    b = bytearray(int_struct.pack(len(acls)))
    for a in acls:
        b.extend(int_struct.pack(a.perms) + write_string(a.id.scheme) + write_string(a.id.id))
    return b


class NoBody:
    @classmethod
    def deserialize(cls, buf, offset):
        return True


class GetAllChildrenNumber(namedtuple('GetAllChildrenNumber', 'path')):
    type = 104

    def serialize(self):
        return write_string(self.path)

    @classmethod
    def deserialize(cls, buf, offset):
        return int_struct.unpack_from(buf, offset)[0]


class GetEphemerals(namedtuple('GetEphemerals', 'prefix')):
    type = 103

    def serialize(self):
        return write_string(self.prefix)

    @classmethod
    def deserialize(cls, buf, offset):
        return sorted(_read_string_vector(buf, offset)[0])


class WhoAmI:
    """No fields; not a namedtuple, since kazoo skips replies to requests that are falsy."""
    type = 107

    def serialize(self):
        return b''

    @classmethod
    def deserialize(cls, buf, offset):
        n = int_struct.unpack_from(buf, offset)[0]
        offset += int_struct.size
        infos = []
        for _ in range(max(n, 0)):
            scheme, offset = read_string(buf, offset)
            user, offset = read_string(buf, offset)
            infos.append('%s:%s' % (scheme, user))
        return infos


class AddWatch(NoBody, namedtuple('AddWatch', 'path mode')):
    type = 106
    PERSISTENT, PERSISTENT_RECURSIVE = 0, 1

    def serialize(self):
        return write_string(self.path) + int_struct.pack(self.mode)


class RemoveWatches(NoBody, namedtuple('RemoveWatches', 'path watcher_type')):
    """watcher_type: 1 children, 2 data, 3 any, 4 persistent, 5 persistent recursive."""
    type = 18

    def serialize(self):
        return write_string(self.path) + int_struct.pack(self.watcher_type)


class CheckWatches(RemoveWatches):
    type = 17


class CreateWithStat(namedtuple('CreateWithStat', 'path data acl flags')):
    """create2's layout sent under another opcode: createContainer (19); the reply is (path, stat)."""
    type = 19

    def serialize(self):
        return Create2(self.path, self.data, self.acl, self.flags).serialize()

    @classmethod
    def deserialize(cls, buf, offset):
        path, offset = read_string(buf, offset)
        return path, _read_stat(buf, offset)[0]


class CreateContainer(CreateWithStat):
    def __new__(cls, path, data=b''):
        return super().__new__(cls, path, data, OPEN_ACL_UNSAFE, 4)


class CreateTTL(namedtuple('CreateTTL', 'path data acl flags ttl')):
    """flags: 5 persistent with TTL, 6 persistent sequential with TTL."""
    type = 21

    def serialize(self):
        return Create2(self.path, self.data, self.acl, self.flags).serialize() + long_struct.pack(self.ttl)

    deserialize = CreateWithStat.deserialize


class MultiRead(namedtuple('MultiRead', 'ops')):
    """ops: ('get', path) or ('ls', path); results: (data, stat), [children] or an error."""
    type = 22

    def serialize(self):
        b = bytearray()
        for kind, path in self.ops:
            req = GetData(path, False) if kind == 'get' else GetChildren(path, False)
            b.extend(multiheader_struct.pack(req.type, False, -1) + req.serialize())
        return b + multiheader_struct.pack(-1, True, -1)

    @classmethod
    def deserialize(cls, buf, offset):
        results = []
        while True:
            typ, done, err = multiheader_struct.unpack_from(buf, offset)
            offset += multiheader_struct.size
            if done:
                return results
            if typ == GetData.type:
                data, offset = read_buffer(buf, offset)
                stat, offset = _read_stat(buf, offset)
                results.append((data, stat))
            elif typ == GetChildren.type:
                children, offset = _read_string_vector(buf, offset)
                results.append(sorted(children))
            else:
                code = int_struct.unpack_from(buf, offset)[0]
                offset += int_struct.size
                results.append('!' + ERROR_NAMES.get(code, str(code)))
