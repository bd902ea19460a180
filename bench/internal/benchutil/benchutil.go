// Package benchutil holds what the benchmark commands share: the HTTP
// targets the monitors check, a free port for the server under test, and
// waiting for it to be ready.
package benchutil

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Targets starts n HTTP listeners on loopback that answer {"status":"ok"}
// and returns their addresses: several listeners, so that connections
// spread like real hosts. They serve until the process exits.
func Targets(n int) ([]string, error) {
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"status":"ok"}`) }))
		out = append(out, ln.Addr().String())
	}
	return out, nil
}

// FreeAddr returns a loopback address with a port free at the time.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// WaitReady polls base+"/readyz" until it answers 200 or timeout passes.
func WaitReady(base string, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); ; {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not ready in %s", base, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
