// Package benchutil holds what the benchmark commands share: the HTTP
// targets the monitors check, a free port for the server under test, and
// waiting for it to be ready.
package benchutil

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
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

// Serve runs "bin serve --addr ADDR" with the extra arguments on a free
// loopback port, its output discarded, and waits until it is ready. stop
// interrupts it and waits for it to exit (so that profiles are written).
func Serve(bin string, extra ...string) (base string, pid int, stop func(), err error) {
	addr, err := FreeAddr()
	if err != nil {
		return "", 0, nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr}, extra...)...)
	cmd.Stderr, cmd.Stdout = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stop = func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	base = "http://" + addr
	if err := WaitReady(base, 2*time.Minute); err != nil {
		stop()
		return "", 0, nil, err
	}
	return base, cmd.Process.Pid, stop, nil
}
