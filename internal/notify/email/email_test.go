package email_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/notify"
	"github.com/slakeeper/slakeeper/internal/notify/email"
	"github.com/slakeeper/slakeeper/internal/notify/smtptest"
)

// smtpServer starts aiosmtpd and returns its address and Maildir.
func smtpServer(tb testing.TB, args ...string) (addr, maildir string) {
	tb.Helper()
	srv := smtptest.Start(tb, args...)
	return srv.Addr, srv.Maildir
}

// authSMTPServer starts a server that requires AUTH PLAIN with user and
// password.
func authSMTPServer(tb testing.TB, user, password string) (addr, maildir string) {
	tb.Helper()
	srv := smtptest.StartAuth(tb, user, password)
	return srv.Addr, srv.Maildir
}

// received returns the single message in maildir/new.
func received(tb testing.TB, maildir string) *mail.Message {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(maildir, "new", "*"))
	if err != nil || len(files) != 1 {
		tb.Fatalf("got %d messages in Maildir (%v), want 1", len(files), err)
	}
	f, err := os.Open(files[0])
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	m, err := mail.ReadMessage(f)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func TestSendToSMTPServer(t *testing.T) {
	now := time.Date(2026, 6, 1, 9, 15, 0, 0, time.UTC)
	tests := []struct {
		name       string
		msg        notify.Message
		wantHeader map[string]string
		wantBody   string
	}{
		{
			name: "plain notification",
			msg: notify.Message{
				ID: "inc-7.update-3", Event: "incident.updated", Subject: "Incident: API latency — monitoring",
				Text: "Latency is back under 300 ms.\nWe keep watching. Ünïcödé ok.\n.leading dot line",
				URL:  "https://status.example.com/incidents/7",
			},
			wantHeader: map[string]string{
				"From":                  `"slakeeper" <sla@example.com>`,
				"To":                    "<ops@example.org>, <cto@example.org>",
				"Message-Id":            "<inc-7.update-3@example.com>",
				"Date":                  "Mon, 01 Jun 2026 09:15:00 +0000",
				"Content-Type":          "text/plain; charset=UTF-8",
				"List-Unsubscribe":      "",
				"List-Unsubscribe-Post": "",
			},
			wantBody: "Latency is back under 300 ms.\r\nWe keep watching. Ünïcödé ok.\r\n.leading dot line\r\n\r\nhttps://status.example.com/incidents/7\r\n",
		},
		{
			name: "subscriber with one-click unsubscribe",
			msg: notify.Message{
				ID: "sub 42/inc-8", Event: "incident.created", Subject: "New incident",
				Text: "Checkout errors.", Unsubscribe: "https://status.example.com/unsubscribe?t=abc",
			},
			wantHeader: map[string]string{
				"Message-Id":            "<sub-42/inc-8@example.com>",
				"List-Unsubscribe":      "<https://status.example.com/unsubscribe?t=abc>",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			},
			wantBody: "Checkout errors.\r\n\r\n--\r\nUnsubscribe: https://status.example.com/unsubscribe?t=abc\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, maildir := smtpServer(t)
			n, err := email.New(email.Config{
				Addr: addr, From: "slakeeper <sla@example.com>",
				To: []string{"ops@example.org", "cto@example.org"},
			}, func() time.Time { return now })
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := n.Send(ctx, tt.msg); err != nil {
				t.Fatalf("got err %v, want nil", err)
			}
			m := received(t, maildir)
			for k, want := range tt.wantHeader {
				if got := m.Header.Get(k); got != want {
					t.Errorf("got %s %q, want %q", k, got, want)
				}
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || subject != tt.msg.Subject {
				t.Errorf("got Subject %q (%v), want %q", subject, err, tt.msg.Subject)
			}
			if got := m.Header.Get("X-RcptTo"); got != "ops@example.org, cto@example.org" {
				t.Errorf("got envelope recipients %q, want both", got)
			}
			if got := m.Header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
				t.Fatalf("got transfer encoding %q, want quoted-printable", got)
			}
			body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
			if err != nil {
				t.Fatal(err)
			}
			// aiosmtpd's Maildir stores local line endings; compare on CRLF.
			got := strings.ReplaceAll(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n", "\r\n")
			if got != tt.wantBody {
				t.Errorf("got body %q, want %q", got, tt.wantBody)
			}
		})
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and
// returns the files and a pool trusting the certificate.
func selfSigned(tb testing.TB, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		tb.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestSendSTARTTLS(t *testing.T) {
	// aiosmtpd given a certificate requires STARTTLS before MAIL FROM, so a
	// delivered message proves the session was upgraded.
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	tests := []struct {
		name       string
		noStartTLS bool
		wantErr    bool
	}{
		{name: "upgrades when offered"},
		{name: "disabled is refused permanently", noStartTLS: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, maildir := smtpServer(t, "--tlscert", certFile, "--tlskey", keyFile)
			n, err := email.New(email.Config{
				Addr: addr, From: "sla@example.com", To: []string{"ops@example.org"},
				NoStartTLS: tt.noStartTLS, TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
			}, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = n.Send(ctx, notify.Message{ID: "tls", Subject: "over TLS", Text: "secret-free body"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("got err %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if !notify.IsPermanent(err) {
					t.Errorf("got err %v, want a permanent error for a 5xx reply", err)
				}
				return
			}
			if got := received(t, maildir).Header.Get("Subject"); got != "over TLS" {
				t.Errorf("got Subject %q, want %q", got, "over TLS")
			}
		})
	}
}

func TestSendTLSModes(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	tlsCfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	tests := []struct {
		name    string
		args    []string
		cfg     email.Config
		wantErr bool
	}{
		{name: "implicit TLS", args: []string{"--smtpscert", certFile, "--smtpskey", keyFile}, cfg: email.Config{ImplicitTLS: true}},
		{name: "implicit TLS to a plain server fails", cfg: email.Config{ImplicitTLS: true}, wantErr: true},
		{name: "required STARTTLS not offered fails", cfg: email.Config{RequireStartTLS: true}, wantErr: true},
		{name: "required STARTTLS offered", args: []string{"--tlscert", certFile, "--tlskey", keyFile}, cfg: email.Config{RequireStartTLS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, maildir := smtpServer(t, tt.args...)
			cfg := tt.cfg
			cfg.Addr, cfg.From, cfg.To, cfg.TLS = addr, "sla@example.com", []string{"ops@example.org"}, tlsCfg
			n, err := email.New(cfg, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = n.Send(ctx, notify.Message{ID: "mode", Subject: "mode"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("got err %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr {
				if got := received(t, maildir).Header.Get("Subject"); got != "mode" {
					t.Errorf("got Subject %q, want %q", got, "mode")
				}
			}
		})
	}
}

func TestSendAuth(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		password string
		wantErr  bool
	}{
		{name: "right password", user: "alerts", password: "s3cret-pw"},
		{name: "wrong password", user: "alerts", password: "wrong-pw", wantErr: true},
		{name: "no credentials", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, maildir := authSMTPServer(t, "alerts", "s3cret-pw")
			n, err := email.New(email.Config{
				Addr: addr, From: "sla@example.com", To: []string{"ops@example.org"},
				Username: tt.user, Password: tt.password,
			}, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = n.Send(ctx, notify.Message{ID: "auth", Subject: "authenticated"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("got err %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				if !notify.IsPermanent(err) {
					t.Errorf("got err %v, want a permanent error for a 5xx reply", err)
				}
				if tt.password != "" && strings.Contains(err.Error(), tt.password) {
					t.Errorf("got err %q quoting the password, want it left out", err)
				}
				return
			}
			if got := received(t, maildir).Header.Get("Subject"); got != "authenticated" {
				t.Errorf("got Subject %q, want %q", got, "authenticated")
			}
		})
	}
}

func TestSendHonoursContext(t *testing.T) {
	// A server that accepts but never greets must not hang Send.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			defer c.Close()
			io.Copy(io.Discard, c)
		}
	}()
	n, err := email.New(email.Config{Addr: l.Addr().String(), From: "a@example.com", To: []string{"b@example.com"}}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := n.Send(ctx, notify.Message{ID: "m"}); err == nil {
		t.Fatal("got nil error, want a timeout")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("got Send returning after %v, want about 200ms", d)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  email.Config
	}{
		{"no port", email.Config{Addr: "smtp.example.com", From: "a@example.com", To: []string{"b@example.com"}}},
		{"bad from", email.Config{Addr: "smtp.example.com:25", From: "not an address", To: []string{"b@example.com"}}},
		{"no recipients", email.Config{Addr: "smtp.example.com:25", From: "a@example.com"}},
		{"bad recipient", email.Config{Addr: "smtp.example.com:25", From: "a@example.com", To: []string{"b@"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := email.New(tt.cfg, time.Now); err == nil {
				t.Error("got nil error, want one")
			}
		})
	}
}

func TestComposeRejectsHeaderInjection(t *testing.T) {
	n, err := email.New(email.Config{Addr: "127.0.0.1:25", From: "a@example.com", To: []string{"b@example.com"}}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := n.Compose(notify.Message{ID: "m", Subject: "hi\r\nBcc: evil@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(msg), "\r\nBcc:") {
		t.Errorf("got a Bcc header injected through Subject:\n%s", msg)
	}
	if _, err := n.Compose(notify.Message{ID: "m", Unsubscribe: "https://x/>\r\nBcc: evil@example.com"}); !notify.IsPermanent(err) {
		t.Errorf("got err %v for an unsubscribe URL with CRLF, want a permanent error", err)
	}
}
