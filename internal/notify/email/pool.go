package email

import (
	"net"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Pool keeps SMTP connections open between messages, so that a burst of
// notifications (an incident's mail to every subscriber) takes one
// connection, greeting, STARTTLS and AUTH instead of one per message. A
// connection is taken by one Send at a time; one found dead (RSET fails)
// is closed and another dialled. The zero value is not usable: use
// NewPool.
type Pool struct {
	now func() time.Time
	// idleFor is how long an unused connection is kept; perKey bounds the
	// idle connections per server and account.
	idleFor time.Duration
	perKey  int

	mu   sync.Mutex
	idle map[poolKey][]*pooled
}

// poolKey is what a connection is good for: a server, its TLS mode and
// the account signed in.
type poolKey struct {
	addr, user, password, hello string
	noStartTLS, implicitTLS     bool
}

type pooled struct {
	gc   *gomail.Client // the session's settings, for SendWithSMTPClient
	c    *smtp.Client
	conn net.Conn
	at   time.Time // when it was put back
}

// NewPool returns a pool that keeps at most perKey idle connections per
// server and account, each for idleFor; now dates them.
func NewPool(idleFor time.Duration, perKey int, now func() time.Time) *Pool {
	return &Pool{now: now, idleFor: idleFor, perKey: max(perKey, 1), idle: map[poolKey][]*pooled{}}
}

func keyOf(cfg Config) poolKey {
	return poolKey{addr: cfg.Addr, user: cfg.Username, password: cfg.Password, hello: cfg.HelloName,
		noStartTLS: cfg.NoStartTLS, implicitTLS: cfg.ImplicitTLS}
}

// get takes an idle connection for k, the newest first; those kept too
// long are closed. It returns nil when there is none.
func (p *Pool) get(k poolKey) *pooled {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[k]
	for len(list) > 0 {
		pc := list[len(list)-1]
		list = list[:len(list)-1]
		p.idle[k] = list
		if p.now().Sub(pc.at) < p.idleFor {
			return pc
		}
		go pc.c.Close() // the server may take its time to answer
	}
	return nil
}

// put keeps pc for the next Send to k, or closes it when enough are kept.
func (p *Pool) put(k poolKey, pc *pooled) {
	pc.at = p.now()
	p.mu.Lock()
	if len(p.idle[k]) < p.perKey {
		p.idle[k] = append(p.idle[k], pc)
		pc = nil
	}
	p.mu.Unlock()
	if pc != nil {
		quit(pc)
	}
}

// quitWait bounds the QUIT of a connection no longer kept: a server that
// stopped answering must not hold a delivery.
const quitWait = 5 * time.Second

func quit(pc *pooled) {
	pc.conn.SetDeadline(time.Now().Add(quitWait)) // an I/O deadline, not logic's clock
	pc.c.Quit()
	pc.c.Close()
}

// Close says QUIT on every idle connection and closes it.
func (p *Pool) Close() {
	p.mu.Lock()
	idle := p.idle
	p.idle = map[poolKey][]*pooled{}
	p.mu.Unlock()
	for _, list := range idle {
		for _, pc := range list {
			quit(pc)
		}
	}
}
