package server

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/auth"
)

// HTTPLimits bound what a connection may hold of the server: how long a
// request may take to arrive and its answer to leave, how long an idle
// connection stays open, and how many connections one client address may
// have open at once.
type HTTPLimits struct {
	// ReadHeader bounds the headers; Read the whole request, LongRead that
	// of the routes that take large bodies (the evidence intake, agents'
	// results, the CSV import).
	ReadHeader, Read, LongRead time.Duration
	// Write bounds an answer, LongWrite that of the routes whose work is
	// long (a period's close, an export).
	Write, LongWrite time.Duration
	// Idle closes a kept-alive connection that sends nothing.
	Idle time.Duration
	// PerClient is the most connections open at once from one address (an
	// IPv6 /64 counts as one); 0 means no bound.
	PerClient int
}

// DefaultHTTPLimits are the served limits. A client sending a body a byte
// every few seconds is cut off after Read: 20,000 of them no longer hold
// 20,000 file descriptors for good.
var DefaultHTTPLimits = HTTPLimits{ReadHeader: 10 * time.Second, Read: 30 * time.Second, LongRead: 5 * time.Minute,
	Write: 2 * time.Minute, LongWrite: 15 * time.Minute, Idle: 2 * time.Minute, PerClient: 256}

// NewHTTPServer is the http.Server of h with the limits l: the server-wide
// deadlines, lengthened per route class for the few routes that need it.
func NewHTTPServer(h http.Handler, l HTTPLimits, log *slog.Logger) *http.Server {
	return &http.Server{Handler: longRoutes(h, l), ReadHeaderTimeout: l.ReadHeader, ReadTimeout: l.Read, WriteTimeout: l.Write,
		IdleTimeout: l.Idle, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// longRoutes gives the routes with large bodies or long work their longer
// deadlines.
func longRoutes(h http.Handler, l HTTPLimits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if bodyLimit(r.URL.Path) > bodyLimit("/") {
			_ = rc.SetReadDeadline(time.Now().Add(l.LongRead))
		}
		if r.URL.Path == "/api/v1/closes" || r.URL.Path == "/api/v1/export" || r.URL.Path == "/admin/finance/close" {
			_ = rc.SetWriteDeadline(time.Now().Add(l.LongWrite))
		}
		h.ServeHTTP(w, r)
	})
}

// LimitPerClient wraps ln so that a client address with max connections
// open has its next ones closed at once, unless exempt says it may have
// more (the reverse proxies in front of the server). The connection's
// address is its peer's; behind a proxy, the proxy is exempt and the
// timeouts do the bounding.
func LimitPerClient(ln net.Listener, max int, exempt func(net.IP) bool) net.Listener {
	if max <= 0 {
		return ln
	}
	return &clientLimit{Listener: ln, max: max, exempt: exempt, open: map[string]int{}}
}

type clientLimit struct {
	net.Listener
	max    int
	exempt func(net.IP) bool

	mu   sync.Mutex
	open map[string]int
}

func (c *clientLimit) Accept() (net.Conn, error) {
	for {
		conn, err := c.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ta, ok := conn.RemoteAddr().(*net.TCPAddr)
		if !ok || (c.exempt != nil && c.exempt(ta.IP)) {
			return conn, nil
		}
		key := auth.LimitAddr(ta.IP.String()) // an IPv6 /64 counts as one
		c.mu.Lock()
		if c.open[key] >= c.max {
			c.mu.Unlock()
			conn.Close()
			continue
		}
		c.open[key]++
		c.mu.Unlock()
		return &countedConn{Conn: conn, release: func() {
			c.mu.Lock()
			if c.open[key]--; c.open[key] <= 0 {
				delete(c.open, key)
			}
			c.mu.Unlock()
		}}, nil
	}
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
