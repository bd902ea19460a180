package email_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/notify"
	"github.com/slakeeper/slakeeper/internal/notify/email"
	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
)

// countingProxy forwards TCP connections to target and counts them; drop
// closes the open ones, as a server that hangs up on idle clients.
type countingProxy struct {
	l     net.Listener
	mu    sync.Mutex
	n     int
	conns []net.Conn
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{l: l}
	t.Cleanup(func() { l.Close(); p.drop() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.n++
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *countingProxy) count() int { p.mu.Lock(); defer p.mu.Unlock(); return p.n }

func (p *countingProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// Several mails in a row to one SMTP server take one connection, each
// through a notifier of its own as the outbox makes them; one the server
// closed while idle is replaced.
func TestPoolReusesConnection(t *testing.T) {
	srv := smtptest.Start(t)
	proxy := newCountingProxy(t, srv.Addr)
	now := func() time.Time { return time.Date(2026, 6, 1, 9, 15, 0, 0, time.UTC) }
	pool := email.NewPool(time.Minute, 2, now)
	t.Cleanup(pool.Close)
	send := func(id string) {
		t.Helper()
		n, err := email.New(email.Config{Addr: proxy.l.Addr().String(), From: "sla@example.com", To: []string{"ops@example.org"}, Pool: pool}, now)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.Send(ctx, notify.Message{ID: id, Subject: "Mail " + id, Text: "Body of " + id}); err != nil {
			t.Fatalf("send %s: %v", id, err)
		}
	}
	for _, id := range []string{"m1", "m2", "m3", "m4", "m5"} {
		send(id)
	}
	if got := len(srv.Wait(t, 5, 10*time.Second)); got != 5 {
		t.Fatalf("got %d messages, want 5", got)
	}
	if got := proxy.count(); got != 1 {
		t.Errorf("got %d connections for 5 mails, want 1", got)
	}
	// The server hangs up: the next mail dials again, once.
	proxy.drop()
	send("m6")
	send("m7")
	if got := len(srv.Wait(t, 7, 10*time.Second)); got != 7 {
		t.Fatalf("got %d messages, want 7", got)
	}
	if got := proxy.count(); got != 2 {
		t.Errorf("got %d connections after the server hung up, want 2", got)
	}
}
