// Package email delivers notifications over SMTP as plain-text UTF-8 mail,
// with one-click unsubscribe headers (RFC 8058) when the message has an
// unsubscribe URL. The messages are built and the SMTP sessions spoken by
// github.com/wneessen/go-mail (docs/architecture.md, "Dependencies");
// this package keeps the dialling (so that a context bounds the
// connection), the pool and the mapping of errors.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/slakeeper/slakeeper/internal/notify"
)

// Config says how to reach the SMTP server and who the mail is from and to.
type Config struct {
	// Addr is the SMTP server as host:port, e.g. "smtp.example.com:587".
	Addr string
	// Username and Password enable PLAIN authentication when Username is set.
	// go-mail (as net/smtp did) only sends them over TLS or to localhost.
	Username string
	Password string
	// From is the sender, e.g. "slakeeper <sla@example.com>".
	From string
	// To lists the recipients.
	To []string
	// NoStartTLS disables STARTTLS even when the server offers it.
	NoStartTLS bool
	// RequireStartTLS refuses to send when the server does not offer
	// STARTTLS, so that mail and credentials never cross the network in
	// clear by accident.
	RequireStartTLS bool
	// ImplicitTLS speaks TLS from the first byte (SMTPS, usually port
	// 465) instead of upgrading with STARTTLS.
	ImplicitTLS bool
	// TLS configures STARTTLS and implicit TLS; nil means verify the
	// server as Addr's host.
	TLS *tls.Config
	// HelloName is sent in EHLO; "localhost" if empty.
	HelloName string
	// Pool, when set, keeps the connection open after a message for the
	// next one to the same server and account; nil: one connection per
	// message, closed with QUIT.
	Pool *Pool
}

// Notifier sends mail through one SMTP server.
type Notifier struct {
	cfg  Config
	from *mail.Address
	to   []*mail.Address
	host string
	now  func() time.Time
}

var _ notify.Notifier = (*Notifier)(nil)

// New checks cfg and returns a notifier; now stamps the Date header.
func New(cfg Config, now func() time.Time) (*Notifier, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("email addr %q: %w", cfg.Addr, err)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("email from %q: %w", cfg.From, err)
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("email to: no recipients")
	}
	n := &Notifier{cfg: cfg, from: from, host: host, now: now}
	for _, t := range cfg.To {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("email to %q: %w", t, err)
		}
		n.to = append(n.to, a)
	}
	return n, nil
}

// Name returns "email".
func (n *Notifier) Name() string { return "email" }

// Compose returns the message for m, with CRLF line endings.
func (n *Notifier) Compose(m notify.Message) ([]byte, error) {
	msg, err := n.message(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("email: write message: %w", err)
	}
	return b.Bytes(), nil
}

// message builds m as go-mail's message: From, To, Subject, our clock's
// Date, a Message-ID made of m.ID (the same for every attempt, so that a
// retried message is recognised as a repeat), the unsubscribe headers
// and a quoted-printable UTF-8 text part.
func (n *Notifier) message(m notify.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(n.from)
	for _, a := range n.to {
		msg.AddToMailAddress(a)
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDateWithValue(n.now())
	msg.SetMessageIDWithValue(strings.Trim(n.messageID(m.ID), "<>"))
	if m.Unsubscribe != "" {
		if strings.ContainsAny(m.Unsubscribe, "<>\r\n \t") {
			return nil, notify.Permanent(errors.New("email: unsubscribe URL contains characters not allowed in a header"))
		}
		msg.SetListUnsubscribe(m.Unsubscribe)
		msg.SetListUnsubscribePost()
	}
	body := strings.ReplaceAll(m.Text, "\r\n", "\n")
	if m.URL != "" {
		body += "\n\n" + m.URL
	}
	if m.Unsubscribe != "" {
		body += "\n\n--\nUnsubscribe: " + m.Unsubscribe
	}
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(body, "\n", "\r\n")+"\r\n")
	return msg, nil
}

func (n *Notifier) messageID(id string) string {
	clean := strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f && !strings.ContainsRune("<>@()[]\\,;:\"", r) {
			return r
		}
		return '-'
	}, id)
	if clean == "" {
		clean = fmt.Sprintf("%d", n.now().UnixNano())
	}
	_, domain, _ := strings.Cut(n.from.Address, "@")
	if domain == "" {
		domain = "slakeeper"
	}
	return "<" + clean + "@" + domain + ">"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Send delivers m once. SMTP 5xx replies are permanent errors.
func (n *Notifier) Send(ctx context.Context, m notify.Message) error {
	msg, err := n.message(m)
	if err != nil {
		return err
	}
	if err := n.send(ctx, msg); err != nil {
		var te *textproto.Error
		var se *gomail.SendError
		if (errors.As(err, &te) && te.Code >= 500) || (errors.As(err, &se) && se.ErrorCode() >= 500) {
			err = notify.Permanent(err)
		}
		return fmt.Errorf("email %s: %w", m.ID, err)
	}
	return nil
}

func (n *Notifier) send(ctx context.Context, msg *gomail.Msg) error {
	if n.cfg.Pool == nil {
		gc, c, conn, err := n.dial(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		stop := watch(ctx, conn)
		defer stop()
		if err := gc.SendWithSMTPClient(c, msg); err != nil {
			return err
		}
		if err := c.Quit(); err != nil {
			return fmt.Errorf("quit: %w", err)
		}
		return nil
	}
	k := keyOf(n.cfg)
	pc := n.cfg.Pool.get(k)
	if pc != nil {
		stop := watch(ctx, pc.conn)
		// A connection the server closed while idle fails here: dial.
		if err := pc.c.Reset(); err != nil {
			stop()
			pc.c.Close()
			pc = nil
		} else {
			stop()
		}
	}
	if pc == nil {
		gc, c, conn, err := n.dial(ctx)
		if err != nil {
			return err
		}
		pc = &pooled{gc: gc, c: c, conn: conn}
	}
	stop := watch(ctx, pc.conn)
	err := pc.gc.SendWithSMTPClient(pc.c, msg)
	if !stop() || err != nil {
		// Cut by ctx, or the transaction broke off: the connection's
		// state is unknown.
		pc.c.Close()
		return err
	}
	pc.conn.SetDeadline(time.Time{})
	n.cfg.Pool.put(k, pc)
	return nil
}

// watch bounds the use of conn by ctx, whose deadline it sets: closing
// the connection unblocks a session that does not watch ctx itself.
// stop reports whether ctx left the connection open.
func watch(ctx context.Context, conn net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { conn.Close() })
}

// dial connects, greets, upgrades to TLS and signs in as configured,
// through go-mail, on a connection dialled here so that ctx can cut it.
func (n *Notifier) dial(ctx context.Context) (*gomail.Client, *smtp.Client, net.Conn, error) {
	tlsCfg := n.cfg.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{ServerName: n.host}
	}
	var conn net.Conn
	unwatch := func() bool { return true }
	dialer := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var err error
		if n.cfg.ImplicitTLS {
			d := tls.Dialer{Config: tlsCfg}
			conn, err = d.DialContext(dctx, network, n.cfg.Addr)
		} else {
			var d net.Dialer
			conn, err = d.DialContext(dctx, network, n.cfg.Addr)
		}
		if err != nil {
			return nil, fmt.Errorf("dial: %w", err)
		}
		// The greeting, STARTTLS and AUTH are bounded by ctx too.
		unwatch = watch(ctx, conn)
		return conn, nil
	}
	hello := n.cfg.HelloName
	if hello == "" {
		hello = "localhost"
	}
	policy := gomail.TLSOpportunistic
	switch {
	case n.cfg.ImplicitTLS, n.cfg.NoStartTLS:
		policy = gomail.NoTLS
	case n.cfg.RequireStartTLS:
		policy = gomail.TLSMandatory
	}
	opts := []gomail.Option{gomail.WithDialContextFunc(dialer), gomail.WithoutNoop(), gomail.WithHELO(hello), gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(tlsCfg), gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth)}
	if n.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(n.cfg.Username), gomail.WithPassword(n.cfg.Password))
	}
	gc, err := gomail.NewClient(n.host, opts...)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("smtp client: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		// go-mail sets each command's deadline this far ahead (an I/O
		// deadline, not logic's clock).
		if err := gomail.WithTimeout(max(time.Until(dl), time.Millisecond))(gc); err != nil {
			return nil, nil, nil, err
		}
	}
	c, err := gc.DialToSMTPClientWithContext(ctx)
	unwatch()
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, nil, nil, err
	}
	return gc, c, conn, nil
}
