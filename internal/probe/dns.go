package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// resolvConf is where the system's resolvers are listed.
const resolvConf = "/etc/resolv.conf"

// fallbackResolver is systemd-resolved's stub, the usual resolver of a
// Linux host whose resolv.conf cannot be read.
const fallbackResolver = "127.0.0.53:53"

// ednsSize is the EDNS0 buffer size recommended by DNS Flag Day 2020: large
// enough for most answers, small enough to avoid IP fragmentation.
const ednsSize = 1232

// dnsTypes are the record types the dns check can compare answers of.
var dnsTypes = map[string]uint16{
	"A":     dns.TypeA,
	"AAAA":  dns.TypeAAAA,
	"CNAME": dns.TypeCNAME,
	"MX":    dns.TypeMX,
	"TXT":   dns.TypeTXT,
	"NS":    dns.TypeNS,
}

// checkDNS queries the resolver for the target's records of one type and
// checks that every expected answer is among them. Latency is the query's
// round trip.
func checkDNS(ctx context.Context, m *monitor.Monitor) monitor.Result {
	spec := m.DNS
	if spec == nil {
		spec = &monitor.DNSSpec{}
	}
	rtype := strings.ToUpper(spec.RecordType)
	if rtype == "" {
		rtype = "A"
	}
	qtype, ok := dnsTypes[rtype]
	if !ok {
		return down("unsupported record type %q", spec.RecordType)
	}
	if _, ok := dns.IsDomainName(m.Target); !ok || m.Target == "" {
		return down("invalid name %q", m.Target)
	}
	name := dns.Fqdn(m.Target)
	server := resolverAddr(spec.Resolver)

	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	q.SetEdns0(ednsSize, false)
	start := time.Now()
	r, err := exchange(ctx, "udp", q, server)
	if err == nil && r.Truncated {
		r, err = exchange(ctx, "tcp", q, server)
	}
	latency := time.Since(start)
	what := name + " " + rtype
	if err != nil {
		return down("query %s at %s: %s", what, server, describe(ctx, m, err))
	}
	if r.Rcode != dns.RcodeSuccess {
		return down("%s: %s", what, rcodeText(r.Rcode))
	}
	got := answers(r.Answer, qtype)
	if len(got) == 0 {
		return down("%s: no answer", what)
	}
	for _, want := range spec.Expect {
		if !slices.Contains(got, normalize(qtype, want)) {
			return down("%s: missing %q, got %s", what, want, listAnswers(qtype, got))
		}
	}
	return up(latency)
}

// exchange sends q to server over network ("udp" or "tcp"). The library
// honours only the context's deadline, so cancelling the context closes
// the connection to end a blocked read.
func exchange(ctx context.Context, network string, q *dns.Msg, server string) (*dns.Msg, error) {
	c := &dns.Client{Net: network, Timeout: DefaultTimeout}
	if deadline, ok := ctx.Deadline(); ok {
		// The library's own limit (2 s by default) would otherwise cut
		// short a monitor that allows longer.
		c.Timeout = time.Until(deadline)
	}
	conn, err := c.DialContext(ctx, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	r, _, err := c.ExchangeWithConnContext(ctx, q, conn)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if r == nil {
		return nil, errors.New("empty response")
	}
	return r, nil
}

// resolverAddr returns the host:port to query: the configured resolver,
// on port 53 unless it names one, or the system's.
func resolverAddr(resolver string) string {
	if resolver == "" {
		return systemResolver(resolvConf)
	}
	if _, _, err := net.SplitHostPort(resolver); err == nil {
		return resolver
	}
	return net.JoinHostPort(strings.Trim(resolver, "[]"), "53")
}

// systemResolver returns the first nameserver of the resolv.conf at path.
func systemResolver(path string) string {
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil || len(conf.Servers) == 0 {
		return fallbackResolver
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port)
}

func rcodeText(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("rcode %d", rcode)
}

// answers returns the records of type qtype in rrs as the text Expect is
// compared with; records of other types (a CNAME on the way to an A) are
// left out.
func answers(rrs []dns.RR, qtype uint16) []string {
	var out []string
	for _, rr := range rrs {
		var s string
		switch rr := rr.(type) {
		case *dns.A:
			if qtype == dns.TypeA {
				s = normalize(qtype, rr.A.String())
			}
		case *dns.AAAA:
			if qtype == dns.TypeAAAA {
				s = normalize(qtype, rr.AAAA.String())
			}
		case *dns.CNAME:
			if qtype == dns.TypeCNAME {
				s = normalize(qtype, rr.Target)
			}
		case *dns.NS:
			if qtype == dns.TypeNS {
				s = normalize(qtype, rr.Ns)
			}
		case *dns.MX:
			if qtype == dns.TypeMX {
				s = normalize(qtype, rr.Mx)
			}
		case *dns.TXT:
			if qtype == dns.TypeTXT {
				s = unescapeTXT(strings.Join(rr.Txt, ""))
			}
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// normalize puts an expected or received answer in one canonical form:
// addresses as netip prints them ("::1" however it was written), names
// lower-case and fully qualified; TXT text is compared as is.
func normalize(qtype uint16, s string) string {
	switch qtype {
	case dns.TypeA, dns.TypeAAAA:
		if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
			return a.Unmap().String()
		}
		return s
	case dns.TypeCNAME, dns.TypeNS, dns.TypeMX:
		return strings.ToLower(dns.Fqdn(strings.TrimSpace(s)))
	}
	return s
}

// unescapeTXT undoes the library's presentation escapes (\" \\ \DDD) so
// TXT text compares with what a user writes in Expect.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if n <= 255 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// listAnswers lists answers for a message; TXT text is quoted since it may
// itself hold commas and spaces.
func listAnswers(qtype uint16, got []string) string {
	if qtype != dns.TypeTXT {
		return strings.Join(got, ", ")
	}
	q := make([]string, len(got))
	for i, s := range got {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
