package server

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/outbox"
	"github.com/slakeeper/slakeeper/internal/store"
)

// downStore refuses results while down is set, as a database that went
// away would.
type downStore struct {
	store.Store
	down atomic.Bool
}

func (s *downStore) AppendResults(ctx context.Context, rs []monitor.Result) error {
	if s.down.Load() {
		return errors.New("connection refused")
	}
	return s.Store.AppendResults(ctx, rs)
}

// Check results the store refuses are kept, in order, and stored once it
// takes them again: no gap in the evidence.
func TestResultsKeptWhileStoreDown(t *testing.T) {
	ds := &downStore{}
	e := startNotifyWrapped(t, filepath.Join(t.TempDir(), "n.db"), "", nil, func(st store.Store) store.Store {
		ds.Store = st
		return ds
	})
	ds.down.Store(true)
	t0 := time.Now().UTC().Truncate(time.Second)
	for i := range 5 {
		e.s.onResult(monitor.Result{MonitorID: "api-http", Location: "local", At: t0.Add(time.Duration(i) * time.Second), State: monitor.Down, Message: "refused"})
	}
	if n := e.s.spill.pending(); n != 5 {
		t.Fatalf("kept %d results, want 5", n)
	}
	// While some wait, a new one queues behind them (the detector sees
	// results in order).
	ds.down.Store(false)
	e.s.onResult(monitor.Result{MonitorID: "api-http", Location: "local", At: t0.Add(5 * time.Second), State: monitor.Up})
	eventually(t, "the kept results to be stored", func() bool { return e.s.spill.pending() == 0 })
	rs, err := e.st.Results(context.Background(), "api-http", t0.Add(-time.Minute), t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 6 {
		t.Fatalf("stored %d results, want 6", len(rs))
	}
	for i, r := range rs {
		if !r.At.Equal(t0.Add(time.Duration(i) * time.Second)) {
			t.Errorf("result %d at %s, want in order", i, r.At)
		}
	}
}

// The memory kept is bounded: the oldest go first, and are counted.
func TestSpillBounded(t *testing.T) {
	p := newSpill()
	for i := range maxSpill + 10 {
		p.add(monitor.Result{MonitorID: "m", At: time.Unix(int64(i), 0)})
	}
	kept, dropped := p.stats()
	if kept != maxSpill || dropped != 10 || !p.head(1)[0].At.Equal(time.Unix(10, 0)) {
		t.Errorf("kept %d, dropped %d, oldest %v", kept, dropped, p.head(1)[0].At)
	}
}

// Two servers on one database (replicas) each poll the outbox: every
// notification is delivered once, whichever sends it.
func TestTwoServersDeliverOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "n.db")
	a := startNotify(t, db, "", nil)
	b := startNotify(t, db, "", nil)
	h := newHookReceiver(t, 0)
	a.addHook(h, `[]`)
	const n = 40
	for i := range n {
		srv := a
		if i%2 == 1 {
			srv = b
		}
		ev := outbox.Event{ID: fmt.Sprintf("inc-%d.created", i), Kind: outbox.EventIncidentCreated, At: time.Now(), Title: "Outage"}
		if err := srv.s.outbox.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "every notification", func() bool { return len(h.received()) >= n })
	time.Sleep(500 * time.Millisecond) // a second sender would have sent by now
	seen := map[string]int{}
	for _, c := range h.received() {
		seen[c.ID]++
	}
	for id, k := range seen {
		if k > 1 {
			t.Errorf("%s delivered %d times", id, k)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct deliveries, want %d", len(seen), n)
	}
	// One recipient: in the order published, whichever server sent each.
	for i, c := range h.received() {
		if want := fmt.Sprintf("inc-%d.created/", i); !strings.HasPrefix(c.ID, want) {
			t.Fatalf("delivery %d: got %s, want %s…: the recipient's order is lost", i, c.ID, want)
		}
	}
}
