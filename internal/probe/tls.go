package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// dateLayout is how expiry dates appear in messages.
const dateLayout = "2006-01-02"

// tlsChecker returns the tls check: it verifies the certificate the
// target presents against roots (nil means the system's) at the time now
// gives, and reports the leaf's expiry.
func tlsChecker(roots *x509.CertPool, now func() time.Time) Checker {
	return func(ctx context.Context, m *monitor.Monitor) monitor.Result {
		return checkTLS(ctx, m, roots, now)
	}
}

func checkTLS(ctx context.Context, m *monitor.Monitor, roots *x509.CertPool, now func() time.Time) monitor.Result {
	spec := m.TLS
	if spec == nil {
		spec = &monitor.TLSSpec{}
	}
	host, port, err := splitTarget(m.Target, "443")
	if err != nil {
		return down("invalid target: %v", err)
	}
	serverName := spec.ServerName
	if serverName == "" {
		serverName = host
	}
	addr := net.JoinHostPort(host, port)

	var d net.Dialer
	start := time.Now()
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return down("connect %s: %s", addr, describe(ctx, m, err))
	}
	defer raw.Close()
	conn := tls.Client(raw, &tls.Config{
		ServerName: serverName,
		// The handshake does not verify so that an expired or untrusted
		// certificate still reaches the code below, which verifies it the
		// same way and can then report its expiry too.
		InsecureSkipVerify: true,
	})
	if err := conn.HandshakeContext(ctx); err != nil {
		return down("tls handshake with %s: %s", addr, describe(ctx, m, err))
	}
	latency := time.Since(start)
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return down("%s presented no certificate", addr)
	}
	leaf := certs[0]
	expiry := leaf.NotAfter
	res := monitor.Result{State: monitor.Up, Latency: latency, CertExpiry: &expiry}

	t := now()
	left := leaf.NotAfter.Sub(t)
	switch {
	case left < 0:
		res.State = monitor.Down
		res.Message = fmt.Sprintf("certificate expired %s ago (%s)", days(-left), leaf.NotAfter.UTC().Format(dateLayout))
		return res
	case t.Before(leaf.NotBefore):
		res.State = monitor.Down
		res.Message = fmt.Sprintf("certificate not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))
		return res
	}
	intermediates := x509.NewCertPool()
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		DNSName:       serverName,
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   t,
	})
	if err != nil {
		res.State = monitor.Down
		res.Message = fmt.Sprintf("certificate invalid: %v", err)
		return res
	}
	// Compared in hours so that a large WarnDays cannot overflow a
	// time.Duration.
	if spec.WarnDays > 0 && left.Hours() < float64(spec.WarnDays)*24 {
		res.State = monitor.Degraded
		res.Message = fmt.Sprintf("certificate expires in %s (%s)", days(left), leaf.NotAfter.UTC().Format(dateLayout))
	}
	return res
}

// days says how long d is in whole days, or in hours and minutes when it
// is less than one day, so that "0 days" never appears.
func days(d time.Duration) string {
	n := int64(d / (24 * time.Hour))
	switch {
	case n == 1:
		return "1 day"
	case n > 1:
		return fmt.Sprintf("%d days", n)
	}
	return d.Round(time.Minute).String()
}
