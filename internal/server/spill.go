package server

import (
	"context"
	"sync"
	"time"

	"github.com/slakeeper/slakeeper/internal/monitor"
	"github.com/slakeeper/slakeeper/internal/sla"
)

// maxSpill bounds the check results kept in memory while the store
// refuses them: at 10,000 monitors every 30 s, about ten minutes' worth
// (some 25 MB). Beyond it the oldest are dropped, and counted.
const maxSpill = 200_000

// spill keeps the server's own check results while the store cannot
// take them, in order, and hands them back once it can: a database that
// goes away for a few minutes leaves no gap in the evidence.
type spill struct {
	mu      sync.Mutex
	buf     []monitor.Result
	dropped int64
	wake    chan struct{}
}

func newSpill() *spill { return &spill{wake: make(chan struct{}, 1)} }

// add keeps r, dropping the oldest beyond maxSpill.
func (p *spill) add(r monitor.Result) {
	p.mu.Lock()
	if len(p.buf) >= maxSpill {
		p.buf = p.buf[1:]
		p.dropped++
	}
	p.buf = append(p.buf, r)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// pending is how many results wait.
func (p *spill) pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.buf)
}

// stats is how many results wait and how many were dropped.
func (p *spill) stats() (int, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.buf), p.dropped
}

// head is up to n of the oldest results, not removed.
func (p *spill) head(n int) []monitor.Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]monitor.Result(nil), p.buf[:min(n, len(p.buf))]...)
}

// drop removes the n oldest results (those just stored).
func (p *spill) drop(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n = min(n, len(p.buf))
	p.buf = append(p.buf[:0], p.buf[n:]...)
}

// onResult stores a result of the server's own checks and feeds it to
// the detector; while earlier ones wait in the spill, or when the store
// refuses it, it joins them, so the detector sees every result in order.
func (s *Server) onResult(r monitor.Result) {
	if s.spill.pending() > 0 {
		s.spill.add(r)
		return
	}
	ctx := context.Background()
	err := s.storeResults(ctx, []monitor.Result{r})
	switch {
	case err == nil:
		if err := s.accept(ctx, []monitor.Result{r}, true); err != nil {
			s.log.Error("store status changes", "monitor", r.MonitorID, "err", err)
		}
	case isStoreDown(err):
		s.log.Warn("the store refuses check results: kept in memory until it takes them", "monitor", r.MonitorID, "err", err)
		s.spill.add(r)
	default:
		s.log.Error("store result", "monitor", r.MonitorID, "err", err)
	}
}

// isStoreDown tells a store that failed (retry later) from a result it
// refused for what it is.
func isStoreDown(err error) bool {
	return !sla.IsInput(err)
}

// replaySpill hands the kept results to the store, oldest first, as soon
// as it takes them again.
func (s *Server) replaySpill(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.spill.wake:
		}
		for ctx.Err() == nil {
			batch := s.spill.head(1000)
			if len(batch) == 0 {
				break
			}
			if err := s.storeResults(ctx, batch); err != nil {
				if !isStoreDown(err) {
					// One bad result must not hold the rest back.
					s.log.Error("kept results: refused by the store; dropped", "err", err)
					s.spill.drop(len(batch))
					continue
				}
				break // still down: wait
			}
			s.spill.drop(len(batch))
			if err := s.accept(ctx, batch, true); err != nil {
				s.log.Error("store status changes", "err", err)
			}
			if s.spill.pending() == 0 {
				s.log.Info("the store takes check results again: the kept ones are stored")
			}
		}
	}
}
