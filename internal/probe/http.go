package probe

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// maxBody is how much of a response body the http check reads: enough for
// any health endpoint, small enough that 10,000 monitors cannot exhaust
// memory.
const maxBody = 1 << 20

// defaultMaxRedirects matches what browsers and net/http allow.
const defaultMaxRedirects = 10

// userAgent lets a provider recognise the probe's requests in its logs.
const userAgent = "slakeeper-probe/1"

// transports is the connection pool the HTTP-based checks share: one
// transport that verifies certificates and one that does not, since the
// TLS configuration belongs to the transport rather than the request.
type transports struct {
	verify   *http.Transport
	insecure *http.Transport
}

// sharedTransports is made once per process so that every registry made by
// Default reuses the same keep-alive connections.
var sharedTransports = sync.OnceValue(func() *transports { return newTransports(nil) })

func newTransports(roots *x509.CertPool) *transports {
	return &transports{
		verify:   newTransport(&tls.Config{RootCAs: roots}),
		insecure: newTransport(&tls.Config{RootCAs: roots, InsecureSkipVerify: true}), // only for monitors that ask for it
	}
}

// newTransport sizes the pool for 10,000 monitors every 30 s (about 330
// checks a second), many of them against the same few hosts of one
// provider. Idle connections outlive the interval, so a monitor's next
// check reuses a connection instead of dialling and leaving a socket in
// TIME_WAIT each time. Up to MaxConnsPerHost connections to one host are
// kept idle too: with a smaller idle limit a burst of checks would close
// and redial the difference on every round (BenchmarkHTTP10k counts
// this). The per-host cap stops a burst against one host from taking every
// file descriptor; beyond it checks wait for a connection, and that wait
// counts in their latency. MaxIdleConns bounds what thousands of distinct
// hosts keep open between checks.
func newTransport(tc *tls.Config) *http.Transport {
	// The transport dials apart from the request's context, so that a
	// connection a timed-out check started can still serve the next one;
	// these limits stop such a dial to a dead host from holding a socket
	// and a per-host slot for minutes.
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		// Agents behind a corporate proxy need HTTPS_PROXY to work as it
		// does for every other Go program; loopback is never proxied.
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tc,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           4096,
		MaxIdleConnsPerHost:    256,
		MaxConnsPerHost:        256,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
}

func httpChecker(t *transports) Checker {
	return func(ctx context.Context, m *monitor.Monitor) monitor.Result {
		return checkHTTP(ctx, m, t)
	}
}

func checkHTTP(ctx context.Context, m *monitor.Monitor, t *transports) monitor.Result {
	spec := m.HTTP
	if spec == nil {
		spec = &monitor.HTTPSpec{}
	}
	if err := checkURL(m.Target); err != nil {
		return down("invalid target: %v", err)
	}
	method := strings.ToUpper(spec.Method)
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if spec.Body != "" {
		body = strings.NewReader(spec.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, m.Target, body)
	if err != nil {
		return down("invalid request: %s", describe(ctx, m, err))
	}
	req.Header.Set("User-Agent", userAgent)
	for k, v := range spec.Headers {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	rt := t.verify
	if spec.InsecureSkipVerify {
		rt = t.insecure
	}
	client := &http.Client{Transport: rt, CheckRedirect: redirectPolicy(spec)}

	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return down("request failed: %s", describe(ctx, m, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	latency := time.Since(start)

	res := monitor.Result{State: monitor.Up, Latency: latency}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		expiry := resp.TLS.PeerCertificates[0].NotAfter
		res.CertExpiry = &expiry
	}
	fail := func(format string, args ...any) monitor.Result {
		res.State = monitor.Down
		res.Message = fmt.Sprintf(format, args...)
		return res
	}
	if err != nil {
		return fail("reading body: %s", describe(ctx, m, err))
	}
	if !statusOK(resp.StatusCode, spec.ExpectStatus) {
		return fail("status %d, want %s", resp.StatusCode, wantStatus(spec.ExpectStatus))
	}
	if spec.BodyContains != "" && !bytes.Contains(data, []byte(spec.BodyContains)) {
		return fail("body does not contain %q", spec.BodyContains)
	}
	if spec.BodyRegex != "" {
		re, err := regexp.Compile(spec.BodyRegex)
		if err != nil {
			return fail("invalid body regex: %v", err)
		}
		if !re.Match(data) {
			return fail("body does not match regex %q", spec.BodyRegex)
		}
	}
	if len(spec.JSON) > 0 {
		if msg := checkJSON(data, spec.JSON); msg != "" {
			return fail("%s", msg)
		}
	}
	return res
}

// checkURL rejects targets that net/http would either refuse with a less
// clear error or, for a missing scheme, misread.
func checkURL(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL itself may hold credentials
		}
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q, want http or https", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("no host")
	}
	return nil
}

func redirectPolicy(spec *monitor.HTTPSpec) func(*http.Request, []*http.Request) error {
	if !spec.FollowRedirects {
		return func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	limit := spec.MaxRedirects
	if limit <= 0 {
		limit = defaultMaxRedirects
	}
	return func(_ *http.Request, via []*http.Request) error {
		// via holds every request made so far, the first one included,
		// so its length is the number of redirects received.
		if len(via) > limit {
			return fmt.Errorf("stopped after %d redirects", limit)
		}
		return nil
	}
}

func statusOK(code int, want []int) bool {
	if len(want) == 0 {
		return code >= 200 && code <= 399
	}
	return slices.Contains(want, code)
}

func wantStatus(want []int) string {
	if len(want) == 0 {
		return "200-399"
	}
	s := make([]string, len(want))
	for i, c := range want {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ", ")
}

// checkJSON returns the first failed assertion as a message, or "".
func checkJSON(data []byte, asserts []monitor.JSONAssert) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	// Numbers stay as their text so that large IDs and "1.0" compare as
	// the server wrote them, not as float64 rounding would print them.
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Sprintf("body is not JSON: %v", err)
	}
	for _, a := range asserts {
		v, err := lookupJSON(doc, a.Path)
		if err != nil {
			return fmt.Sprintf("json %s: %v", a.Path, err)
		}
		if got := jsonText(v); got != a.Equals {
			return fmt.Sprintf("json %s = %q, want %q", a.Path, got, a.Equals)
		}
	}
	return ""
}

// lookupJSON follows a dotted path such as "items.0.name" through decoded
// JSON; a numeric segment indexes an array. An empty path is the whole
// document.
func lookupJSON(doc any, path string) (any, error) {
	if path == "" {
		return doc, nil
	}
	cur := doc
	for seg := range strings.SplitSeq(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[seg]
			if !ok {
				return nil, fmt.Errorf("no key %q", seg)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil {
				return nil, fmt.Errorf("%q is not an index of an array", seg)
			}
			if i < 0 || i >= len(v) {
				return nil, fmt.Errorf("index %d out of range (%d elements)", i, len(v))
			}
			cur = v[i]
		default:
			return nil, fmt.Errorf("no %q in a %s", seg, jsonKind(cur))
		}
	}
	return cur, nil
}

// jsonText is the text a value is compared as: strings without quotes,
// numbers and booleans as written, null as "null", and objects and arrays
// as compact JSON.
func jsonText(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}
