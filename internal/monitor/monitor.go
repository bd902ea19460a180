// Package monitor holds the types shared by the checks, the scheduler, the
// store and the server: what a monitor is and what one check of it found.
// It has no I/O.
package monitor

import "time"

// The check types.
const (
	TypeHTTP       = "http"
	TypeTCP        = "tcp"
	TypeDNS        = "dns"
	TypeICMP       = "icmp"
	TypeTLS        = "tls"
	TypeThroughput = "throughput"
	// TypeHeartbeat is a push monitor: a job calls the server; no call
	// within Interval + Grace means down. The scheduler does not run it.
	TypeHeartbeat = "heartbeat"
)

// LocalLocation is the location of checks the server runs itself.
const LocalLocation = "local"

// Monitor is one configured check of a component.
type Monitor struct {
	ID        string
	Component string
	Type      string
	// Target is a URL (http, throughput), host:port (tcp, tls), a name (dns)
	// or a host (icmp).
	Target   string
	Interval time.Duration
	Timeout  time.Duration
	// Locations run the check; empty means the server itself (local).
	Locations []string
	// FailAfter consecutive failures confirm down; RecoverAfter consecutive
	// successes confirm up again.
	FailAfter    int
	RecoverAfter int
	// Quorum is how many locations must agree before the component is
	// declared down; 0 means a majority. It counts the locations that
	// report: one silent for SilentAfter intervals (0: 3) while another
	// reports does not count (internal/detect).
	Quorum      int
	SilentAfter int
	// DegradedAfter and DownAfter are latency thresholds: a check slower
	// than them is degraded or down ("responding within normal parameters").
	DegradedAfter time.Duration
	DownAfter     time.Duration

	HTTP       *HTTPSpec
	DNS        *DNSSpec
	ICMP       *ICMPSpec
	TLS        *TLSSpec
	Throughput *ThroughputSpec
	Heartbeat  *HeartbeatSpec
}

// HTTPSpec configures an HTTP(S) check.
type HTTPSpec struct {
	Method  string
	Headers map[string]string
	Body    string
	// ExpectStatus lists accepted codes; empty means 200–399.
	ExpectStatus []int
	BodyContains string
	BodyRegex    string
	// JSON asserts values at dotted paths of a JSON body ("data.status").
	JSON []JSONAssert
	// FollowRedirects follows up to MaxRedirects (default 10); otherwise a
	// redirect's own status is checked.
	FollowRedirects    bool
	MaxRedirects       int
	InsecureSkipVerify bool
}

// JSONAssert asserts that the value at Path equals Equals (compared as text).
type JSONAssert struct {
	Path   string
	Equals string
}

// DNSSpec configures a DNS check.
type DNSSpec struct {
	RecordType string // A, AAAA, CNAME, MX, TXT, NS
	// Resolver is host:port; empty uses the system's first resolver.
	Resolver string
	// Expect lists answers that must all be present; empty means any answer.
	Expect []string
}

// ICMPSpec configures a ping check.
type ICMPSpec struct {
	Count int // pings per check, default 3
	// MaxLossPct marks the check down above this loss; default 0 (any loss
	// is degraded, total loss is down).
	MaxLossPct float64
	// Privileged uses raw sockets instead of unprivileged datagram ICMP.
	Privileged bool
}

// TLSSpec configures a certificate check.
type TLSSpec struct {
	// WarnDays marks the check degraded this many days before expiry.
	WarnDays int
	// ServerName overrides SNI; default the target's host.
	ServerName string
}

// ThroughputSpec configures a download-throughput check.
type ThroughputSpec struct {
	// MinMbps marks the check degraded below it.
	MinMbps float64
}

// HeartbeatSpec configures a push monitor.
type HeartbeatSpec struct {
	Grace time.Duration
	// Records, when set, makes each call of the job evidence of a
	// recovery objective too: RecordsBackup writes a backup fact,
	// RecordsRestoreTest a restore_test fact, of the monitor's component,
	// ok unless the job reported a failure.
	Records string
	// TokenSHA256 is the hex SHA-256 of the token that authenticates the
	// job's calls; the token itself is never kept.
	TokenSHA256 string
}

// What a heartbeat's calls record besides its status (HeartbeatSpec.Records).
const (
	RecordsBackup      = "backup"
	RecordsRestoreTest = "restore_test"
)

// State is one check's verdict.
type State string

// The check states.
const (
	Up       State = "up"
	Degraded State = "degraded"
	Down     State = "down"
)

// Result is what one check of one monitor at one location found.
type Result struct {
	MonitorID string
	Location  string
	// At is when the check started; Duration how long it took.
	At       time.Time
	Duration time.Duration
	State    State
	Message  string
	// Latency is the measured response time (ping RTT for icmp).
	Latency        time.Duration
	PacketLossPct  *float64
	ThroughputMbps *float64
	CertExpiry     *time.Time
	// Seq is the sending agent's sequence number, for delivery without
	// duplicates; 0 for local checks.
	Seq uint64
}
