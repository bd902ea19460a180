package public

import (
	"fmt"
	"testing"
	"time"
)

// A spray of distinct keys (addresses, client addresses) must not grow the
// subscription limiter without bound, nor let the spray through once the
// limiter is full; keys that have refilled are forgotten later.
func TestRateLimiterBounded(t *testing.T) {
	l := newRateLimiter(5, time.Minute)
	now := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	allowed := 0
	for i := range 3 * maxBuckets {
		if l.allow(fmt.Sprintf("to:victim-%d@example.org", i), now) {
			allowed++
		}
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("after %d distinct keys: %d buckets, want at most %d", 3*maxBuckets, n, maxBuckets)
	}
	if allowed > maxBuckets {
		t.Errorf("a full limiter let %d of %d new keys through, want at most %d", allowed, 3*maxBuckets, maxBuckets)
	}
	// A key already tracked is still limited.
	for range 10 {
		l.allow("to:victim-0@example.org", now)
	}
	if l.allow("to:victim-0@example.org", now) {
		t.Error("a tracked key was allowed beyond its burst")
	}
	// Once the buckets have refilled they are forgotten, and new keys
	// are let through again.
	later := now.Add(6 * time.Minute)
	if !l.allow("to:someone-new@example.org", later) {
		t.Error("a new key was refused after every bucket refilled")
	}
	if n := len(l.buckets); n > 10 {
		t.Errorf("after the buckets refilled: %d buckets kept, want them pruned", n)
	}
}

// One mailbox is one limit, however the address is written.
func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"victim@example.org":         "victim@example.org",
		"Victim+1@Example.org":       "victim@example.org",
		" victim+news+x@example.org": "victim@example.org",
		"+tag@example.org":           "+tag@example.org",
		"nobody":                     "nobody",
	} {
		if got := addressKey(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
