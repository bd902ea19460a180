// Package smtptest runs a real SMTP server for tests: Debian's aiosmtpd,
// started as a separate process that writes every message it receives to a
// Maildir. Without aiosmtpd the calling test is skipped, except under
// CI=true where it must run.
package smtptest

import (
	"bytes"
	"cmp"
	_ "embed"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

//go:embed authsmtpd.py
var authScript []byte

// Server is a running SMTP sink.
type Server struct {
	// Addr is its host:port on the loopback interface.
	Addr string
	// Maildir receives the messages, one file each in Maildir/new.
	Maildir string
}

// Start runs aiosmtpd with extra command-line arguments (for example
// "--tlscert", file, "--tlskey", file) and waits until it listens. It is
// stopped when tb's test ends.
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	return start(tb, func(addr, maildir string) []string {
		args = append([]string{"-m", "aiosmtpd", "-n", "-l", addr}, args...)
		return append(args, "-c", "aiosmtpd.handlers.Mailbox", maildir)
	})
}

// StartAuth runs a server that requires AUTH PLAIN with user and password
// (over plain text, which net/smtp allows to a loopback server).
func StartAuth(tb testing.TB, user, password string) *Server {
	tb.Helper()
	script := filepath.Join(tb.TempDir(), "authsmtpd.py")
	if err := os.WriteFile(script, authScript, 0o600); err != nil {
		tb.Fatal(err)
	}
	return start(tb, func(addr, maildir string) []string {
		host, port, _ := net.SplitHostPort(addr)
		return []string{script, host, port, maildir, user, password}
	})
}

// python returns an interpreter that has aiosmtpd: the PATH's python3 may
// be another installation than Debian's, which has the package.
func python(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			return p
		}
	}
	msg := "aiosmtpd not installed (apt-get install -y python3-aiosmtpd)"
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// start runs python with the arguments args builds for a free loopback
// address and a fresh Maildir, and waits until it listens.
func start(tb testing.TB, args func(addr, maildir string) []string) *Server {
	tb.Helper()
	py := python(tb)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	maildir := filepath.Join(tb.TempDir(), "Maildir")
	cmd := exec.Command(py, args(addr, maildir)...)
	// The server's output is shown only when the test fails; it is read
	// after Wait, when exec no longer writes to it.
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if tb.Failed() {
			tb.Logf("smtp server output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return &Server{Addr: addr, Maildir: maildir}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("aiosmtpd did not listen on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Message is one received message, its body read whole.
type Message struct {
	File   string
	Header mail.Header
	Body   []byte
}

// Messages returns the messages received so far, oldest file name first.
func (s *Server) Messages(tb testing.TB) []Message {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(s.Maildir, "new", "*"))
	if err != nil {
		tb.Fatal(err)
	}
	sortByArrival(files)
	var out []Message
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			tb.Fatalf("message %s: %v", f, err)
		}
		body := new(bytes.Buffer)
		body.ReadFrom(m.Body)
		out = append(out, Message{File: f, Header: m.Header, Body: body.Bytes()})
	}
	return out
}

// sortByArrival sorts Maildir files in the order the sink received them.
// Their names are "<s>.M<µs>P<pid>Q<n>.<host>" with µs unpadded, so
// sorting the names puts a message of 10:00:00.1 after one of
// 10:00:00.9; n counts the sink's deliveries.
func sortByArrival(files []string) {
	slices.SortFunc(files, func(a, b string) int {
		return cmp.Or(cmp.Compare(arrival(a), arrival(b)), cmp.Compare(a, b))
	})
}

// arrival is the delivery counter (Q) in a Maildir file name, or -1.
func arrival(file string) int {
	name := filepath.Base(file)
	i := strings.Index(name, "Q")
	if i < 0 {
		return -1
	}
	digits := name[i+1:]
	if j := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
		digits = digits[:j]
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return -1
	}
	return n
}

// Wait polls until the server has received at least n messages or the
// timeout passes, and returns the messages it has.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ms := s.Messages(tb)
		if len(ms) >= n || time.Now().After(deadline) {
			return ms
		}
		time.Sleep(20 * time.Millisecond)
	}
}
