package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/store"
)

var limitScenarios = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"Limits", testLimits},
	{"LimitsConcurrent", testLimitsConcurrent},
}

// testLimits: a key not stored reads as the zero Limit; what fn returns is
// stored; a zero N deletes the key; keys whose window began before expired
// are gone at the next call.
func testLimits(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	read := func(keys ...string) []store.Limit {
		t.Helper()
		var got []store.Limit
		err := s.Limits(ctx, keys, time.Time{}, func(cur []store.Limit) []store.Limit {
			got = append([]store.Limit(nil), cur...)
			return cur
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := read("u:alice", "a:10.0.0.1"); got[0] != (store.Limit{}) || got[1] != (store.Limit{}) {
		t.Fatalf("new keys: got %+v, want zero limits", got)
	}
	err := s.Limits(ctx, []string{"u:alice", "a:10.0.0.1"}, time.Time{}, func(cur []store.Limit) []store.Limit {
		return []store.Limit{{N: 2, Since: t0, Last: t0.Add(time.Minute)}, {N: 7, Since: t0.Add(time.Second), Last: t0.Add(2 * time.Minute)}}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The keys come back in the order asked, whatever the lock order.
	got := read("a:10.0.0.1", "u:alice")
	if !got[0].Since.Equal(t0.Add(time.Second)) || got[0].N != 7 || !got[1].Last.Equal(t0.Add(time.Minute)) || got[1].N != 2 {
		t.Errorf("stored: got %+v", got)
	}
	// A zero N deletes: the key reads as new.
	if err := s.Limits(ctx, []string{"u:alice"}, time.Time{}, func([]store.Limit) []store.Limit { return []store.Limit{{}} }); err != nil {
		t.Fatal(err)
	}
	if got := read("u:alice"); got[0] != (store.Limit{}) {
		t.Errorf("deleted: got %+v", got)
	}
	// The address's window began at t0+1s: expired after it, kept before.
	if err := s.Limits(ctx, []string{"u:bob"}, t0, func(cur []store.Limit) []store.Limit { return cur }); err != nil {
		t.Fatal(err)
	}
	if got := read("a:10.0.0.1"); got[0].N != 7 {
		t.Errorf("pruned too early: %+v", got)
	}
	if err := s.Limits(ctx, []string{"u:bob"}, t0.Add(2*time.Second), func(cur []store.Limit) []store.Limit { return cur }); err != nil {
		t.Fatal(err)
	}
	if got := read("a:10.0.0.1"); got[0] != (store.Limit{}) {
		t.Errorf("expired key kept: %+v", got)
	}
	// fn must answer for every key.
	if err := s.Limits(ctx, []string{"u:x", "a:y"}, time.Time{}, func([]store.Limit) []store.Limit { return nil }); err == nil {
		t.Error("a short answer was accepted")
	}
}

// testLimitsConcurrent: callers sharing a key take turns, in either key
// order: 40 increments of a shared address from 40 goroutines, each with a
// user key of its own, count 40.
func testLimitsConcurrent(t *testing.T, s store.Store) {
	ctx := ctxFor(t)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := []string{"u:" + string(rune('a'+i%26)) + string(rune('a'+i/26)), "a:shared"}
			if i%2 == 1 {
				keys[0], keys[1] = keys[1], keys[0]
			}
			errs <- s.Limits(ctx, keys, time.Time{}, func(cur []store.Limit) []store.Limit {
				out := make([]store.Limit, len(cur))
				for j, c := range cur {
					out[j] = store.Limit{N: c.N + 1, Since: t0, Last: t0}
				}
				return out
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	err := s.Limits(ctx, []string{"a:shared"}, time.Time{}, func(cur []store.Limit) []store.Limit {
		if cur[0].N != n {
			t.Errorf("shared key counted %d, want %d", cur[0].N, n)
		}
		return cur
	})
	if err != nil {
		t.Fatal(err)
	}
}
