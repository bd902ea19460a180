package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// testTimeout bounds checks expected to succeed: generous, so a loaded CI
// machine does not turn a pass into a timeout.
const testTimeout = 10 * time.Second

// shortTimeout bounds checks expected to time out, so they stay fast.
const shortTimeout = 200 * time.Millisecond

// want is what a test expects of a Result: a state and a piece of the
// message ("" when any message will do).
type want struct {
	state monitor.State
	msg   string
}

func assertResult(tb testing.TB, got monitor.Result, w want) {
	tb.Helper()
	if got.State != w.state {
		tb.Errorf("got state %s (message %q), want %s", got.State, got.Message, w.state)
	}
	if !strings.Contains(got.Message, w.msg) {
		tb.Errorf("got message %q, want it to contain %q", got.Message, w.msg)
	}
	if w.state == monitor.Up && got.Message != "" {
		tb.Errorf("got message %q on an up result, want none", got.Message)
	}
}

// run runs m through r the way the scheduler does.
func run(tb testing.TB, r Registry, m *monitor.Monitor) monitor.Result {
	tb.Helper()
	if m.ID == "" {
		m.ID = "m1"
	}
	if m.Timeout == 0 {
		m.Timeout = testTimeout
	}
	return r.Run(context.Background(), m, time.Now)
}

// deadPort returns a loopback address that refuses connections: it
// listens, then closes.
func deadPort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// newCert makes a self-signed certificate for 127.0.0.1 and localhost
// valid from notBefore to notAfter.
func newCert(tb testing.TB, notBefore, notAfter time.Time) (tls.Certificate, *x509.Certificate) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "probe test"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatalf("create certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("parse certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf
}
