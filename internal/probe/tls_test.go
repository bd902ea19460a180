package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// tlsServer accepts connections on loopback, completes the handshake with
// cert and closes; it returns the address.
func tlsServer(tb testing.TB, cert tls.Certificate) string {
	tb.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	tb.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(testTimeout))
				c.(*tls.Conn).Handshake()
				// Wait for the client to hang up so the handshake's last
				// flight is not cut off by a reset.
				c.Read(make([]byte, 1))
			}()
		}
	}()
	return l.Addr().String()
}

func TestTLS(t *testing.T) {
	// One fixed instant for the certificates and the check's clock, so
	// "expires in 3 days" is exact.
	now := time.Now().Truncate(time.Second)
	clock := func() time.Time { return now }

	good, goodLeaf := newCert(t, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	soon, soonLeaf := newCert(t, now.Add(-time.Hour), now.Add(3*24*time.Hour))
	hours, hoursLeaf := newCert(t, now.Add(-time.Hour), now.Add(5*time.Hour))
	expired, expiredLeaf := newCert(t, now.Add(-30*24*time.Hour), now.Add(-2*24*time.Hour))
	future, futureLeaf := newCert(t, now.Add(24*time.Hour), now.Add(90*24*time.Hour))
	untrusted, untrustedLeaf := newCert(t, now.Add(-time.Hour), now.Add(90*24*time.Hour))

	roots := x509.NewCertPool()
	for _, c := range []*x509.Certificate{goodLeaf, soonLeaf, hoursLeaf, expiredLeaf, futureLeaf} {
		roots.AddCert(c)
	}
	r := New(Options{RootCAs: roots, Now: clock})

	goodAddr := tlsServer(t, good)
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { silent.Close() })

	tests := []struct {
		name       string
		r          Registry
		target     string
		spec       *monitor.TLSSpec
		want       want
		wantExpiry *x509.Certificate
	}{
		{"valid", r, goodAddr, &monitor.TLSSpec{WarnDays: 7}, want{monitor.Up, ""}, goodLeaf},
		{"valid without spec", r, goodAddr, nil, want{monitor.Up, ""}, goodLeaf},
		{"server name localhost", r, goodAddr, &monitor.TLSSpec{ServerName: "localhost"}, want{monitor.Up, ""}, goodLeaf},
		{"server name mismatch", r, goodAddr, &monitor.TLSSpec{ServerName: "status.example"}, want{monitor.Down, "certificate invalid"}, goodLeaf},
		{"expiring within warn days", r, tlsServer(t, soon), &monitor.TLSSpec{WarnDays: 7}, want{monitor.Degraded, "certificate expires in 3 days (" + soonLeaf.NotAfter.UTC().Format("2006-01-02") + ")"}, soonLeaf},
		{"expiring outside warn days", r, tlsServer(t, soon), &monitor.TLSSpec{WarnDays: 2}, want{monitor.Up, ""}, soonLeaf},
		{"expiring without warn days", r, tlsServer(t, soon), nil, want{monitor.Up, ""}, soonLeaf},
		{"expiring within hours", r, tlsServer(t, hours), &monitor.TLSSpec{WarnDays: 1}, want{monitor.Degraded, "certificate expires in 5h0m0s"}, hoursLeaf},
		{"expired", r, tlsServer(t, expired), &monitor.TLSSpec{WarnDays: 7}, want{monitor.Down, "certificate expired 2 days ago (" + expiredLeaf.NotAfter.UTC().Format("2006-01-02") + ")"}, expiredLeaf},
		{"expired and untrusted", Default(), tlsServer(t, expired), nil, want{monitor.Down, "certificate expired"}, expiredLeaf},
		{"not yet valid", r, tlsServer(t, future), nil, want{monitor.Down, "certificate not valid before"}, futureLeaf},
		{"self-signed untrusted", r, tlsServer(t, untrusted), nil, want{monitor.Down, "certificate invalid: x509: certificate signed by unknown authority"}, untrustedLeaf},
		{"system roots reject test cert", Default(), goodAddr, nil, want{monitor.Down, "certificate invalid"}, goodLeaf},
		{"huge warn days does not overflow", r, goodAddr, &monitor.TLSSpec{WarnDays: 1 << 40}, want{monitor.Degraded, "certificate expires in 90 days"}, goodLeaf},
		{"refused", r, deadPort(t), nil, want{monitor.Down, "connection refused"}, nil},
		{"handshake timeout", r, silent.Addr().String(), nil, want{monitor.Down, "timeout after 200ms"}, nil},
		{"bad target", r, "a:b:c", nil, want{monitor.Down, "invalid target"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &monitor.Monitor{Type: monitor.TypeTLS, Target: tt.target, TLS: tt.spec}
			if tt.name == "handshake timeout" {
				m.Timeout = shortTimeout
			}
			got := run(t, tt.r, m)
			t.Logf("%s: %q", got.State, got.Message)
			assertResult(t, got, tt.want)
			switch {
			case tt.wantExpiry == nil && got.CertExpiry != nil:
				t.Errorf("got CertExpiry %v, want none", got.CertExpiry)
			case tt.wantExpiry != nil && (got.CertExpiry == nil || !got.CertExpiry.Equal(tt.wantExpiry.NotAfter)):
				t.Errorf("got CertExpiry %v, want %v", got.CertExpiry, tt.wantExpiry.NotAfter)
			}
		})
	}
}

func TestTLSDefaultPort(t *testing.T) {
	host, port, err := splitTarget("status.example", "443")
	if err != nil || host != "status.example" || port != "443" {
		t.Errorf("got %q %q %v, want status.example 443 <nil>", host, port, err)
	}
}
