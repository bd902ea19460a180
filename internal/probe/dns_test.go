package probe

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/miekg/dns"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// testZone answers the dns tests' queries. Its addresses are answers only:
// nothing ever connects to them.
var testZone = map[uint16]map[string][]string{
	dns.TypeA: {
		"example.test.": {"example.test. 60 IN A 127.0.0.2", "example.test. 60 IN A 127.0.0.3"},
		"www.example.test.": {
			"www.example.test. 60 IN CNAME example.test.",
			"example.test. 60 IN A 127.0.0.2",
		},
	},
	dns.TypeAAAA:  {"example.test.": {"example.test. 60 IN AAAA ::1", "example.test. 60 IN AAAA fd00::2"}},
	dns.TypeCNAME: {"www.example.test.": {"www.example.test. 60 IN CNAME example.test."}},
	dns.TypeMX:    {"example.test.": {"example.test. 60 IN MX 10 mail.example.test.", "example.test. 60 IN MX 20 backup.example.test."}},
	dns.TypeNS:    {"example.test.": {"example.test. 60 IN NS ns1.example.test."}},
	dns.TypeTXT: {"example.test.": {
		`example.test. 60 IN TXT "v=spf1 -all"`,
		`example.test. 60 IN TXT "hello, " "world"`,
		`example.test. 60 IN TXT "say \"hi\""`,
	}},
}

// testDNS answers from testZone. Only over UDP, big.example.test comes
// back truncated, so the check must retry over TCP to see its answer.
func testDNS(tb testing.TB) dns.HandlerFunc {
	return func(w dns.ResponseWriter, q *dns.Msg) {
		r := new(dns.Msg)
		r.SetReply(q)
		name, qtype := q.Question[0].Name, q.Question[0].Qtype
		switch name {
		case "missing.example.test.":
			r.Rcode = dns.RcodeNameError
		case "broken.example.test.":
			r.Rcode = dns.RcodeServerFailure
		case "empty.example.test.":
		case "big.example.test.":
			if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
				r.Truncated = true
				break
			}
			rr, _ := dns.NewRR("big.example.test. 60 IN A 127.0.0.9")
			r.Answer = append(r.Answer, rr)
		default:
			for _, s := range testZone[qtype][name] {
				rr, err := dns.NewRR(s)
				if err != nil {
					tb.Errorf("bad test record %q: %v", s, err)
					continue
				}
				r.Answer = append(r.Answer, rr)
			}
			if len(r.Answer) == 0 {
				r.Rcode = dns.RcodeNameError
			}
		}
		w.WriteMsg(r)
	}
}

// dnsServer serves testDNS over UDP and TCP on the same loopback port and
// returns its address.
func dnsServer(tb testing.TB) string {
	tb.Helper()
	var (
		tl  net.Listener
		pc  net.PacketConn
		err error
	)
	// The TCP port picked by the kernel is usually free for UDP too; try a
	// few times in case it is not.
	for range 10 {
		tl, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("listen tcp: %v", err)
		}
		pc, err = net.ListenPacket("udp", tl.Addr().String())
		if err == nil {
			break
		}
		tl.Close()
	}
	if err != nil {
		tb.Fatalf("listen udp: %v", err)
	}
	h := testDNS(tb)
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: tl, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		tb.Cleanup(func() { srv.Shutdown() })
	}
	return tl.Addr().String()
}

func TestDNS(t *testing.T) {
	server := dnsServer(t)
	// A UDP socket that never answers, for the timeout.
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen udp: %v", err)
	}
	t.Cleanup(func() { silent.Close() })

	tests := []struct {
		name    string
		target  string
		spec    monitor.DNSSpec
		timeout bool
		want    want
	}{
		{"A any answer", "example.test", monitor.DNSSpec{}, false, want{monitor.Up, ""}},
		{"A expected", "example.test", monitor.DNSSpec{RecordType: "A", Expect: []string{"127.0.0.3", "127.0.0.2"}}, false, want{monitor.Up, ""}},
		{"A lower-case type and fqdn", "example.test.", monitor.DNSSpec{RecordType: "a", Expect: []string{"127.0.0.2"}}, false, want{monitor.Up, ""}},
		{"A mismatch", "example.test", monitor.DNSSpec{RecordType: "A", Expect: []string{"127.0.0.2", "127.0.0.4"}}, false, want{monitor.Down, `example.test. A: missing "127.0.0.4", got 127.0.0.2, 127.0.0.3`}},
		{"A through CNAME", "www.example.test", monitor.DNSSpec{RecordType: "A", Expect: []string{"127.0.0.2"}}, false, want{monitor.Up, ""}},
		{"AAAA expected in other spelling", "example.test", monitor.DNSSpec{RecordType: "AAAA", Expect: []string{"0:0::1", "FD00::2"}}, false, want{monitor.Up, ""}},
		{"AAAA mismatch", "example.test", monitor.DNSSpec{RecordType: "AAAA", Expect: []string{"::2"}}, false, want{monitor.Down, `missing "::2"`}},
		{"CNAME expected", "www.example.test", monitor.DNSSpec{RecordType: "CNAME", Expect: []string{"Example.Test"}}, false, want{monitor.Up, ""}},
		{"CNAME mismatch", "www.example.test", monitor.DNSSpec{RecordType: "CNAME", Expect: []string{"cdn.example.test."}}, false, want{monitor.Down, `missing "cdn.example.test."`}},
		{"MX expected by host", "example.test", monitor.DNSSpec{RecordType: "MX", Expect: []string{"mail.example.test", "backup.example.test."}}, false, want{monitor.Up, ""}},
		{"MX mismatch", "example.test", monitor.DNSSpec{RecordType: "MX", Expect: []string{"mx.other.test"}}, false, want{monitor.Down, `got mail.example.test., backup.example.test.`}},
		{"NS expected", "example.test", monitor.DNSSpec{RecordType: "NS", Expect: []string{"ns1.example.test"}}, false, want{monitor.Up, ""}},
		{"TXT expected", "example.test", monitor.DNSSpec{RecordType: "TXT", Expect: []string{"v=spf1 -all", "hello, world", `say "hi"`}}, false, want{monitor.Up, ""}},
		{"TXT mismatch", "example.test", monitor.DNSSpec{RecordType: "TXT", Expect: []string{"v=spf1 ~all"}}, false, want{monitor.Down, `missing "v=spf1 ~all", got "v=spf1 -all", "hello, world", "say \"hi\""`}},
		{"NXDOMAIN", "missing.example.test", monitor.DNSSpec{}, false, want{monitor.Down, "missing.example.test. A: NXDOMAIN"}},
		{"SERVFAIL", "broken.example.test", monitor.DNSSpec{}, false, want{monitor.Down, "broken.example.test. A: SERVFAIL"}},
		{"empty answer", "empty.example.test", monitor.DNSSpec{RecordType: "A"}, false, want{monitor.Down, "empty.example.test. A: no answer"}},
		{"only other types answered", "www.example.test", monitor.DNSSpec{RecordType: "AAAA"}, false, want{monitor.Down, "NXDOMAIN"}},
		{"truncated retried over tcp", "big.example.test", monitor.DNSSpec{Expect: []string{"127.0.0.9"}}, false, want{monitor.Up, ""}},
		{"unsupported type", "example.test", monitor.DNSSpec{RecordType: "SRV"}, false, want{monitor.Down, `unsupported record type "SRV"`}},
		{"invalid name", "exa mple..test", monitor.DNSSpec{}, false, want{monitor.Down, "invalid name"}},
		{"empty name", "", monitor.DNSSpec{}, false, want{monitor.Down, "invalid name"}},
		{"resolver timeout", "example.test", monitor.DNSSpec{Resolver: silent.LocalAddr().String()}, true, want{monitor.Down, "timeout after 200ms"}},
	}
	r := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			if spec.Resolver == "" {
				// Never the system resolver: the tests stay on loopback.
				spec.Resolver = server
			}
			m := &monitor.Monitor{Type: monitor.TypeDNS, Target: tt.target, DNS: &spec}
			if tt.timeout {
				m.Timeout = shortTimeout
			}
			got := run(t, r, m)
			t.Logf("%s: %q", got.State, got.Message)
			assertResult(t, got, tt.want)
			if got.State == monitor.Up && got.Latency <= 0 {
				t.Errorf("got latency %v, want > 0", got.Latency)
			}
		})
	}
}

func TestResolverAddr(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"host and port", "127.0.0.1:5353", "127.0.0.1:5353"},
		{"host only", "127.0.0.1", "127.0.0.1:53"},
		{"ipv6 only", "::1", "[::1]:53"},
		{"bracketed ipv6", "[::1]", "[::1]:53"},
		{"ipv6 and port", "[::1]:5353", "[::1]:5353"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := resolverAddr(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSystemResolver(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"first nameserver", write("two", "search example.test\nnameserver 127.0.0.1\nnameserver 127.0.0.2\n"), "127.0.0.1:53"},
		{"ipv6 nameserver", write("v6", "nameserver ::1\n"), "[::1]:53"},
		{"no nameserver", write("none", "search example.test\n"), fallbackResolver},
		{"missing file", filepath.Join(dir, "absent"), fallbackResolver},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := systemResolver(tt.path); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnescapeTXT(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `plain`},
		{`say \"hi\"`, `say "hi"`},
		{`back\\slash`, `back\slash`},
		{`tab\009here`, "tab\there"},
		{`trailing\`, `trailing\`},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			if got := unescapeTXT(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
