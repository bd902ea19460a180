package server

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
)

// A client that sends its body a byte at a time is cut off when the read
// deadline passes, and the server answers others meanwhile.
func TestSlowBodyIsCutOff(t *testing.T) {
	e := newIncidentEnv(t)
	limits := DefaultHTTPLimits
	limits.Read = time.Second
	srv := NewHTTPServer(e.server.Handler(), limits, slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/incidents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", testOpsToken)
	closed := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		// The answer, if any, then the end of the connection.
		io.Copy(io.Discard, conn)
		closed <- time.Since(start)
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case d := <-closed:
			if d > 5*time.Second {
				t.Errorf("closed after %s", d)
			}
			// Meanwhile and after, the server answers.
			resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("healthz: %v", err)
			}
			resp.Body.Close()
			return
		case <-tick.C:
			if time.Since(start) > 10*time.Second {
				t.Fatal("the slow body's connection is still open after 10 s")
			}
			conn.Write([]byte("x"))
		}
	}
}

// One address holds at most max connections; the next are closed at
// once, and a freed slot can be taken again; an exempt address is not
// counted.
func TestLimitPerClient(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitPerClient(raw, 2, nil)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	get := func(c net.Conn) error {
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	if err := get(conns[0]); err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := get(conns[1]); err != nil {
		t.Fatalf("second: %v", err)
	}
	if err := get(conns[2]); err == nil {
		t.Error("a third connection from the address was served")
	}
	conns[0].Close()
	time.Sleep(100 * time.Millisecond)
	c, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := get(c); err != nil {
		t.Errorf("after one closed: %v", err)
	}
	if k := auth.LimitAddr("2001:db8:1:2:abcd::1"); !strings.HasPrefix(k, "2001:db8:1:2::") {
		t.Errorf("an IPv6 address counts as its /64: %q", k)
	}
	// A trusted proxy's connections are not counted.
	raw2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv2 := &http.Server{Handler: srv.Handler}
	go srv2.Serve(LimitPerClient(raw2, 1, func(ip net.IP) bool { return ip.IsLoopback() }))
	t.Cleanup(func() { srv2.Close() })
	for i := range 3 {
		c, err := net.Dial("tcp", raw2.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := get(c); err != nil {
			t.Errorf("exempt connection %d: %v", i+1, err)
		}
	}
}
