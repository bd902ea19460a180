// Package agentwire is the agent protocol's wire format: the monitors a
// server gives its probe agents and the results they send back, as JSON
// with lower-case names and durations in milliseconds, and the protocol
// version both sides state in a header. It is pure: conversions between
// the wire types and the internal ones (internal/monitor), no I/O.
//
// Version 1 (until slakeeper 0.x of December 2026) sent the internal Go
// types as they were: capitalised names, durations in nanoseconds. A
// server refuses a version-1 agent with 426 and an "upgrade" message
// instead of misreading its results.
package agentwire

import (
	"fmt"
	"strconv"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
)

// Version is the protocol version this build speaks.
const Version = 2

// Header carries the protocol version on every agent request and on the
// server's answers.
const Header = "Slakeeper-Agent-Protocol"

// CheckVersion reads a Header value: nil when it is Version, an error
// saying which side to upgrade otherwise. peer names the other side
// ("agent" or "server").
func CheckVersion(value, peer string) error {
	if value == "" {
		return fmt.Errorf("the %s speaks agent protocol 1 (no %s header), this side speaks %d: upgrade the %s", peer, Header, Version, peer)
	}
	v, err := strconv.Atoi(value)
	switch {
	case err != nil:
		return fmt.Errorf("the %s sent %s: %q, not a version number", peer, Header, value)
	case v < Version:
		return fmt.Errorf("the %s speaks agent protocol %d, this side speaks %d: upgrade the %s", peer, v, Version, peer)
	case v > Version:
		return fmt.Errorf("the %s speaks agent protocol %d, this side speaks %d: upgrade this side", peer, v, Version)
	}
	return nil
}

// Millis is a duration in milliseconds, fractions allowed.
type Millis float64

// MillisOf returns d in milliseconds.
func MillisOf(d time.Duration) Millis { return Millis(float64(d) / float64(time.Millisecond)) }

// Duration returns m as a duration, rounded to the nanosecond.
func (m Millis) Duration() time.Duration {
	return time.Duration(float64(m) * float64(time.Millisecond))
}

// Result is one check result as an agent sends it.
type Result struct {
	Monitor string    `json:"monitor"`
	At      time.Time `json:"at"`
	// DurationMS is how long the check took, LatencyMS the latency it
	// measured.
	DurationMS     Millis     `json:"duration_ms"`
	State          string     `json:"state"`
	Message        string     `json:"message,omitempty"`
	LatencyMS      Millis     `json:"latency_ms"`
	PacketLossPct  *float64   `json:"packet_loss_pct,omitempty"`
	ThroughputMbps *float64   `json:"throughput_mbps,omitempty"`
	CertExpiry     *time.Time `json:"cert_expiry,omitempty"`
	Seq            uint64     `json:"seq"`
}

// FromResult converts a result to the wire.
func FromResult(r monitor.Result) Result {
	return Result{Monitor: r.MonitorID, At: r.At, DurationMS: MillisOf(r.Duration), State: string(r.State), Message: r.Message,
		LatencyMS: MillisOf(r.Latency), PacketLossPct: r.PacketLossPct, ThroughputMbps: r.ThroughputMbps, CertExpiry: r.CertExpiry, Seq: r.Seq}
}

// ToResult converts a wire result of location loc.
func (r Result) ToResult(loc string) monitor.Result {
	return monitor.Result{MonitorID: r.Monitor, Location: loc, At: r.At, Duration: r.DurationMS.Duration(), State: monitor.State(r.State),
		Message: r.Message, Latency: r.LatencyMS.Duration(), PacketLossPct: r.PacketLossPct, ThroughputMbps: r.ThroughputMbps,
		CertExpiry: r.CertExpiry, Seq: r.Seq}
}

// Results is the body of POST /api/v1/agent/results.
type Results struct {
	Results []Result `json:"results"`
}

// Monitors is the answer of GET /api/v1/agent/monitors.
type Monitors struct {
	Location string    `json:"location"`
	Monitors []Monitor `json:"monitors"`
}

// Monitor is a monitor as an agent runs it: what its checks need.
type Monitor struct {
	ID              string      `json:"id"`
	Component       string      `json:"component"`
	Type            string      `json:"type"`
	Target          string      `json:"target"`
	IntervalMS      Millis      `json:"interval_ms"`
	TimeoutMS       Millis      `json:"timeout_ms"`
	Locations       []string    `json:"locations,omitempty"`
	DegradedAfterMS Millis      `json:"degraded_after_ms,omitempty"`
	DownAfterMS     Millis      `json:"down_after_ms,omitempty"`
	HTTP            *HTTP       `json:"http,omitempty"`
	DNS             *DNS        `json:"dns,omitempty"`
	ICMP            *ICMP       `json:"icmp,omitempty"`
	TLS             *TLS        `json:"tls,omitempty"`
	Throughput      *Throughput `json:"throughput,omitempty"`
}

// HTTP is an http check's settings.
type HTTP struct {
	Method             string            `json:"method,omitempty"`
	Headers            map[string]string `json:"headers,omitempty"`
	Body               string            `json:"body,omitempty"`
	ExpectStatus       []int             `json:"expect_status,omitempty"`
	BodyContains       string            `json:"body_contains,omitempty"`
	BodyRegex          string            `json:"body_regex,omitempty"`
	JSON               []JSONAssert      `json:"json,omitempty"`
	FollowRedirects    bool              `json:"follow_redirects,omitempty"`
	MaxRedirects       int               `json:"max_redirects,omitempty"`
	InsecureSkipVerify bool              `json:"insecure_skip_verify,omitempty"`
}

// JSONAssert is one value an http check expects in a JSON body.
type JSONAssert struct {
	Path   string `json:"path"`
	Equals string `json:"equals"`
}

// DNS is a dns check's settings.
type DNS struct {
	RecordType string   `json:"record_type,omitempty"`
	Resolver   string   `json:"resolver,omitempty"`
	Expect     []string `json:"expect,omitempty"`
}

// ICMP is a ping check's settings.
type ICMP struct {
	Count      int     `json:"count,omitempty"`
	MaxLossPct float64 `json:"max_loss_pct,omitempty"`
	Privileged bool    `json:"privileged,omitempty"`
}

// TLS is a certificate check's settings.
type TLS struct {
	WarnDays   int    `json:"warn_days,omitempty"`
	ServerName string `json:"server_name,omitempty"`
}

// Throughput is a download check's settings.
type Throughput struct {
	MinMbps float64 `json:"min_mbps,omitempty"`
}

// FromMonitor converts a monitor to the wire. Confirmation and quorum are
// the server's business and are not sent.
func FromMonitor(m *monitor.Monitor) Monitor {
	w := Monitor{ID: m.ID, Component: m.Component, Type: m.Type, Target: m.Target, IntervalMS: MillisOf(m.Interval), TimeoutMS: MillisOf(m.Timeout),
		Locations: m.Locations, DegradedAfterMS: MillisOf(m.DegradedAfter), DownAfterMS: MillisOf(m.DownAfter)}
	if h := m.HTTP; h != nil {
		w.HTTP = &HTTP{Method: h.Method, Headers: h.Headers, Body: h.Body, ExpectStatus: h.ExpectStatus, BodyContains: h.BodyContains,
			BodyRegex: h.BodyRegex, FollowRedirects: h.FollowRedirects, MaxRedirects: h.MaxRedirects, InsecureSkipVerify: h.InsecureSkipVerify}
		for _, j := range h.JSON {
			w.HTTP.JSON = append(w.HTTP.JSON, JSONAssert(j))
		}
	}
	if d := m.DNS; d != nil {
		w.DNS = &DNS{RecordType: d.RecordType, Resolver: d.Resolver, Expect: d.Expect}
	}
	if i := m.ICMP; i != nil {
		w.ICMP = &ICMP{Count: i.Count, MaxLossPct: i.MaxLossPct, Privileged: i.Privileged}
	}
	if t := m.TLS; t != nil {
		w.TLS = &TLS{WarnDays: t.WarnDays, ServerName: t.ServerName}
	}
	if t := m.Throughput; t != nil {
		w.Throughput = &Throughput{MinMbps: t.MinMbps}
	}
	return w
}

// ToMonitor converts a wire monitor for the agent's checks.
func (w Monitor) ToMonitor() *monitor.Monitor {
	m := &monitor.Monitor{ID: w.ID, Component: w.Component, Type: w.Type, Target: w.Target, Interval: w.IntervalMS.Duration(),
		Timeout: w.TimeoutMS.Duration(), Locations: w.Locations, DegradedAfter: w.DegradedAfterMS.Duration(), DownAfter: w.DownAfterMS.Duration()}
	if h := w.HTTP; h != nil {
		m.HTTP = &monitor.HTTPSpec{Method: h.Method, Headers: h.Headers, Body: h.Body, ExpectStatus: h.ExpectStatus, BodyContains: h.BodyContains,
			BodyRegex: h.BodyRegex, FollowRedirects: h.FollowRedirects, MaxRedirects: h.MaxRedirects, InsecureSkipVerify: h.InsecureSkipVerify}
		for _, j := range h.JSON {
			m.HTTP.JSON = append(m.HTTP.JSON, monitor.JSONAssert(j))
		}
	}
	if d := w.DNS; d != nil {
		m.DNS = &monitor.DNSSpec{RecordType: d.RecordType, Resolver: d.Resolver, Expect: d.Expect}
	}
	if i := w.ICMP; i != nil {
		m.ICMP = &monitor.ICMPSpec{Count: i.Count, MaxLossPct: i.MaxLossPct, Privileged: i.Privileged}
	}
	if t := w.TLS; t != nil {
		m.TLS = &monitor.TLSSpec{WarnDays: t.WarnDays, ServerName: t.ServerName}
	}
	if t := w.Throughput; t != nil {
		m.Throughput = &monitor.ThroughputSpec{MinMbps: t.MinMbps}
	}
	return m
}
