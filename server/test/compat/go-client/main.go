// The Go ZooKeeper client (github.com/go-zookeeper/zk) against one server: digest auth, ACL checks, and a dropped
// connection after which the client re-sends its auth and watches. That client numbers auth and setWatches like
// any request and waits for a reply with that xid, so a server that answers them with -4 or -8 hangs it.
// Prints one line per step; every wait is bounded, so a server that never answers fails the step instead.
package main

import (
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zookeeper/zk"
)

const (
	stepTimeout    = 5 * time.Second
	sessionTimeout = 10 * time.Second
)

// cuttable dials the server and remembers the connection, so the program can drop it as a network fault would.
type cuttable struct {
	mu   sync.Mutex
	conn net.Conn
}

func (c *cuttable) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	conn, err := net.DialTimeout(network, address, timeout)
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	return conn, err
}

func (c *cuttable) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
	}
}

// oddReplies counts the client's complaints about replies it cannot match to a request.
type oddReplies struct{ n atomic.Int32 }

func (o *oddReplies) Printf(format string, args ...interface{}) {
	if strings.Contains(format, "Xid") {
		o.n.Add(1)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
	os.Exit(1)
}

// within runs f, failing the program if it has not returned after stepTimeout.
func within(step string, f func() string) {
	done := make(chan string, 1)
	go func() { done <- f() }()
	select {
	case line := <-done:
		fmt.Printf("%s -> %s\n", step, line)
	case <-time.After(stepTimeout):
		fail("%s -> no answer within %s", step, stepTimeout)
	}
}

func result(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}

func connected(conn *zk.Conn, events <-chan zk.Event, err error) (*zk.Conn, <-chan zk.Event) {
	if err != nil {
		fail("connect: %v", err)
	}
	return conn, events
}

// awaitSession waits for the connection to have a session (again).
func awaitSession(events <-chan zk.Event) string {
	for ev := range events {
		if ev.State == zk.StateHasSession {
			return "has session"
		}
	}
	return "event channel closed"
}

func main() {
	odd := &oddReplies{}
	link := &cuttable{}
	servers := []string{os.Args[1]}
	alice, aliceEvents := connected(zk.Connect(servers, sessionTimeout, zk.WithDialer(link.dial), zk.WithLogger(odd)))
	defer alice.Close()
	within("alice connects", func() string { return awaitSession(aliceEvents) })
	within("alice addauth digest", func() string { return result(alice.AddAuth("digest", []byte("alice:secret")), "ok") })
	within("alice creates /go-auth readable only by alice", func() string {
		path, err := alice.Create("/go-auth", []byte("v1"), 0, zk.DigestACL(zk.PermAll, "alice", "secret"))
		return result(err, path)
	})

	anonymous, anonymousEvents := connected(zk.Connect(servers, sessionTimeout, zk.WithLogger(odd)))
	defer anonymous.Close()
	within("anonymous connects", func() string { return awaitSession(anonymousEvents) })
	within("anonymous reads /go-auth", func() string {
		_, _, err := anonymous.Get("/go-auth")
		return result(err, "read")
	})

	var watch <-chan zk.Event
	within("alice reads /go-auth with a watch", func() string {
		data, _, ch, err := alice.GetW("/go-auth")
		watch = ch
		return result(err, string(data))
	})

	session := alice.SessionID()
	link.cut()
	// The client reconnects on its own, re-sending its auth and then its watches.
	within("alice's connection is cut; she reconnects", func() string { return awaitSession(aliceEvents) })
	fmt.Printf("same session after the reconnect -> %v\n", alice.SessionID() == session)
	within("alice sets /go-auth after the reconnect", func() string {
		_, err := alice.Set("/go-auth", []byte("v2"), -1)
		return result(err, "ok")
	})
	within("the watch set before the cut fires", func() string {
		ev := <-watch
		return fmt.Sprintf("%s %s", ev.Type, ev.Path)
	})
	within("alice deletes /go-auth", func() string { return result(alice.Delete("/go-auth", -1), "ok") })
	fmt.Printf("replies the client could not match -> %d\n", odd.n.Load())
}
