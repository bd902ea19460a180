// Package email delivers notifications over SMTP as plain-text UTF-8 mail,
// with one-click unsubscribe headers (RFC 8058) when the message has an
// unsubscribe URL.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/slakeeper/slakeeper/internal/notify"
)

// Config says how to reach the SMTP server and who the mail is from and to.
type Config struct {
	// Addr is the SMTP server as host:port, e.g. "smtp.example.com:587".
	Addr string
	// Username and Password enable PLAIN authentication when Username is set.
	// net/smtp only sends them over TLS or to localhost.
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
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	tos := make([]string, len(n.to))
	for i, a := range n.to {
		tos[i] = a.String()
	}
	hdr("From", n.from.String())
	hdr("To", strings.Join(tos, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	hdr("Date", n.now().Format(time.RFC1123Z))
	hdr("Message-ID", n.messageID(m.ID))
	if m.Unsubscribe != "" {
		if strings.ContainsAny(m.Unsubscribe, "<>\r\n \t") {
			return nil, notify.Permanent(errors.New("email: unsubscribe URL contains characters not allowed in a header"))
		}
		hdr("List-Unsubscribe", "<"+m.Unsubscribe+">")
		hdr("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=UTF-8")
	hdr("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(m.Text, "\r\n", "\n")
	if m.URL != "" {
		body += "\n\n" + m.URL
	}
	if m.Unsubscribe != "" {
		body += "\n\n--\nUnsubscribe: " + m.Unsubscribe
	}
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, fmt.Errorf("email: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("email: encode body: %w", err)
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
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
	msg, err := n.Compose(m)
	if err != nil {
		return err
	}
	if err := n.send(ctx, msg); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			err = notify.Permanent(err)
		}
		return fmt.Errorf("email %s: %w", m.ID, err)
	}
	return nil
}

func (n *Notifier) send(ctx context.Context, msg []byte) error {
	if n.cfg.Pool == nil {
		c, conn, err := n.dial(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		stop := watch(ctx, conn)
		defer stop()
		if err := n.transact(c, msg); err != nil {
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
		c, conn, err := n.dial(ctx)
		if err != nil {
			return err
		}
		pc = &pooled{c: c, conn: conn}
	}
	stop := watch(ctx, pc.conn)
	err := n.transact(pc.c, msg)
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

// watch bounds the use of conn by ctx, whose deadline it sets: net/smtp
// has no context support, closing the connection unblocks it. stop
// reports whether ctx left the connection open.
func watch(ctx context.Context, conn net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() { conn.Close() })
}

// dial connects, greets, upgrades to TLS and signs in as configured.
func (n *Notifier) dial(ctx context.Context) (*smtp.Client, net.Conn, error) {
	tlsCfg := n.cfg.TLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{ServerName: n.host}
	}
	var conn net.Conn
	var err error
	if n.cfg.ImplicitTLS {
		d := tls.Dialer{Config: tlsCfg}
		conn, err = d.DialContext(ctx, "tcp", n.cfg.Addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", n.cfg.Addr)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	stop := watch(ctx, conn)
	defer stop()
	c, err := smtp.NewClient(conn, n.host)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("greeting: %w", err)
	}
	if err := n.hello(c, tlsCfg); err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, conn, nil
}

// hello says EHLO, upgrades to TLS and signs in, as configured.
func (n *Notifier) hello(c *smtp.Client, tlsCfg *tls.Config) error {
	hello := n.cfg.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("ehlo: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !n.cfg.NoStartTLS && !n.cfg.ImplicitTLS {
		if err := c.StartTLS(tlsCfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	} else if n.cfg.RequireStartTLS && !n.cfg.ImplicitTLS {
		return errors.New("starttls: the server does not offer STARTTLS and it is required")
	}
	if n.cfg.Username != "" {
		// The password is never part of the error.
		if err := c.Auth(smtp.PlainAuth("", n.cfg.Username, n.cfg.Password, n.host)); err != nil {
			return fmt.Errorf("auth as %s: %w", n.cfg.Username, err)
		}
	}
	return nil
}

// transact sends one message on c: MAIL, RCPT, DATA.
func (n *Notifier) transact(c *smtp.Client, msg []byte) error {
	if err := c.Mail(n.from.Address); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	for _, a := range n.to {
		if err := c.Rcpt(a.Address); err != nil {
			return fmt.Errorf("rcpt to %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end message: %w", err)
	}
	return nil
}
